// SPDX-License-Identifier: MIT
// The recurrent models end to end: an LSTM classifier and the seq2seq translator train the
// same run bit for bit on the ref and wasm backends under every kind of scheme (the fixed-
// point LSTM gates and attention softmax are kernels on both), and fixed8 still learns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';

const params = (r: Awaited<ReturnType<typeof train>>) =>
  r.setup.model.params().map((p) => Array.from(p.value));

async function same(over: TrainConfigInput): Promise<void> {
  const cfg = (backend: 'ref' | 'wasm') =>
    parseTrainConfig({ epochs: 1, batch: 16, seed: 3, lr: 0.05, backend, ...over });
  const a = await train(cfg('ref'), null);
  const b = await train(cfg('wasm'), null);
  const what = `${String(over.model)} ${String(over.scheme)}`;
  assert.deepEqual(params(b), params(a), what);
  assert.equal(b.metrics[0].train_loss, a.metrics[0].train_loss, what);
}

test('LSTM and seq2seq: ref and wasm give the same run bit for bit', async (t) => {
  const { loadWasmKernels } = await import('../../src/kernels/wasm/index.js');
  if (!(await loadWasmKernels())) {
    t.skip('WebAssembly SIMD is not available here');
    return;
  }
  // fp32 is left out: the float32 GEMM matches ref within rounding, not bit for bit.
  for (const scheme of ['fixed8', 'dfp8-sr', 'adaptive', 'int8-lazy'])
    await same({ model: 'lstm', dataset: 'digits-seq', scheme, limit: 48, testLimit: 16 });
  for (const scheme of ['fixed8', 'adaptive'])
    await same({ model: 'seq2seq', dataset: 'translate', scheme, limit: 32, testLimit: 8 });
});

test('an LSTM classifier learns digits-seq under fixed8 (integer gates)', async () => {
  const r = await train(
    parseTrainConfig({
      model: 'lstm',
      dataset: 'digits-seq',
      scheme: 'fixed8',
      limit: 640,
      testLimit: 200,
      epochs: 2,
      batch: 32,
      lr: 0.1,
      seed: 1,
    }),
    null,
  );
  const [first, last] = r.metrics;
  assert.ok(last.train_loss < first.train_loss, `loss ${first.train_loss} -> ${last.train_loss}`);
  assert.ok(last.test_acc > 0.3, `test accuracy ${last.test_acc}`);
});
