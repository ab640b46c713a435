// SPDX-License-Identifier: MIT
// Where a run keeps its record - configuration, per-epoch metrics, telemetry and the latest
// checkpoint. The training loop (loop.ts) talks only to this interface, so it runs wherever
// a store exists: a run folder (Node, run-folder.ts), memory (a browser tab, MemoryStore
// below), or any medium a caller adds (a database, a queue). Every method may be async.

import type { SchemeSpec } from '../schemes/schema.js';
import type { Checkpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import type { EpochMetrics } from './metrics.js';
import type { TelemetryRows } from './telemetry.js';

export type { TelemetryRows } from './telemetry.js';

export type Awaitable<T> = T | Promise<T>;

/** What config.json holds: the run's configuration and the scheme it resolved to. */
export type RunRecord = TrainConfig & { readonly resolvedScheme: SchemeSpec };

/**
 * A run's storage. The loop calls, in order: `open(resume)` (before loading any data, so a
 * store that cannot be used fails at once); for a resumed run `readRecord` (the scheme it
 * resumes with), `readCheckpoint`, `truncateMetrics`; `writeConfig` (the record as it now
 * stands: a resume may extend `epochs` or change the learning rate); after every epoch
 * `appendMetrics`, `appendTelemetry` (with telemetry on), `writeCheckpoint`; a mid-epoch
 * `writeCheckpoint` when asked to stop; finally `close` (also after an error).
 */
export interface RunStore {
  /** Names the store in messages: a run folder's path, "memory", a URL. */
  readonly label: string;
  /**
   * The folder on this machine that holds the run, when there is one: files the store does not
   * know (a GAN run's samples.png) go there.
   */
  readonly dir?: string;
  /**
   * Starts using the store: a fresh run (`resume` false) must refuse a store that already
   * holds a run, a resumed one a store without a checkpoint, each with a message saying
   * what to do. A store with locks takes its lock here.
   */
  open(resume: boolean): Awaitable<void>;
  /** Stops using the store (releases a lock). Called once, after success or failure. */
  close?(): Awaitable<void>;
  writeConfig(record: RunRecord): Awaitable<void>;
  /**
   * The record the run was started with (config.json), or null when there is none. A run
   * resumes with the scheme recorded here, not with whatever its scheme file now says.
   */
  readRecord?(): Awaitable<RunRecord | null>;
  /** The latest checkpoint, or null when there is none. */
  readCheckpoint(): Awaitable<Checkpoint | null>;
  /**
   * Replaces the latest checkpoint; a crash must leave either the old one or the new one.
   * `at` says whether it ends an epoch or marks a stop mid-epoch.
   */
  writeCheckpoint(c: Checkpoint, at: 'epoch' | 'stop'): Awaitable<void>;
  /**
   * Keeps the first `epochs` metrics lines - those the resumed checkpoint covers - and the
   * telemetry of those epochs; a line past them (its epoch's checkpoint was never written)
   * goes. Returns how many lines it kept: fewer when some were lost.
   */
  truncateMetrics(epochs: number): Awaitable<number | void>;
  appendMetrics(m: EpochMetrics): Awaitable<void>;
  appendTelemetry(rows: TelemetryRows): Awaitable<void>;
}

/**
 * A store in memory: what a browser tab (or a test) keeps. The checkpoint is the object
 * itself; JSON.stringify(store.checkpoint) is the same text as a run folder's checkpoint.json.
 */
export class MemoryStore implements RunStore {
  readonly label: string;
  record: RunRecord | null = null;
  checkpoint: Checkpoint | null = null;
  metrics: EpochMetrics[] = [];
  readonly telemetry: TelemetryRows = { sites: [], timeline: [], histograms: [] };

  constructor(label = 'memory') {
    this.label = label;
  }

  open(resume: boolean): void {
    if (!resume && this.checkpoint)
      throw new Error(`${this.label} already holds a run: resume it, or use a new store`);
    if (resume && !this.checkpoint)
      throw new Error(`${this.label} has no checkpoint to resume from: start a fresh run`);
  }

  writeConfig(record: RunRecord): void {
    this.record = record;
  }

  readRecord(): RunRecord | null {
    return this.record;
  }

  readCheckpoint(): Checkpoint | null {
    return this.checkpoint;
  }

  writeCheckpoint(c: Checkpoint): void {
    this.checkpoint = c;
  }

  truncateMetrics(epochs: number): number {
    this.metrics = this.metrics.slice(0, epochs);
    for (const rows of Object.values(this.telemetry) as { epoch: number }[][]) {
      const keep = rows.filter((r) => r.epoch <= epochs);
      rows.splice(0, rows.length, ...keep);
    }
    return this.metrics.length;
  }

  appendMetrics(m: EpochMetrics): void {
    this.metrics.push(m);
  }

  appendTelemetry(rows: TelemetryRows): void {
    this.telemetry.sites.push(...rows.sites);
    this.telemetry.timeline.push(...rows.timeline);
    this.telemetry.histograms.push(...rows.histograms);
  }
}
