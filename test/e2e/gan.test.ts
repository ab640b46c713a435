// SPDX-License-Identifier: MIT
// The GAN task end to end at tiny sizes: alternating steps (a D step leaves the generator's
// weights alone), same seed same bits, exact resume mid-pair and after an epoch, and clear
// errors for a wrong optimizer or dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import type { RunSetup } from '../../src/train/setup.js';
import type { Dcgan } from '../../src/models/dcgan.js';

const tiny = (over: TrainConfigInput = {}) =>
  parseTrainConfig({
    model: 'dcgan',
    dataset: 'mnist',
    scheme: 'int8w16-lazy',
    optimizer: 'adam',
    lr: 0.0002,
    limit: 48,
    testLimit: 32,
    batch: 16,
    seed: 3,
    backend: 'wasm',
    threads: 1,
    ...over,
  });

const tmp = () => mkdtempSync(join(tmpdir(), 'lowbit-gan-'));

type Run = Awaited<ReturnType<typeof train>>;
const paramsOf = (r: Run): Float32Array[] => r.setup.model.params().map((p) => p.value.slice());
const netParams = (s: RunSetup, net: 'generator' | 'discriminator'): Float32Array[] =>
  (s.model as Dcgan)[net].params().map((p) => p.value.slice());

test('dcgan: D steps update only D, G steps only G; same seed same bits, another seed differs', async () => {
  const seen: { g: Float32Array[]; d: Float32Array[] }[] = [];
  let setup: RunSetup | null = null;
  const losses: number[] = [];
  const a = await train(tiny(), null, {
    started: (s) => {
      setup = s;
      seen.push({ g: netParams(s, 'generator'), d: netParams(s, 'discriminator') });
    },
    progress: (_d, _t, _e, loss) => {
      losses.push(loss);
      seen.push({ g: netParams(setup!, 'generator'), d: netParams(setup!, 'discriminator') });
    },
  });
  assert.equal(losses.length, 6, '3 batches x (D step, G step)');
  for (let k = 1; k < seen.length; k++) {
    const dStep = (k - 1) % 2 === 0;
    assert.deepEqual(seen[k][dStep ? 'g' : 'd'], seen[k - 1][dStep ? 'g' : 'd'], `step ${k - 1}`);
    assert.notDeepEqual(
      seen[k][dStep ? 'd' : 'g'],
      seen[k - 1][dStep ? 'd' : 'g'],
      `step ${k - 1}`,
    );
  }
  assert.ok(losses.every((l) => Number.isFinite(l) && l > 0));
  const m = a.metrics[0];
  for (const k of ['test_acc', 'test_d_loss', 'test_g_loss']) assert.ok(Number.isFinite(m[k]), k);
  const b = await train(tiny(), null);
  assert.deepEqual(paramsOf(b), paramsOf(a));
  assert.deepEqual(b.metrics[0].test_g_loss, m.test_g_loss);
  assert.notDeepEqual(paramsOf(await train(tiny({ seed: 4 }), null)), paramsOf(a));
});

test('dcgan: stopped between a D and a G step, or after an epoch, resumes exactly', async () => {
  const full = await train(tiny({ epochs: 2 }), tmp());
  const dir = tmp();
  let steps = 0;
  const stopped = await train(tiny({ epochs: 2 }), dir, { shouldStop: () => ++steps === 3 });
  assert.equal(stopped.interrupted, true);
  const mid = await train(tiny({ epochs: 1 }), dir, {}, true);
  assert.equal(mid.metrics[0].train_loss, full.metrics[0].train_loss);
  const resumed = await train(tiny({ epochs: 2 }), dir, {}, true);
  assert.deepEqual(paramsOf(resumed), paramsOf(full));
  assert.equal(resumed.metrics[0].test_d_loss, full.metrics[1].test_d_loss);
});

test('dcgan: a wrong optimizer or dataset gets a clear error', async () => {
  await assert.rejects(train(tiny({ optimizer: 'sgd' }), null), /dcgan trains with Adam/);
  await assert.rejects(
    train(tiny({ dataset: 'shapes32', scheme: 'fp32' }), null),
    /dcgan generates 1x28x28 images/,
  );
});
