// SPDX-License-Identifier: MIT
// One run of a list as an ordinary run folder: finished runs are skipped, interrupted ones
// resume from their checkpoint, a run that fails keeps its error (error.txt) for the report.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrainConfig } from '../train/config.js';
import { train } from '../train/trainer.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import {
  checkpointEpochs,
  CONFIG_FILE,
  METRICS_FILE,
  readMetrics,
  RunFolder,
  TELEMETRY_FILE,
  type EpochMetrics,
} from '../train/run-folder.js';
import type { RunStore } from '../train/store.js';
import { HISTOGRAM_FILE, TIMELINE_FILE } from '../train/telemetry.js';
import { ERROR_FILE } from '../report/run-data.js';
import type { RunOutcome, RunSpec } from './spec.js';
import { cachedData } from './data-cache.js';

export { slug, type RunOutcome, type RunSpec } from './spec.js';

/** Every file a run folder may hold, in the order a reader wants them. */
export const RUN_FILES = [
  CONFIG_FILE,
  METRICS_FILE,
  CHECKPOINT_FILE,
  TELEMETRY_FILE,
  TIMELINE_FILE,
  HISTOGRAM_FILE,
  ERROR_FILE,
] as const;

/** The files that grow by whole lines, one batch of lines per epoch. */
export const APPENDED_FILES = [METRICS_FILE, TELEMETRY_FILE, TIMELINE_FILE, HISTOGRAM_FILE];

export interface RunHooks {
  log(line: string): void;
  /** Data, model and scheme are built: the first step comes next. */
  started?(): void;
  shouldStop?(): boolean;
  /** Batches done in the current epoch (for progress bars). */
  progress?(done: number, total: number, epoch: number, loss: number): void;
  /** After each finished epoch, once its metrics and checkpoint are in the folder. */
  epochEnd?(m: EpochMetrics): void;
  /** The store the run trains against: the run folder, or one that wraps it. */
  store?(folder: RunFolder): RunStore;
  /** The folder is a scratch copy (its durable copy is kept elsewhere): no fsync per write. */
  scratch?: boolean;
}

/**
 * Where a run folder stands: `done` (every epoch finished), `diverged` (stopped by divergence,
 * which a deterministic run would repeat), `partial` (has a checkpoint to resume from), `new`.
 */
export function runState(spec: RunSpec, dir: string): 'done' | 'diverged' | 'partial' | 'new' {
  const errPath = join(dir, ERROR_FILE);
  if (existsSync(errPath) && readFileSync(errPath, 'utf8').includes('diverged')) return 'diverged';
  const epochs = parseTrainConfig(spec.config, `run ${spec.id}`).epochs;
  // Finished: its checkpoint says so (a metrics line alone may have outlived a kill before
  // the checkpoint it belongs to).
  if (readMetrics(dir).length >= epochs && checkpointEpochs(dir) >= epochs) return 'done';
  return existsSync(join(dir, CHECKPOINT_FILE)) ? 'partial' : 'new';
}

/** Runs (or skips, or resumes) one run in `dir`. Never throws for a training failure. */
export async function runOne(spec: RunSpec, dir: string, hooks: RunHooks): Promise<RunOutcome> {
  const cfg = parseTrainConfig(spec.config, `run ${spec.id}`);
  const state = runState(spec, dir);
  if (state === 'done' || state === 'diverged') return 'skipped';
  // Anything but divergence is retried.
  rmSync(join(dir, ERROR_FILE), { force: true });
  const resume = state === 'partial';
  if (!resume) {
    // Killed before its first checkpoint: start again from nothing.
    for (const f of [METRICS_FILE, TELEMETRY_FILE, TIMELINE_FILE, HISTOGRAM_FILE])
      rmSync(join(dir, f), { force: true });
  }
  try {
    const folder = new RunFolder(dir, hooks.scratch ? { durable: false } : {});
    const r = await train(
      cfg,
      hooks.store ? hooks.store(folder) : folder,
      {
        // The same set as the previous run of this thread's list, when it is: not drawn again.
        data: cachedData(cfg),
        started: () => hooks.started?.(),
        log: () => {},
        shouldStop: hooks.shouldStop,
        progress: hooks.progress,
        epochEnd: hooks.epochEnd,
      },
      resume,
    );
    if (r.interrupted) return 'interrupted';
    return resume ? 'resumed' : 'done';
  } catch (e) {
    const msg = (e as Error).message;
    writeFileSync(join(dir, ERROR_FILE), msg + '\n');
    hooks.log(`  ${spec.id} failed: ${msg}`);
    return 'failed';
  }
}
