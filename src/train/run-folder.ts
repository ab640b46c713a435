// SPDX-License-Identifier: MIT
// The run folder (Node): config.json (what was run), metrics.jsonl (one line per epoch),
// checkpoint.json (where to continue, written atomically), telemetry.jsonl, timeline.jsonl
// and histograms.jsonl (opt-in). RunFolder is the loop's RunStore over such a folder.

import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Layer } from '../nn/layer.js';
import type { Optimizer } from '../optim/optimizer.js';
import {
  captureCheckpoint,
  CHECKPOINT_FILE,
  parseCheckpoint,
  restoreCheckpoint,
  type Checkpoint,
  type Position,
} from './checkpoint.js';
import { configFromRecord, type TrainConfig } from './config.js';
import type { EpochMetrics } from './metrics.js';
import type { RunRecord, RunStore, TelemetryRows } from './store.js';
import { HISTOGRAM_FILE, TELEMETRY_FILE, TIMELINE_FILE } from './telemetry.js';

export { TELEMETRY_FILE } from './telemetry.js';
export type { EpochMetrics } from './metrics.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';

/** A run folder as the training loop's store. */
export class RunFolder implements RunStore {
  constructor(readonly dir: string) {}

  get label(): string {
    return this.dir;
  }

  private get checkpointPath(): string {
    return join(this.dir, CHECKPOINT_FILE);
  }

  open(resume: boolean): void {
    const has = existsSync(this.checkpointPath);
    if (resume && !has) {
      throw new Error(
        `${this.dir} has no ${CHECKPOINT_FILE} to resume from: start the run again without --resume`,
      );
    }
    if (!resume && has) {
      throw new Error(
        `${this.dir} already holds a run: use --resume to continue it, or choose another --out`,
      );
    }
    ensureDir(this.dir);
  }

  writeConfig(record: RunRecord): void {
    writeAtomic(join(this.dir, CONFIG_FILE), JSON.stringify(record, null, 2) + '\n');
  }

  readCheckpoint(): Checkpoint | null {
    if (!existsSync(this.checkpointPath)) return null;
    return readCheckpointFile(this.checkpointPath);
  }

  writeCheckpoint(c: Checkpoint): void {
    writeAtomic(this.checkpointPath, JSON.stringify(c));
  }

  truncateMetrics(epochs: number): void {
    truncateMetrics(this.dir, epochs);
  }

  appendMetrics(m: EpochMetrics): void {
    appendMetrics(this.dir, m);
  }

  appendTelemetry(rows: TelemetryRows): void {
    appendJsonl(this.dir, TELEMETRY_FILE, rows.sites);
    appendJsonl(this.dir, TIMELINE_FILE, rows.timeline);
    appendJsonl(this.dir, HISTOGRAM_FILE, rows.histograms);
  }
}

/** Writes `text` (or bytes) to `path` atomically (temporary file, fsync, rename). */
export function writeAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    if (typeof text === 'string') writeSync(fd, text);
    else for (let off = 0; off < text.length;) off += writeSync(fd, text, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Reads and parses a checkpoint file (errors name the path). */
export function readCheckpointFile(path: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseCheckpoint(text, path);
}

export function saveCheckpoint(path: string, model: Layer, opt: Optimizer, pos: Position): void {
  writeAtomic(path, JSON.stringify(captureCheckpoint(model, opt, pos)));
}

/** Restores a checkpoint file into a freshly built model and optimizer; returns the position. */
export function loadCheckpoint(path: string, model: Layer, opt: Optimizer): Position {
  return restoreCheckpoint(readCheckpointFile(path), model, opt, path);
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function writeConfig(dir: string, cfg: TrainConfig, extra: Record<string, unknown>): void {
  writeAtomic(join(dir, CONFIG_FILE), JSON.stringify({ ...cfg, ...extra }, null, 2) + '\n');
}

/** Reads a run's config.json (keys this version does not know are an error). */
export function readConfig(dir: string): TrainConfig {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) throw new Error(`${dir} is not a run folder: it has no ${CONFIG_FILE}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return configFromRecord(raw, path);
}

export function readMetrics(dir: string): EpochMetrics[] {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EpochMetrics);
}

/** Keeps only the metrics of epochs <= `epochs` (after a resume from an earlier checkpoint). */
export function truncateMetrics(dir: string, epochs: number): void {
  const keep = readMetrics(dir).filter((m) => m.epoch <= epochs);
  writeAtomic(join(dir, METRICS_FILE), keep.map((m) => JSON.stringify(m) + '\n').join(''));
}

export function appendMetrics(dir: string, m: EpochMetrics): void {
  appendFileSync(join(dir, METRICS_FILE), JSON.stringify(m) + '\n');
}

export function appendJsonl(dir: string, file: string, rows: readonly unknown[]): void {
  if (rows.length)
    appendFileSync(join(dir, file), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}
