// SPDX-License-Identifier: MIT
// `lowbit train`: train a model on a dataset with a scheme, writing a run folder.

import { Command } from 'commander';
import { join } from 'node:path';
import { parseTrainConfig } from '../train/config.js';
import { readConfig } from '../train/run-folder.js';
import { train } from '../train/trainer.js';
import { addTrainOptions, trainInput, type TrainOptionFlags } from './train-options.js';
import { makeProgress } from './progress.js';
import { schemeNotes } from '../schemes/notes.js';

interface TrainFlags extends TrainOptionFlags {
  out?: string;
  resume?: string;
  progress: boolean;
}

function defaultOut(c: { model: string; dataset: string; scheme: string }): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const scheme = c.scheme.replace(/^.*\//, '').replace(/\.json$/, '');
  return join('runs', `${c.model}-${c.dataset}-${scheme}-${stamp}`);
}

export function trainCommand(print: (s: string) => void): Command {
  return addTrainOptions(
    new Command('train').description(
      'train a model in low-bitwidth fixed point (default: LeNet-5 on MNIST, fixed8, 1 epoch)',
    ),
  )
    .option(
      '--out <dir>',
      'run folder for config.json, metrics.jsonl, checkpoint.json (default runs/<name>)',
    )
    .option(
      '--resume <dir>',
      'continue the run in <dir> from its last checkpoint (--epochs may extend it)',
    )
    .option('--no-progress', 'no progress bar')
    .action(async (f: TrainFlags) => {
      const defined = trainInput(f);
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
