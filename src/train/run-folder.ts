// SPDX-License-Identifier: MIT
// The run folder (Node): config.json (what was run), metrics.jsonl (one line per epoch),
// checkpoint.json (where to continue, written atomically), telemetry.jsonl, timeline.jsonl
// and histograms.jsonl (opt-in), and `lock` while a process writes it. RunFolder is the
// loop's RunStore over such a folder.

import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parseScheme } from '../schemes/schema.js';
import { LOCK_FILE, lockRunFolder, type RunLock } from './lock.js';
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
import { configFromRecord, parseTrainConfig, type TrainConfig } from './config.js';
import type { EpochMetrics } from './metrics.js';
import type { RunRecord, RunStore, TelemetryRows } from './store.js';
import { HISTOGRAM_FILE, TELEMETRY_FILE, TIMELINE_FILE } from './telemetry.js';

export { TELEMETRY_FILE } from './telemetry.js';
export type { EpochMetrics } from './metrics.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';

/** A run folder as the training loop's store. */
export class RunFolder implements RunStore {
  private lock: RunLock | null = null;
  private created = false;

  /**
   * `durable: false` skips the fsync of each write (writes stay atomic: temporary file, rename),
   * for a scratch copy whose durable copy lives elsewhere (a queue worker's, kept in Redis).
   */
  constructor(
    readonly dir: string,
    private readonly o: { readonly durable?: boolean } = {},
  ) {
    if (dir.trim() === '') throw new Error('a run folder needs a path, got an empty string');
  }

  private get fsync(): boolean {
    return this.o.durable ?? true;
  }

  get label(): string {
    return this.dir;
  }

  private get checkpointPath(): string {
    return join(this.dir, CHECKPOINT_FILE);
  }

