// SPDX-License-Identifier: MIT
// A run folder that also reports what a checkpoint makes durable: after each checkpoint it
// takes a snapshot (the checkpoint, and the lines the .jsonl files gained since the last one),
// enough to continue the run in an empty folder elsewhere. A queue worker sends these to Redis.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint } from '../train/checkpoint.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import type { EpochMetrics } from '../train/metrics.js';
import type { RunFolder } from '../train/run-folder.js';
import type { Awaitable, RunRecord, RunStore, TelemetryRows } from '../train/store.js';
import { APPENDED_FILES } from './run-one.js';
import type { Snapshot } from './thread-protocol.js';

export class SnapshotStore implements RunStore {
  /** The snapshot of the latest checkpoint written through this store. */
  last: Snapshot | null = null;
  /** Milliseconds spent writing checkpoints and taking their snapshots (for hop timings). */
  spentMs = 0;
  /** Bytes of each appended file already in a snapshot (or there when the store opened). */
  private readonly offsets = new Map<string, number>();

  private readonly folder: RunStore;
  readonly dir: string;

  constructor(folder: RunFolder) {
    this.folder = folder;
    this.dir = folder.dir;
  }

  get label(): string {
    return this.folder.label;
  }

  open(resume: boolean): void | Promise<void> {
    for (const f of APPENDED_FILES) {
      const p = join(this.dir, f);
      this.offsets.set(f, existsSync(p) ? statSync(p).size : 0);
    }
    return this.folder.open(resume);
  }

  close(): void | Promise<void> {
    return this.folder.close?.();
  }

  writeConfig(record: RunRecord): void | Promise<void> {
    return this.folder.writeConfig(record);
  }

  readCheckpoint(): Checkpoint | null | Promise<Checkpoint | null> {
    return this.folder.readCheckpoint();
  }

  async writeCheckpoint(c: Checkpoint, at: 'epoch' | 'stop'): Promise<void> {
    const t0 = performance.now();
    await this.folder.writeCheckpoint(c, at);
    // Read back what the folder holds, so the snapshot is its files' exact text.
    const appends: Record<string, string> = {};
    for (const f of APPENDED_FILES) {
      const p = join(this.dir, f);
      if (!existsSync(p)) continue;
      const buf = readFileSync(p);
      const from = this.offsets.get(f) ?? 0;
      // A resume may rewrite a file shorter (metrics past the checkpoint dropped): resend it.
      const start = buf.length < from ? 0 : from;
      if (buf.length > start) appends[f] = buf.subarray(start).toString('utf8');
      this.offsets.set(f, buf.length);
    }
    const checkpoint = readFileSync(join(this.dir, CHECKPOINT_FILE), 'utf8');
    this.last = { step: c.step, epoch: c.epoch, checkpoint, appends };
    this.spentMs += performance.now() - t0;
  }

  truncateMetrics(epochs: number): Awaitable<number | void> {
    return this.folder.truncateMetrics(epochs);
  }

  appendMetrics(m: EpochMetrics): void | Promise<void> {
    return this.folder.appendMetrics(m);
  }

  appendTelemetry(rows: TelemetryRows): void | Promise<void> {
    return this.folder.appendTelemetry(rows);
  }
}
