// SPDX-License-Identifier: MIT
// A short ResNet-8 fixed8 run takes the Winograd path for its 3x3 stride-1 convs (forward and
// input gradient): the run equals the same run with every conv as im2col + GEMM bit for bit,
// on wasm, and equals the ref backend's run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { useWinograd } from '../../src/ops/winograd.js';

const cfg = (backend: 'ref' | 'wasm') =>
  parseTrainConfig({
    model: 'resnet8',
    dataset: 'shapes32',
    scheme: 'fixed8',
    limit: 32,
    testLimit: 16,
    batch: 16,
    seed: 3,
    epochs: 1,
    backend,
  });

function paramsOf(r: Awaited<ReturnType<typeof train>>): Float32Array[] {
  return r.setup.model.params().map((p) => p.value.slice());
}

test('ResNet-8 fixed8: Winograd and im2col + GEMM give the same run bit for bit', async (t) => {
  const { loadWasmKernels } = await import('../../src/kernels/wasm/index.js');
  if (!(await loadWasmKernels())) {
    t.skip('WebAssembly SIMD is not available here');
    return;
  }
  try {
    useWinograd(false);
    const direct = await train(cfg('wasm'), null);
    useWinograd(true);
    const wino = await train(cfg('wasm'), null);
    const ref = await train(cfg('ref'), null);
    assert.deepEqual(paramsOf(wino), paramsOf(direct));
    assert.equal(wino.metrics[0].train_loss, direct.metrics[0].train_loss);
    assert.deepEqual(paramsOf(ref), paramsOf(wino));
    assert.ok(Number.isFinite(wino.metrics[0].train_loss));
  } finally {
    useWinograd(true);
  }
});
