// SPDX-License-Identifier: MIT
// The run folder: config.json (what was run), metrics.jsonl (one line per epoch),
// checkpoint.json (where to continue), telemetry.jsonl (opt-in).

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './checkpoint.js';
import { parseTrainConfig, type TrainConfig } from './config.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
export const TELEMETRY_FILE = 'telemetry.jsonl';

export interface EpochMetrics {
  readonly epoch: number;
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_acc: number;
  readonly samples_per_s: number;
  readonly seconds: number;
  readonly lr: number;
  readonly [extra: string]: number;
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
  const { resolvedScheme: _s, lowbitVersion: _v, ...cfg } = raw;
  return parseTrainConfig(cfg, path);
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
