// SPDX-License-Identifier: MIT
// What running a list of runs takes and gives (see run-list.ts), and where its runs live.

import { join, resolve } from 'node:path';
import { loadRun } from '../report/run-data.js';
import type { EpochMetrics } from '../train/run-folder.js';
import { tested } from '../train/metrics.js';
import type { RunOutcome } from './spec.js';
import type { QueueOptions } from './queue/connection.js';
import type { JobTimes } from './hops.js';

/** Where the runs of a list stand, for progress bars. */
export interface RunProgress {
  /** A run starts (or resumes at `startEpoch`). */
  start(id: string, epochs: number, startEpoch: number): void;
  /** Batches of the current epoch (local runs). */
  batch?(id: string, done: number, total: number, epoch: number, loss: number): void;
  /** An epoch finished. */
  epoch(id: string, m: EpochMetrics, epochs: number): void;
  end(id: string): void;
  /** The list is done: take the display down if no run is left on it. */
  clear(): void;
}

export interface ListOptions {
  /** The list's folder: each run in DIR/runs/<id>. */
  out: string;
  /** Runs at once on this machine (default 1). */
  jobs?: number;
  /** Spread the runs over the workers of this job queue instead. */
  queue?: QueueOptions;
  log(line: string): void;
  shouldStop?(): boolean;
  progress?: RunProgress;
  /** Through a queue: each finished job's stamps, as it is collected (where its time went). */
  jobTimes?(id: string, t: JobTimes): void;
}

export interface ListResult {
  readonly outcomes: ReadonlyMap<string, RunOutcome>;
  readonly interrupted: boolean;
}

export const runDir = (out: string, id: string): string => join(resolve(out), 'runs', id);

/** ", test_acc 91.20%" from a run folder's last epoch, or "". */
export function accLine(dir: string): string {
  try {
    const m = loadRun(dir, false).metrics.at(-1);
    return m && tested(m) ? `, test_acc ${(m.test_acc * 100).toFixed(2)}%` : '';
  } catch {
    return '';
  }
}
