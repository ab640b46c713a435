// SPDX-License-Identifier: MIT
// The training loop behind its store: a run kept in memory (the browser's MemoryStore) equals
// the same run in a run folder - weights, metrics, checkpoint text byte for byte; it stops
// and resumes exactly; checkpoints keep the format run folders already hold; and the loop
// lets the event loop run between steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train as trainLoop } from '../../src/train/loop.js';
import { train } from '../../src/train/trainer.js';
import { MemoryStore } from '../../src/train/store.js';
import { base64ToFloats, floatsToBase64, floatsToBase64Btoa } from '../../src/train/checkpoint.js';
import { readMetrics } from '../../src/train/run-folder.js';
import { makeRng } from '../../src/quant/rng.js';

const tiny = (over: TrainConfigInput = {}) =>
  parseTrainConfig({
    model: 'lenet5',
    dataset: 'mnist',
    scheme: 'fixed8',
    limit: 256,
    testLimit: 200,
    batch: 32,
    seed: 3,
    ...over,
  });

const params = (r: Awaited<ReturnType<typeof train>>): Float32Array[] =>
  r.setup.model.params().map((p) => p.value.slice());
const figures = (ms: { epoch: number; train_loss: number; test_acc: number }[]) =>
  ms.map((m) => [m.epoch, m.train_loss, m.test_acc]);

test('a run in memory equals the same run in a run folder, checkpoint text included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-store-'));
  const onDisk = await train(tiny({ epochs: 2 }), dir);
  const store = new MemoryStore();
  const inMemory = await trainLoop(tiny({ epochs: 2 }), store);
  assert.deepEqual(params(inMemory), params(onDisk));
  assert.equal(
    JSON.stringify(store.checkpoint),
    readFileSync(join(dir, 'checkpoint.json'), 'utf8'),
  );
  assert.deepEqual(store.record, JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  assert.deepEqual(figures(store.metrics), figures(readMetrics(dir)));
  assert.equal(store.checkpoint?.epoch, 2);
  await assert.rejects(trainLoop(tiny({ epochs: 2 }), store), /memory already holds a run/);
});

test('a run in memory stopped mid-epoch resumes to the uninterrupted weights', async () => {
  const full = await trainLoop(tiny({ epochs: 2 }), new MemoryStore());
  const store = new MemoryStore();
  let steps = 0;
  const stopped = await trainLoop(tiny({ epochs: 2 }), store, { shouldStop: () => ++steps === 11 });
  assert.equal(stopped.interrupted, true);
  assert.deepEqual([store.checkpoint?.epoch, store.checkpoint?.batchInEpoch], [1, 3]);
  const resumed = await trainLoop(tiny({ epochs: 2 }), store, {}, true);
  assert.deepEqual(params(resumed), params(full));
  assert.deepEqual(figures(store.metrics), figures(full.metrics));
  await assert.rejects(trainLoop(tiny(), new MemoryStore(), {}, true), /no checkpoint to resume/);
});

test('checkpoint floats are the base64 of their little-endian bytes, as before', () => {
  const rng = makeRng(9);
  for (const n of [0, 1, 3, 4, 1000, 40_000]) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rng.nextFloat() - 0.5) * 2 ** (rng.nextFloat() * 40 - 20);
    const s = floatsToBase64(a);
    assert.equal(s, Buffer.from(a.buffer).toString('base64'), `n=${n}`);
    // Node encodes through Buffer, browsers through btoa: one text.
    assert.equal(floatsToBase64Btoa(a), s, `btoa n=${n}`);
    // A view into a larger array encodes only its own bytes.
    if (n > 4) {
      const v = a.subarray(1, n - 2);
      assert.equal(floatsToBase64(v), floatsToBase64Btoa(v), `view n=${n}`);
      assert.equal(floatsToBase64(v), Buffer.from(v.buffer, 4, v.byteLength).toString('base64'));
    }
    const back = new Float32Array(n);
    base64ToFloats(s, back, 'x');
    assert.deepEqual(back, a);
  }
  assert.throws(
    () => base64ToFloats('AAAAAAAAAAA=', new Float32Array(3), 'fc1.w'),
    /fc1.w has 2 values, the model expects 3/,
  );
});

test('the loop lets the event loop run between steps', async () => {
  let steps = 0;
  let stepsWhenTimerRan = -1;
  const run = trainLoop(tiny(), null, { progress: () => steps++ });
  setTimeout(() => (stepsWhenTimerRan = steps), 0);
  await run;
  assert.equal(steps, 8);
  assert.ok(
    stepsWhenTimerRan >= 0 && stepsWhenTimerRan < 8,
    `a timer set at the start ran after step ${stepsWhenTimerRan} of 8`,
  );
});