  /**
   * Creates the folder if needed and takes its lock (a second writer is refused), then
   * checks it fits the request: a fresh run needs a folder without a checkpoint, a resume
   * one with. Leftovers of a killed writer (temporary files) are removed.
   */
  open(resume: boolean): void {
    this.created = prepareDir(this.dir, resume);
    this.lock = lockRunFolder(this.dir);
    try {
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
      removeLeftovers(this.dir);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Releases the lock; a folder this run created and left empty (it failed early) goes. */
  close(): void {
    this.lock?.release();
    this.lock = null;
    if (this.created) {
      this.created = false;
      try {
        if (readdirSync(this.dir).length === 0) rmdirSync(this.dir);
      } catch {
        // not empty after all, or gone: nothing to tidy
      }
    }
  }

  readRecord(): RunRecord | null {
    if (!existsSync(join(this.dir, CONFIG_FILE))) return null;
    return readRecord(this.dir);
  }

  writeConfig(record: RunRecord): void {
    writeAtomic(join(this.dir, CONFIG_FILE), JSON.stringify(record, null, 2) + '\n', this.fsync);
    this.created = false; // it holds a run now, even if it fails later
  }

  readCheckpoint(): Checkpoint | null {
    if (!existsSync(this.checkpointPath)) return null;
    return readCheckpointFile(this.checkpointPath);
  }

  writeCheckpoint(c: Checkpoint): void {
    writeAtomic(this.checkpointPath, JSON.stringify(c), this.fsync);
  }

  truncateMetrics(epochs: number): number {
    for (const f of [TELEMETRY_FILE, TIMELINE_FILE, HISTOGRAM_FILE]) {
      truncateJsonlByEpoch(join(this.dir, f), epochs);
    }
    return truncateMetrics(this.dir, epochs);
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

/**
 * Checks a run folder path before anything is loaded, and creates the folder. Returns true
 * when it created it. A path that is a file, or lies under one, is refused by name.
 */
function prepareDir(dir: string, resume: boolean): boolean {
  let st;
  try {
    st = statSync(dir);
  } catch {
    st = null;
  }
  if (st && !st.isDirectory()) {
    throw new Error(`${dir} is a file, not a run folder: choose another --out`);
  }
  if (st) return false;
  if (resume) throw new Error(`${dir} does not exist: there is no run to resume there`);
  for (let up = dirname(dir); ; up = dirname(up)) {
    let s;
    try {
      s = statSync(up);
    } catch {
      if (dirname(up) === up) break;
      continue;
    }
    if (!s.isDirectory()) {
      throw new Error(`cannot create run folder ${dir}: ${up} is a file, not a folder`);
    }
    break;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create run folder ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return true;
}

/** Temporary files of a writer killed mid-write (`*.tmp-PID`, lock attempts of dead pids). */
function removeLeftovers(dir: string): void {
  for (const f of readdirSync(dir)) {
    const m = /\.tmp-(\d+)$/.exec(f) ?? new RegExp(`^${LOCK_FILE}\\.(?:stale-)?(\\d+)$`).exec(f);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    rmSync(join(dir, f), { force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Test hook: LOWBIT_TEST_SLOW_WRITE_MS holds each atomic write open that long before its
 * rename, so a test can kill a process in the middle of writing a checkpoint. */
function slowWriteForTests(): void {
  const ms = Number(process.env.LOWBIT_TEST_SLOW_WRITE_MS ?? 0);
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes `text` (or bytes) to `path` atomically (temporary file, fsync, rename); without
 * `fsync` still atomic against a killed process, not against a lost machine.
 */
export function writeAtomic(path: string, text: string | Uint8Array, fsync = true): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    if (typeof text === 'string') writeSync(fd, text);
    else for (let off = 0; off < text.length;) off += writeSync(fd, text, off);
    if (fsync) fsyncSync(fd);
    slowWriteForTests();
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

/** Epochs the run folder's checkpoint has done (0 without one); a damaged one is an error. */
export function checkpointEpochs(dir: string): number {
  const path = join(dir, CHECKPOINT_FILE);
  return existsSync(path) ? readCheckpointFile(path).epoch : 0;
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

/** The raw JSON of a run's config.json; errors name the file. */
function readConfigJson(dir: string): { path: string; raw: Record<string, unknown> } {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) throw new Error(`${dir} is not a run folder: it has no ${CONFIG_FILE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${path} does not hold a run configuration (a JSON object)`);
  }
  return { path, raw: raw as Record<string, unknown> };
}

/** Reads a run's config.json (keys this version does not know are an error). */
export function readConfig(dir: string): TrainConfig {
  const { path, raw } = readConfigJson(dir);
  return configFromRecord(raw, path);
}

/** Reads a run's record: its configuration and the scheme it resolved to (both validated). */
export function readRecord(dir: string): RunRecord {
  const { path, raw } = readConfigJson(dir);
  const { resolvedScheme, lowbitVersion: _v, ...cfg } = raw;
  if (resolvedScheme === undefined) {
    throw new Error(`${path} has no resolvedScheme: it was not written by lowbit train`);
  }
  return {
    ...parseTrainConfig(cfg, path),
    resolvedScheme: parseScheme(resolvedScheme, `${path} (resolvedScheme)`),
  };
}

/**
 * The metrics lines of a run. A torn final line (a process killed while appending it) is
 * skipped: no checkpoint covers it, so a resume writes it again. Any other bad line is an
 * error naming the file and line.
 */
export function readMetrics(dir: string): EpochMetrics[] {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return [];
  const rows = parseJsonl<EpochMetrics>(readFileSync(path, 'utf8'), path, (m) =>
    typeof (m as EpochMetrics).epoch === 'number' ? null : 'not an epoch\'s metrics (no "epoch")',
  );
  // An epoch without a test pass (evalEvery) was written with NaN figures, which JSON holds
  // as null: read back as NaN, "not measured", as the loop had them.
  return rows.map((m) =>
    Object.values(m).includes(null as never)
      ? (Object.fromEntries(
          Object.entries(m).map(([k, v]) => [k, v === null ? NaN : v]),
        ) as unknown as EpochMetrics)
      : m,
  );
}

/**
 * Rows of a JSON-lines text; `check` returns what is wrong with a row, or null. A last line
 * without its newline that does not parse is a torn write and is skipped.
 */
export function parseJsonl<T>(
  text: string,
  path: string,
  check: (row: unknown) => string | null = () => null,
): T[] {
  const lines = text.split('\n');
  const out: T[] = [];
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    let row: unknown;
    let err: string | null;
    try {
      row = JSON.parse(l);
      err = typeof row === 'object' && row !== null ? check(row) : 'not a JSON object';
    } catch (e) {
      err = (e as Error).message;
    }
    if (err === null) out.push(row as T);
    else if (i < lines.length - 1) {
      throw new Error(
        `${path}, line ${i + 1}: ${err}. Fix or delete that line (a resume rewrites the lines ` +
          `its checkpoint does not cover).`,
      );
    }
  });
  return out;
}

/**
 * Keeps the first `lines` complete lines of metrics.jsonl: the epochs the checkpoint covers.
 * Lines past them (an epoch whose checkpoint was never written, a torn line) are dropped.
 * Returns how many lines it kept.
 */
export function truncateMetrics(dir: string, lines: number): number {
  const path = join(dir, METRICS_FILE);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const complete = text
    .split('\n')
    .slice(0, -1) // what follows the last newline is a torn line, or nothing
    .filter((l) => l.trim());
  const keep = complete.slice(0, lines);
  const out = keep.map((l) => l + '\n').join('');
  if (out !== text) writeAtomic(path, out);
  return keep.length;
}

/** Keeps the rows of a telemetry file whose epoch is at most `epochs` (a resume). */
function truncateJsonlByEpoch(path: string, epochs: number): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  const rows = parseJsonl<{ epoch: number }>(text, path).filter((r) => r.epoch <= epochs);
  const out = rows.map((r) => JSON.stringify(r) + '\n').join('');
  if (out !== text) writeAtomic(path, out);
}

export function appendMetrics(dir: string, m: EpochMetrics): void {
  appendFileSync(join(dir, METRICS_FILE), JSON.stringify(m) + '\n');
}

export function appendJsonl(dir: string, file: string, rows: readonly unknown[]): void {
  if (rows.length)
    appendFileSync(join(dir, file), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}
