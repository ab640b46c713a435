// SPDX-License-Identifier: MIT
// A queued job's hop stamps (src/sweep/hops.ts), with a real redis-server: every collected job
// reports its stamps in the order of its hops, from the coordinator's enqueue to its files
// written under DIR/runs, and the stamping leaves the results alone: the same bits as the
// same list run in this thread.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { mergeGrids, parseVary } from '../../src/sweep/grid.js';
import type { JobTimes } from '../../src/sweep/hops.js';
import { planSweep } from '../../src/sweep/points.js';
import { runList } from '../../src/sweep/run-list.js';
import { startWorker } from '../../src/sweep/queue/worker.js';
import { NO_REDIS, startRedis } from '../helpers/redis.js';
import { runFiles } from '../helpers/run-files.js';

const tmp = (what: string): string => mkdtempSync(join(tmpdir(), `lowbit-hops-${what}-`));

const grid = mergeGrids(
  null,
  { model: 'mlp', dataset: 'gauss-10', epochs: 2, limit: 96, testLimit: 64, batch: 32 },
  [parseVary('seed=1,2,3')],
);

test(
  "a queued job's hops are stamped in order, and stamping leaves the results' bits alone",
  { skip: NO_REDIS ?? false, timeout: 120_000 },
  async () => {
    const redis = await startRedis({ fsync: 'everysec' });
    const w = await startWorker({
      queue: { url: redis.url, name: 'hops' },
      dir: tmp('worker'),
      name: 'hw',
      threads: 1,
      log: () => {},
    });
    try {
      const out = tmp('queued');
      const times = new Map<string, JobTimes>();
      const q = await runList(planSweep(grid, out).specs, {
        out,
        queue: { url: redis.url, name: 'hops' },
        log: () => {},
        jobTimes: (id, t) => times.set(id, t),
      });
      assert.deepEqual([...q.outcomes.values()], ['done', 'done', 'done']);
      const local = tmp('local');
      await runList(planSweep(grid, local).specs, { out: local, jobs: 1, log: () => {} });
      assert.equal(times.size, 3);
      for (const id of q.outcomes.keys()) {
        assert.deepEqual(runFiles(join(out, 'runs', id)), runFiles(join(local, 'runs', id)), id);
        const t = times.get(id)!;
        const order: [string, number | undefined][] = [
          ['added', t.added],
          ['picked', t.picked],
          ['posted', t.posted],
          ['setUp', t.setUp],
          ['trained', t.trained],
          ['saved', t.saved],
          ['returned', t.returned],
          ['seen', t.seen],
          ['collected', t.collected],
        ];
        for (let i = 0; i < order.length; i++) {
          const [k, v] = order[i];
          assert.ok(Number.isFinite(v), `${id}: ${k} stamped`);
          // BullMQ's job.timestamp is Date.now(): whole milliseconds.
          if (i > 0) assert.ok(v! >= order[i - 1][1]! - 1, `${id}: ${order[i - 1][0]} <= ${k}`);
        }
        assert.ok(t.finished! >= t.returned! - 1 && t.finished! <= t.seen + 1, `${id}: finished`);
        // Two epochs: two checkpoints written and saved.
        assert.ok(t.checkpointMs! > 0 && t.saveMs! > 0, `${id}: checkpoint and save times`);
        assert.ok(t.checkpointMs! < t.trained! - t.setUp!, `${id}: checkpoints within training`);
      }
    } finally {
      await w.close();
      await redis.stop();
    }
  },
);
