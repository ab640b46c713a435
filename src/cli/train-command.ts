// SPDX-License-Identifier: MIT
// `lowbit train`: train a model on a dataset with a scheme, writing a run folder.

import { Command, Option } from 'commander';
import { join } from 'node:path';
import {
  parseTrainConfig,
  schemeLabel,
  type TrainConfig,
  type TrainConfigInput,
} from '../train/config.js';
import { readConfig } from '../train/run-folder.js';
import { train } from '../train/trainer.js';
import { intOption, numberOption } from './options.js';
import { makeProgress } from './progress.js';
import { schemeNotes } from '../schemes/notes.js';

interface TrainFlags {
  model?: string;
  dataset?: string;
  scheme?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  optimizer?: string;
  schedule?: 'constant' | 'cosine';
  seed?: number;
  limit?: number;
  testLimit?: number;
  out?: string;
  resume?: string;
  backend?: 'auto' | 'ref' | 'wasm';
  threads?: number;
  telemetry?: boolean;
  classes?: string;
  init?: string;
  reinitClassifier?: boolean;
  progress: boolean;
}

function defaultOut(c: { model: string; dataset: string; scheme: TrainConfig['scheme'] }): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', `${c.model}-${c.dataset}-${schemeLabel(c.scheme)}-${stamp}`);
}

export function trainCommand(print: (s: string) => void): Command {
  return new Command('train')
    .description(
      'train a model in low-bitwidth fixed point (default: LeNet-5 on MNIST, fixed8, 1 epoch)',
    )
    .option('--model <name>', 'model: lenet5, mlp, ... (see `lowbit models`)')
    .option('--dataset <name>', 'dataset: mnist, shapes32, gauss-N, digits-seq, translate')
    .option(
      '--scheme <name|file.json>',
      'quantization scheme: a built-in name (see `lowbit schemes`) or a JSON file',
    )
    .option('--epochs <n>', 'epochs to train (default 1)', intOption('--epochs'))
    .option('--batch <n>', 'mini-batch size (default 64)', intOption('--batch'))
    .option('--lr <x>', 'learning rate (default 0.02)', numberOption('--lr'))
    .option('--momentum <x>', 'momentum (default 0.9)', numberOption('--momentum'))
    .option(
      '--weight-decay <x>',
      'L2 weight decay on weights (default 0)',
      numberOption('--weight-decay'),
    )
    .option('--optimizer <name>', 'optimizer: sgd (default), adam')
    .addOption(
      new Option('--schedule <kind>', 'learning-rate schedule').choices(['constant', 'cosine']),
    )
    .option(
      '--seed <n>',
      'seed of initialisation, data order and stochastic rounding (default 1)',
      intOption('--seed', 0),
    )
    .option('--limit <n>', 'train on the first N training samples only', intOption('--limit'))
    .option(
      '--test-limit <n>',
      'evaluate on the first N test samples only',
      intOption('--test-limit'),
    )
    .option(
      '--out <dir>',
      'run folder for config.json, metrics.jsonl, checkpoint.json (default runs/<name>)',
    )
    .option(
      '--resume <dir>',
      'continue the run in <dir> from its last checkpoint (--epochs may extend it)',
    )
    .addOption(
      new Option(
        '--backend <name>',
        'kernels: auto picks wasm when it loads (env LOWBIT_BACKEND)',
      ).choices(['auto', 'ref', 'wasm']),
    )
    .option(
      '--threads <n>',
      'worker threads for the wasm kernels (default: all cores)',
      intOption('--threads'),
    )
    .option('--telemetry', 'record per-layer, per-site quantization statistics (telemetry.jsonl)')
    .option(
      '--classes <list>',
      'train and test on these classes only, relabelled 0..k-1 (e.g. 0-4 or 5,6,7)',
    )
    .option(
      '--init <run_dir>',
      "start from the weights of a run folder's checkpoint (fine-tuning, any scheme)",
    )
    .option(
      '--reinit-classifier',
      'with --init: start the classifier (last layer) afresh, e.g. for a new class set',
    )
    .option('--no-progress', 'no progress bar')
    .action(async (f: TrainFlags) => {
      const given: TrainConfigInput = {
        model: f.model,
        dataset: f.dataset,
        scheme: f.scheme,
        epochs: f.epochs,
        batch: f.batch,
        lr: f.lr,
        momentum: f.momentum,
        weightDecay: f.weightDecay,
        optimizer: f.optimizer,
        schedule: f.schedule,
        seed: f.seed,
        limit: f.limit,
        testLimit: f.testLimit,
        backend: f.backend,
        threads: f.threads,
        telemetry: f.telemetry,
        classes: f.classes,
        init: f.init,
        reinitClassifier: f.reinitClassifier,
      };
      const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
      let out: string;
      let cfg;
      if (f.resume) {
        out = f.resume;
        const saved = readConfig(out);
        // Only the length of the run and the machine-side choices may change on resume.
        const allowed = ['epochs', 'backend', 'threads'];
        const changed = Object.keys(defined).filter(
          (k) =>
            !allowed.includes(k) &&
            JSON.stringify(defined[k]) !== JSON.stringify((saved as Record<string, unknown>)[k]),
        );
        if (changed.length) {
          throw new Error(
            `--resume continues the run as configured; these options differ from ${out}/config.json: ${changed.join(', ')} (only --epochs, --backend, --threads may change)`,
          );
        }
        cfg = parseTrainConfig({ ...saved, ...defined }, 'options');
      } else {
        cfg = parseTrainConfig(defined, 'options');
        out = f.out ?? defaultOut(cfg);
      }
      const progress = makeProgress(f.progress);
      let stopRequested = false;
      const onSigint = (): void => {
        if (stopRequested) process.exit(130);
        stopRequested = true;
        progress.stop();
        print('stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)');
      };
      process.on('SIGINT', onSigint);
      try {
        const r = await train(
          cfg,
          out,
          {
            log: (l) => {
              progress.stop();
              print(l);
            },
            progress: (d, t, e, l) => progress.update(d, t, e, l),
            shouldStop: () => stopRequested,
            started: (s) => {
              print(
                `lowbit: ${cfg.model} on ${s.data.name} with scheme ${s.scheme.name}, ${s.kernels.name} backend, ` +
                  `batch ${cfg.batch}, lr ${cfg.lr}, seed ${cfg.seed} -> ${out}`,
              );
              for (const line of schemeNotes(s.scheme, s.model)) print(`  ${line}`);
              if (s.init)
                print(
                  `  weights from ${cfg.init}: ${s.init.copied.length} parameters copied` +
                    (s.init.fresh.length ? `, classifier ${s.init.classifier} started afresh` : ''),
                );
            },
          },
          Boolean(f.resume),
        );
        if (r.interrupted) print(`stopped; continue with: lowbit train --resume ${out}`);
      } finally {
        progress.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
