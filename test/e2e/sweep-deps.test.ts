// SPDX-License-Identifier: MIT
// Runs of a list that start from another run of the list (`init`: fine-tuning runs of a
// pretraining run) wait for it: listed before their pretraining run, with --jobs 2 and through
// the queue (2 workers on a real redis-server), they all finish and equal, bit for bit, the same
// runs trained one after another. A dependant of a failed run fails saying why; a worker given
// an init job without its checkpoint in Redis rejects it (it reads no path a job names).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/register.js';
import { runList } from '../../src/sweep/run-list.js';
import { runDir } from '../../src/sweep/list.js';
import type { RunSpec } from '../../src/sweep/spec.js';
import { NO_REDIS } from '../helpers/redis.js';
import { assertSameRuns, tmpFolder, trainInOrder, withQueue } from '../helpers/list-runs.js';

const tmp = (what: string): string => tmpFolder('deps', what);

const base = { model: 'mlp', dataset: 'gauss-10', batch: 32, lr: 0.05, testLimit: 64 } as const;

/** Two fine-tuning runs listed before the pretraining run they start from. */
function transferList(out: string, preOver: Record<string, unknown> = {}): RunSpec[] {
  const pre: RunSpec = {
    id: 'pre',
    config: { ...base, scheme: 'fp32', classes: '0-4', epochs: 2, limit: 160, seed: 1, ...preOver },
  };
  const fine = (seed: number): RunSpec => ({
    id: `fine-s${seed}`,
    config: {
      ...base,
      scheme: 'fixed8',
      classes: '5-9',
      epochs: 2,
      limit: 96,
      seed,
      init: runDir(out, 'pre'),
      reinitClassifier: true,
    },
  });
  return [fine(1), fine(2), pre];
}

/** The same runs trained one after another, pretraining first, straight through `train`. */
async function sequential(): Promise<string> {
  const out = tmp('seq');
  const [f1, f2, pre] = transferList(out);
  await trainInOrder([pre, f1, f2], out);
  return out;
}

function assertSame(out: string, ref: string): void {
  assertSameRuns(out, ref, ['pre', 'fine-s1', 'fine-s2']);
  // config.json records the folder it started from on this machine, as a local run does.
  const cfg = JSON.parse(readFileSync(join(runDir(out, 'fine-s1'), 'config.json'), 'utf8')) as {
    init: string;
  };
  assert.equal(cfg.init, runDir(out, 'pre'));
}

test('--jobs 2: fine-tuning runs wait for their pretraining run; same bits as one by one', async () => {
  const ref = await sequential();
  const out = tmp('jobs2');
  const logs: string[] = [];
  const r = await runList(transferList(out), { out, jobs: 2, log: (l) => logs.push(l) });
  assert.deepEqual(
    [...r.outcomes.entries()].sort(),
    [
      ['fine-s1', 'done'],
      ['fine-s2', 'done'],
      ['pre', 'done'],
    ],
    logs.join('\n'),
  );
  // The pretraining run finished first although listed last.
  assert.match(logs[0], /^\[1\/3\] pre: done/);
  assertSame(out, ref);
});

test('a run whose init run failed fails too, saying why', async () => {
  const out = tmp('fail');
  const logs: string[] = [];
  // The pretraining run fails at setup: no such class.
  const r = await runList(transferList(out, { classes: '0-12' }), {
    out,
    jobs: 2,
    log: (l) => logs.push(l),
  });
  assert.equal(r.outcomes.get('pre'), 'failed');
  assert.equal(r.outcomes.get('fine-s1'), 'failed');
  assert.equal(r.outcomes.get('fine-s2'), 'failed');
  const why = readFileSync(join(runDir(out, 'fine-s1'), 'error.txt'), 'utf8');
  assert.match(why, /starts from the weights of run pre \(init\), which failed/);
});

test(
  'through the queue (2 workers): fine-tuning runs are queued once their pretraining run is in',
  { skip: NO_REDIS ?? false, timeout: 180_000 },
  async () => {
    const ref = await sequential();
    await withQueue('deps', ['d1', 'd2'], async ({ queue, events, producer }) => {
      const out = tmp('queue');
      const logs: string[] = [];
      const r = await runList(transferList(out), {
        out,
        queue,
        log: (l) => logs.push(l),
      });
      for (const id of ['pre', 'fine-s1', 'fine-s2'])
        assert.equal(r.outcomes.get(id), 'done', `${id}\n${logs.join('\n')}`);
      assert.match(logs.join('\n'), /2 wait for the run they start from/);
      assertSame(out, ref);

      // A job that names an init folder but whose checkpoint is not in Redis: rejected, the
      // path it names never read.
      await events.waitUntilReady();
      const [f1] = transferList(ref);
      const job = await producer.add(
        'run',
        { v: 1, run: 'rogue', out: 'runs/rogue', config: { ...f1.config } },
        { jobId: 'rogue-init' },
      );
      await assert.rejects(job.waitUntilFinished(events, 60_000), /queue holds no checkpoint/);
    });
  },
);
