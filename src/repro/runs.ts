// SPDX-License-Identifier: MIT
// Running the suite's runs as ordinary run folders: finished runs are skipped, interrupted
// ones resume from their checkpoint, a run that fails keeps its error for the report.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrainConfig } from '../train/config.js';
import { train } from '../train/trainer.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import {
  checkpointEpochs,
  METRICS_FILE,
  readMetrics,
  TELEMETRY_FILE,
} from '../train/run-folder.js';
import { HISTOGRAM_FILE, TIMELINE_FILE } from '../train/telemetry.js';
import { ERROR_FILE } from '../report/run-data.js';
import type { RunSpec } from './types.js';

export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9.=-]+/g, '_');
}

export type RunOutcome = 'done' | 'skipped' | 'resumed' | 'failed' | 'interrupted';

export interface RunHooks {
  log(line: string): void;
  shouldStop?(): boolean;
}

/** Runs (or skips, or resumes) one run in `dir`. Never throws for a training failure. */
export async function runOne(spec: RunSpec, dir: string, hooks: RunHooks): Promise<RunOutcome> {
  const cfg = parseTrainConfig(spec.config, `run ${spec.id}`);
  const errPath = join(dir, ERROR_FILE);
  if (existsSync(errPath)) {
    // A diverged run diverges again (runs are deterministic); anything else is retried.
    if (readFileSync(errPath, 'utf8').includes('diverged')) return 'skipped';
    rmSync(errPath);
  }
  // Finished: its checkpoint says so (a metrics line alone may have outlived a kill before
  // the checkpoint it belongs to).
  if (readMetrics(dir).length >= cfg.epochs && checkpointEpochs(dir) >= cfg.epochs)
    return 'skipped';
  const resume = existsSync(join(dir, CHECKPOINT_FILE));
  if (!resume) {
    // Killed before its first checkpoint: start again from nothing.
    for (const f of [METRICS_FILE, TELEMETRY_FILE, TIMELINE_FILE, HISTOGRAM_FILE])
      rmSync(join(dir, f), { force: true });
  }
  try {
    const r = await train(cfg, dir, { log: () => {}, shouldStop: hooks.shouldStop }, resume);
    if (r.interrupted) return 'interrupted';
    return resume ? 'resumed' : 'done';
  } catch (e) {
    const msg = (e as Error).message;
    // A run can fail before its folder exists (e.g. its data cannot be loaded).
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ERROR_FILE), msg + '\n');
    hooks.log(`  ${spec.id} failed: ${msg}`);
    return 'failed';
  }
}
