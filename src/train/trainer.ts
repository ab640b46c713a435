// SPDX-License-Identifier: MIT
// `train` for Node: the training loop (loop.ts) with a run folder as its store when given a
// path. `train(cfg, 'runs/x')` writes config.json, metrics.jsonl and checkpoints there;
// `train(cfg, 'runs/x', {}, true)` resumes it; a RunStore or null passes straight through.
// A config with `init` starts from that run folder's checkpoint (transfer learning).

import type { TrainConfig } from './config.js';
import { train as trainLoop, type TrainOptions, type TrainResult } from './loop.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE, parseCheckpoint } from './checkpoint.js';
import { RunFolder } from './run-folder.js';
import { GanTask } from './gan.js';
import { loadJudge, writeSamples } from './gan-files.js';
import type { RunStore } from './store.js';

export type { TrainHooks, TrainOptions, TrainResult } from './loop.js';
export { formatEpoch } from './metrics.js';

/** The last checkpoint of run folder `dir`, to start a new run from its weights. */
export function readInit(dir: string): NonNullable<TrainOptions['init']> {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path))
    throw new Error(
      `--init ${dir}: no ${CHECKPOINT_FILE} there (give the folder of a lowbit train run that finished an epoch)`,
    );
  return { checkpoint: parseCheckpoint(readFileSync(path, 'utf8'), path), source: dir };
}

export async function train(
  cfg: TrainConfig,
  out: string | RunStore | null,
  opts: TrainOptions = {},
  resume = false,
): Promise<TrainResult> {
  const init = cfg.init !== undefined && !resume && !opts.init ? readInit(cfg.init) : opts.init;
  return trainLoop(
    cfg,
    typeof out === 'string' ? new RunFolder(out) : out,
    { ...opts, init, ...ganHooks(cfg, typeof out === 'string' ? out : (out?.dir ?? null), opts) },
    resume,
  );
}

/** A GAN run: its judge (cfg.judge) set before training, samples.png after every epoch. */
function ganHooks(cfg: TrainConfig, dir: string | null, opts: TrainOptions): TrainOptions {
  if (cfg.model !== 'dcgan') {
    if (cfg.judge !== undefined) throw new Error('--judge scores a GAN: use it with --model dcgan');
    return {};
  }
  return {
    started: (setup) => {
      if (cfg.judge !== undefined && setup.task instanceof GanTask)
        setup.task.judge = loadJudge(cfg.judge, setup.kernels);
      opts.started?.(setup);
    },
    epochEnd: (m, setup) => {
      if (dir && setup.task instanceof GanTask) {
        const n = 128;
        const ctx = {
          kernels: setup.kernels,
          step: -1,
          epoch: -1,
          training: false,
          telemetry: null,
        };
        writeSamples(dir, setup.task.samples(ctx, n), n);
      }
      opts.epochEnd?.(m, setup);
    },
  };
}
