// SPDX-License-Identifier: MIT
// Conv2d's inputGrad option: skipping the input gradient leaves the parameter gradients
// exactly as they were, and the returned dx is zeros of the input's shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conv2d } from '../../src/nn/conv2d.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng } from '../../src/quant/rng.js';
import { floatTensor, dequantize } from '../../src/tensor/tensor.js';

test('Conv2d with inputGrad false gives the same dW and db, and a zero dx', () => {
  const ctx = { kernels: refKernels, step: 0, epoch: 0, training: true, telemetry: null };
  const rng = makeRng(3);
  const x = floatTensor(
    [2, 2, 6, 5],
    Float32Array.from({ length: 120 }, () => rng.nextFloat() - 0.5),
  );
  const dy = floatTensor(
    [2, 3, 6, 5],
    Float32Array.from({ length: 180 }, () => rng.nextFloat() - 0.5),
  );
  const full = new Conv2d('c', 2, 3, 3, makeRng(9), { padding: 1 });
  const skip = new Conv2d('c', 2, 3, 3, makeRng(9), { padding: 1, inputGrad: false });
  full.forward(x, ctx);
  skip.forward(x, ctx);
  const dxFull = full.backward(dy, ctx);
  const dxSkip = skip.backward(dy, ctx);
  assert.deepEqual(Array.from(skip.weight.grad!), Array.from(full.weight.grad!));
  assert.deepEqual(Array.from(skip.bias!.grad!), Array.from(full.bias!.grad!));
  assert.deepEqual(dxSkip.shape, dxFull.shape);
  assert.ok(dequantize(dxSkip).every((v) => v === 0));
  assert.ok(
    dequantize(dxFull).some((v) => v !== 0),
    'the full layer does compute a dx',
  );
});
