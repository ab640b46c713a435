// SPDX-License-Identifier: MIT
// Messages between a run thread (thread-main.ts) and the thread that owns it (thread-run.ts):
// a run to train, and what the thread reports while it trains it.

import type { EpochMetrics } from '../train/run-folder.js';
import type { ThreadTimes } from './hops.js';
import type { RunOutcome, RunSpec } from './spec.js';

export interface RunRequest {
  readonly spec: RunSpec;
  readonly dir: string;
  /** WASM GEMM threads for this run when its config sets none (machine-side, not recorded). */
  readonly threads?: number;
  /** Int32 flag: non-zero asks the run to stop after its current step (with a checkpoint). */
  readonly stop: SharedArrayBuffer;
  /** Report each epoch's checkpoint and new lines (for a worker that persists them). */
  readonly collect: boolean;
}

/** Load modules and kernels now (GEMM threads set), before any run: answered by `ready`. */
export interface WarmRequest {
  readonly warm: true;
  readonly threads?: number;
}

/** A run's state after a checkpoint: enough to continue it in an empty folder elsewhere. */
export interface Snapshot {
  /** Global step of the checkpoint: a later snapshot has a larger step. */
  readonly step: number;
  readonly epoch: number;
  /** checkpoint.json, whole. */
  readonly checkpoint: string;
  /** Lines appended to each .jsonl file since the previous snapshot (or the thread's start). */
  readonly appends: Readonly<Record<string, string>>;
}

export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'started'; startEpoch: number }
  | { type: 'progress'; done: number; total: number; epoch: number; loss: number }
  | { type: 'epoch'; metrics: EpochMetrics; snapshot?: Snapshot }
  | { type: 'done'; outcome: RunOutcome; snapshot?: Snapshot; times?: ThreadTimes }
  | { type: 'error'; message: string };
