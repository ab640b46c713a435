// SPDX-License-Identifier: MIT
// A GAN run of a list scored by a classifier the same list trains (`judge`) waits for it:
// listed before its judge, with --jobs 2 and through the queue (a real redis-server), it
// finishes with the judge's scores (test_fid, test_confident) and its samples.png, equal bit for
// bit to the same runs trained one after another. A GAN run whose judge failed fails saying
// why; a worker given a judged job without the judge's files in Redis rejects it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/register.js';
import { SAMPLES_FILE } from '../../src/train/gan-files.js';
import { runList } from '../../src/sweep/run-list.js';
import { runDir } from '../../src/sweep/list.js';
import type { RunSpec } from '../../src/sweep/spec.js';
import { NO_REDIS } from '../helpers/redis.js';
import { runFiles } from '../helpers/run-files.js';
import { assertSameRuns, tmpFolder, trainInOrder, withQueue } from '../helpers/list-runs.js';

const tmp = (what: string): string => tmpFolder('judge', what);

/** A GAN run listed before the LeNet-5 that judges it (one D and one G step: seconds). */
function ganList(out: string, judgeOver: Record<string, unknown> = {}): RunSpec[] {
  const judge: RunSpec = {
    id: 'judge',
    config: {
      model: 'lenet5',
      dataset: 'mnist',
      scheme: 'fp32',
      epochs: 1,
      limit: 64,
      testLimit: 64,
      batch: 32,
      lr: 0.05,
      seed: 1,
      ...judgeOver,
    },
  };
  const gan: RunSpec = {
    id: 'gan',
    config: {
      model: 'dcgan',
      dataset: 'mnist',
      scheme: 'int8w16-lazy',
      optimizer: 'adam',
      epochs: 1,
      limit: 32,
      testLimit: 64,
      batch: 32,
      lr: 0.0002,
      seed: 1,
      judge: runDir(out, 'judge'),
    },
  };
  return [gan, judge];
}

/** The same runs one after another, judge first, straight through `train`. */
async function sequential(): Promise<string> {
  const out = tmp('seq');
  const [gan, judge] = ganList(out);
  await trainInOrder([judge, gan], out);
  return out;
}

function assertSame(out: string, ref: string): void {
  assertSameRuns(out, ref, ['judge', 'gan']);
  const m = runFiles(runDir(out, 'gan')).metrics.at(-1)!;
  assert.ok(Number.isFinite(m.test_fid) && m.test_fid > 0, `test_fid ${m.test_fid}`);
  assert.ok(m.test_confident >= 0 && m.test_confident <= 1, `test_confident ${m.test_confident}`);
  // The sample grid of the list's run is the one the run trained alone drew.
  const png = join(runDir(out, 'gan'), SAMPLES_FILE);
  assert.ok(existsSync(png), 'no samples.png in the GAN run folder');
  assert.ok(readFileSync(png).equals(readFileSync(join(runDir(ref, 'gan'), SAMPLES_FILE))));
  // config.json names the judge's folder on this machine, as a local run does.
  const cfg = JSON.parse(readFileSync(join(runDir(out, 'gan'), 'config.json'), 'utf8')) as {
    judge: string;
  };
  assert.equal(cfg.judge, runDir(out, 'judge'));
}

test('--jobs 2: a GAN run waits for its judge run; same bits and samples as one by one', async () => {
  const ref = await sequential();
  const out = tmp('jobs2');
  const logs: string[] = [];
  const r = await runList(ganList(out), { out, jobs: 2, log: (l) => logs.push(l) });
  assert.equal(r.outcomes.get('judge'), 'done', logs.join('\n'));
  assert.equal(r.outcomes.get('gan'), 'done', logs.join('\n'));
  // The judge finished first although listed last.
  assert.match(logs[0], /^\[1\/2\] judge: done/);
  assertSame(out, ref);
});

test('a GAN run whose judge run failed fails too, saying why', async () => {
  const out = tmp('fail');
  const logs: string[] = [];
  // The judge fails at setup: no such class.
  const r = await runList(ganList(out, { classes: '0-12' }), {
    out,
    jobs: 1,
    log: (l) => logs.push(l),
  });
  assert.equal(r.outcomes.get('judge'), 'failed');
  assert.equal(r.outcomes.get('gan'), 'failed');
  const why = readFileSync(join(runDir(out, 'gan'), 'error.txt'), 'utf8');
  assert.match(why, /scored by the classifier of run judge \(judge\), which failed/);
});

test(
  'through the queue: a GAN run is queued once its judge is in, with the judge files in Redis',
  { skip: NO_REDIS ?? false, timeout: 180_000 },
  async () => {
    const ref = await sequential();
    await withQueue('judge', ['j1', 'j2'], async ({ queue, events, producer }) => {
      const out = tmp('queue');
      const logs: string[] = [];
      const r = await runList(ganList(out), {
        out,
        queue,
        log: (l) => logs.push(l),
      });
      for (const id of ['judge', 'gan'])
        assert.equal(r.outcomes.get(id), 'done', `${id}\n${logs.join('\n')}`);
      assert.match(logs.join('\n'), /1 wait for the run they start from or are judged by/);
      assertSame(out, ref);

      // A job that names a judge folder whose files are not in Redis: rejected, the path it
      // names never read.
      await events.waitUntilReady();
      const [gan] = ganList(ref);
      const job = await producer.add(
        'run',
        { v: 1, run: 'rogue', out: 'runs/rogue', config: { ...gan.config } },
        { jobId: 'rogue-judge' },
      );
      await assert.rejects(job.waitUntilFinished(events, 60_000), /queue holds no files for it/);
    });
  },
);
