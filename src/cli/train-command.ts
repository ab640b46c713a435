// SPDX-License-Identifier: MIT
// `lowbit train`: train a model on a dataset with a scheme, writing a run folder. Ctrl-C (or
// SIGTERM) stops after the current step with a checkpoint and exit status 130 (143).

import { Command, Option } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  baseLrAt,
  parseTrainConfig,
  schemeLabel,
  type TrainConfig,
  type TrainConfigInput,
} from '../train/config.js';
import { readRecord } from '../train/run-folder.js';
import { train } from '../train/trainer.js';
import { envBackend, intOption, numberOption, pathOption } from './options.js';
import { makeProgress } from './progress.js';
import { schemeNotes } from '../schemes/notes.js';
import { setExitStatus } from './exit.js';
import { handleStopSignals, SIGNAL_EXIT } from './signals.js';
import { addDataOptions, dataConfig, type DataFlags } from './data-options.js';

interface TrainFlags extends DataFlags {
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

/**
 * A new folder runs/<model>-<dataset>-<scheme>-<time>, made here so that two runs started in
 * the same second (with other options) never share one: the second gets a -2 suffix.
 */
function defaultOut(c: { model: string; dataset: string; scheme: TrainConfig['scheme'] }): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const scheme = schemeLabel(c.scheme).replace(/^.*[\\/]/, '');
  const base = join('runs', `${c.model}-${c.dataset}-${scheme}-${stamp}`);
  mkdirSync('runs', { recursive: true });
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir); // atomic: exactly one process creates a given name
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Options that may differ on resume: the run's length, its learning rate (recorded), and
 * machine-side choices that do not change results. */
const RESUME_MAY_CHANGE = ['epochs', 'lr', 'backend', 'threads'];

function resumeConfig(out: string, defined: Record<string, unknown>): TrainConfig {
  const saved = readRecord(out);
  const changed = Object.keys(defined).filter(
    (k) =>
      !RESUME_MAY_CHANGE.includes(k) &&
      JSON.stringify(defined[k]) !== JSON.stringify((saved as Record<string, unknown>)[k]),
  );
  if (changed.length) {
    throw new Error(
      `--resume continues the run as recorded in ${join(out, 'config.json')}; these options ` +
        `differ from it: ${changed.join(', ')}. Only --epochs, --lr, --backend and --threads may ` +
        `change; for anything else start a new run (another --out).`,
    );
  }
  const { resolvedScheme: _s, ...cfg } = saved;
  const { lr: _lr, ...rest } = defined; // a new rate applies from the checkpoint on
  return parseTrainConfig({ ...cfg, ...rest }, 'options');
}

export function trainCommand(print: (s: string) => void): Command {
  const cmd = new Command('train')
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
    .option(
      '--lr <x>',
      'learning rate (default 0.02); with --resume, the rate from the checkpoint on',
      numberOption('--lr'),
    )
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
    );
  addDataOptions(cmd, 'train and test on');
  return cmd
    .option(
      '--out <dir>',
      'run folder for config.json, metrics.jsonl, checkpoint.json (default runs/<name>)',
      pathOption('--out'),
    )
    .option(
      '--resume <dir>',
      'continue the run in <dir> from its last checkpoint (--epochs may extend it, --lr change it)',
      pathOption('--resume'),
    )
    .addOption(
      new Option(
        '--backend <name>',
        'kernels: auto picks wasm when it loads (default: env LOWBIT_BACKEND, else auto)',
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
        ...dataConfig(f),
        backend: f.backend ?? envBackend(),
        threads: f.threads,
        telemetry: f.telemetry,
        classes: f.classes,
        init: f.init,
        reinitClassifier: f.reinitClassifier,
      };
      const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
      let out: string;
      let cfg: TrainConfig;
      if (f.resume) {
        if (f.out !== undefined && resolve(f.out) !== resolve(f.resume)) {
          throw new Error('--resume continues the run in its own folder: leave out --out');
        }
        out = f.resume;
        cfg = resumeConfig(out, defined);
      } else {
        cfg = parseTrainConfig(defined, 'options');
        out = f.out ?? defaultOut(cfg);
      }
      const progress = makeProgress(f.progress);
      const stop = handleStopSignals((l) => {
        progress.stop();
        print(l);
      }, 'stopping after this step and saving a checkpoint');
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
            shouldStop: () => stop.signal !== null,
            started: (s) => {
              print(
                `lowbit: ${cfg.model} on ${s.data.name} with scheme ${s.scheme.name}, ${s.kernels.name} backend, ` +
                  `batch ${cfg.batch}, lr ${f.resume && f.lr !== undefined ? f.lr : baseLrAt(cfg, Infinity)}, ` +
                  `seed ${cfg.seed} -> ${out}`,
              );
              for (const line of schemeNotes(s.scheme, s.model)) print(`  ${line}`);
              if (s.init)
                print(
                  `  weights from ${cfg.init}: ${s.init.copied.length} parameters copied` +
                    (s.init.fresh.length ? `, classifier ${s.init.classifier} started afresh` : ''),
                );
            },
            ...(f.resume && f.lr !== undefined ? { lr: f.lr } : {}),
          },
          Boolean(f.resume),
        );
        if (r.interrupted) {
          print(`stopped; continue with: lowbit train --resume ${out}`);
          if (stop.signal) setExitStatus(SIGNAL_EXIT[stop.signal]);
        }
      } catch (e) {
        throw withCommands(e as Error, out);
      } finally {
        progress.stop();
        stop.dispose();
      }
    });
}

/** A divergence message with the command that follows its advice. */
function withCommands(e: Error, out: string): Error {
  const m = /--resume with --lr (\S+)$|start again: --lr (\S+)$/.exec(e.message);
  if (!m) return e;
  const cmd = m[1]
    ? `lowbit train --resume ${out} --lr ${m[1]}`
    : `${commandLine().replace(/ --lr[= ]\S+/, '')} --lr ${m[2]}`;
  return new Error(`${e.message}:\n  ${cmd}`, { cause: e });
}

/** This process's command line as `lowbit ...`, quoted where needed. */
function commandLine(): string {
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`));
  return `lowbit ${args.join(' ')}`;
}
