// SPDX-License-Identifier: MIT
// What the tests of lists whose runs depend on other runs of the list share (a fine-tuning run
// on its pretraining run, a GAN run on its judge): the same runs trained one after another as
// the reference, a bit-for-bit comparison of run folders, and a real redis-server with two
// queue workers and a producer, all stopped after the test body.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { runDir } from '../../src/sweep/list.js';
import type { RunSpec } from '../../src/sweep/spec.js';
import { connectRedis, KEY_PREFIX } from '../../src/sweep/queue/connection.js';
import { startWorker } from '../../src/sweep/queue/worker.js';
import { startRedis } from './redis.js';
import { runFiles } from './run-files.js';

/** A fresh temporary folder `lowbit-<prefix>-<what>-…`. */
export const tmpFolder = (prefix: string, what: string): string =>
  mkdtempSync(join(tmpdir(), `lowbit-${prefix}-${what}-`));

/** Trains `specs` in the order given, straight through `train`, into run folders of `out`. */
export async function trainInOrder(specs: RunSpec[], out: string): Promise<void> {
  for (const s of specs) await train(parseTrainConfig(s.config), runDir(out, s.id));
}

/** The runs `ids` of `out` and `ref` have the same checkpoint and metrics (timing aside). */
export function assertSameRuns(out: string, ref: string, ids: readonly string[]): void {
  for (const id of ids) {
    const a = runFiles(runDir(out, id));
    const b = runFiles(runDir(ref, id));
    assert.equal(a.checkpoint, b.checkpoint, `${id}: checkpoint`);
    assert.deepEqual(a.metrics, b.metrics, `${id}: metrics`);
  }
}

export interface QueueSetup {
  queue: { url: string; name: string };
  events: QueueEvents;
  producer: Queue;
}

/**
 * Starts a redis-server on a free loopback port and one queue worker per name in `workers`
 * (each in its own temporary folder), runs `body`, then closes workers, events, producer and
 * connection and stops the server, whatever `body` did.
 */
export async function withQueue(
  name: string,
  workers: readonly string[],
  body: (q: QueueSetup) => Promise<void>,
): Promise<void> {
  const redis = await startRedis();
  const queue = { url: redis.url, name };
  const started = await Promise.all(
    workers.map((n) =>
      startWorker({ queue, dir: tmpFolder(name, n), name: n, threads: 1, log: () => {} }),
    ),
  );
  const conn = await connectRedis(redis.url);
  const events = new QueueEvents(name, { connection: conn.duplicate(), prefix: KEY_PREFIX });
  const producer = new Queue(name, { connection: conn, prefix: KEY_PREFIX });
  try {
    await body({ queue, events, producer });
  } finally {
    await Promise.all(started.map((w) => w.close()));
    await events.close();
    await producer.close();
    conn.disconnect();
    await redis.stop();
  }
}
