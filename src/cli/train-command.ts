// SPDX-License-Identifier: MIT
// `lowbit train`: train a model on a dataset with a scheme, writing a run folder. Ctrl-C (or
// SIGTERM) stops after the current step with a checkpoint and exit status 130 (143).

import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { baseLrAt, parseTrainConfig, schemeLabel, type TrainConfig } from '../train/config.js';
import { readRecord } from '../train/run-folder.js';
import { train } from '../train/trainer.js';
import { envBackend, pathOption } from './options.js';
import { addTrainOptions, trainInput, type TrainOptionFlags } from './train-options.js';
import { makeProgress } from './progress.js';
import { schemeNotes } from '../schemes/notes.js';
import { backendNote } from '../kernels/backend.js';
import { setExitStatus } from './exit.js';
import { handleStopSignals, SIGNAL_EXIT } from './signals.js';

interface TrainFlags extends TrainOptionFlags {
  out?: string;
  resume?: string;
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
  return addTrainOptions(
    new Command('train').description(
      'train a model in low-bitwidth fixed point (default: LeNet-5 on MNIST, fixed8, 1 epoch)',
    ),
  )
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
    .option('--no-progress', 'no progress bar')
    .action(async (f: TrainFlags) => {
      const env = f.backend === undefined ? envBackend() : undefined;
      const defined = { ...trainInput(f), ...(env !== undefined ? { backend: env } : {}) };
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
              print(`  backend: ${backendNote()}`);
              if (s.threadChoices)
                print(
                  `  threads: auto, the fastest of ${s.threadChoices.join(', ')} measured on the first steps`,
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
