// SPDX-License-Identifier: MIT
// `train` for Node: the training loop (loop.ts) with a run folder as its store when given a
// path. `train(cfg, 'runs/x')` writes config.json, metrics.jsonl and checkpoints there;
// `train(cfg, 'runs/x', {}, true)` resumes it; a RunStore or null passes straight through.

import type { TrainConfig } from './config.js';
import { train as trainLoop, type TrainOptions, type TrainResult } from './loop.js';
import { RunFolder } from './run-folder.js';
import type { RunStore } from './store.js';

export type { TrainHooks, TrainOptions, TrainResult } from './loop.js';
export { formatEpoch } from './metrics.js';

export async function train(
  cfg: TrainConfig,
  out: string | RunStore | null,
  opts: TrainOptions = {},
  resume = false,
): Promise<TrainResult> {
  return trainLoop(cfg, typeof out === 'string' ? new RunFolder(out) : out, opts, resume);
}
