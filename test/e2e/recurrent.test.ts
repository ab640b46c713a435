// SPDX-License-Identifier: MIT
// The recurrent models end to end: an LSTM classifier and the seq2seq translator train the
// same run bit for bit on the ref and wasm backends under every kind of scheme (the fixed-
// point LSTM gates and attention softmax are kernels on both), and fixed8 still learns. The
// float LSTM (fp32, wageubn8: float gate kernels, float32 GEMMs) agrees across ref, wasm and
// native to the GEMMs' rounding, and repeats its run bit for bit on native at 1 and 2 threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { nativeBackends } from '../backend/helpers.js';

type Run = Awaited<ReturnType<typeof train>>;
const params = (r: Run) => r.setup.model.params().map((p) => Array.from(p.value));

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

test('float LSTM (fp32, wageubn8): ref, wasm and native agree; native repeats at 1 and 2 threads', async (t) => {
  const { loadWasmKernels } = await import('../../src/kernels/wasm/index.js');
  const hasNative = (await nativeBackends()).some((b) => b.k);
  if (!(await loadWasmKernels()) || !hasNative) {
    t.skip('WebAssembly SIMD or the native addon is not available here');
    return;
  }
  const run = (scheme: string, backend: 'ref' | 'wasm' | 'native', threads = 1) =>
    train(
      parseTrainConfig({
        model: 'lstm',
        dataset: 'digits-seq',
        scheme,
        limit: 64,
        testLimit: 16,
        epochs: 1,
        batch: 16,
        seed: 3,
        lr: 0.05,
        backend,
        threads,
      }),
      null,
    );
  // The float32 GEMMs sum in a different order on each backend: a few float32 ulps apart.
  const close = (got: Run, want: Run, what: string) => {
    const g = params(got);
    const w = params(want);
    let worst = 0;
    g.forEach((p, i) => p.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - w[i][j])))));
    assert.ok(worst <= 1e-6, `${what}: parameters differ by ${worst}`);
    const dl = Math.abs(got.metrics[0].train_loss - want.metrics[0].train_loss);
    assert.ok(dl <= 1e-6, `${what}: train loss differs by ${dl}`);
  };
  for (const scheme of ['fp32', 'wageubn8']) {
    const ref = await run(scheme, 'ref');
    const wasm = await run(scheme, 'wasm');
    const nat = await run(scheme, 'native');
    close(wasm, ref, `${scheme}: wasm vs ref`);
    close(nat, ref, `${scheme}: native vs ref`);
    const nat2 = await run(scheme, 'native', 2);
    assert.deepEqual(params(nat2), params(nat), `${scheme}: native at 2 threads vs 1`);
    assert.equal(nat2.metrics[0].train_loss, nat.metrics[0].train_loss, scheme);
  }
});
