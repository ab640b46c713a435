// SPDX-License-Identifier: MIT
// ReLU then max pooling run pooled first (ReLU on the pooled values, its mask the pooled size;
// Sequential does so after a fixed-point Conv2d or Linear): outputs and input errors equal the
// layers run one by one on integer mantissas with all-negative windows, zeros and tied maxima.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainCtx } from '../helpers/gradcheck.js';
import { ReLU } from '../../src/nn/relu.js';
import { MaxPool2d } from '../../src/nn/maxpool2d.js';
import { poolsFirst } from '../../src/nn/cost.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { makeRng } from '../../src/quant/rng.js';
import { fixedTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { Shape } from '../../src/tensor/shape.js';

function mant(t: Tensor): number[] {
  if (t.kind !== 'fixed') throw new Error('expected a fixed-point tensor');
  return Array.from(t.mant);
}

function check(
  shape: Shape,
  K: number,
  S: number,
  values: (i: number) => number,
  passes = true,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = fixedTensor(
    shape,
    Int32Array.from({ length: n }, (_, i) => values(i)),
    -6,
    32,
  );
  const [relu, pool] = [new ReLU('r'), new MaxPool2d('p', K, S)];
  const y = relu.forwardWith(pool, x, trainCtx);
  const m = (y.kind === 'fixed' ? y.mant : new Int32Array()).length;
  const dy = fixedTensor(
    y.shape,
    Int32Array.from({ length: m }, (_, i) => ((i * 7919) % 23) - 11),
    -9,
    32,
  );
  const dx = relu.backwardWith(pool, dy, trainCtx);
  // The fused pair kept the pooled-size mask.
  assert.equal(relu.savedMask().length, m);

  const [relu2, pool2] = [new ReLU('r'), new MaxPool2d('p', K, S)];
  const y2 = pool2.forward(relu2.forward(x, trainCtx), trainCtx);
  const dx2 = relu2.backward(pool2.backward(dy, trainCtx), trainCtx);
  assert.deepEqual(y.shape, y2.shape);
  assert.deepEqual(mant(y), mant(y2));
  assert.equal(y.kind === 'fixed' && y.exp, -6);
  assert.deepEqual(dx.shape, dx2.shape);
  assert.deepEqual(mant(dx), mant(dx2));
  assert.equal(
    mant(dx).some((v) => v !== 0),
    passes,
  );
}

test('ReLU then MaxPool2d fused: same outputs and errors as one by one (ties, <= 0 windows)', () => {
  const rng = makeRng(7);
  // Small values: many ties, whole windows <= 0 and of zeros.
  check([2, 3, 6, 8], 2, 2, () => Math.floor(rng.nextFloat() * 5) - 3);
  check([1, 2, 7, 6], 3, 2, () => Math.floor(rng.nextFloat() * 9) - 5);
  check([3, 1, 4, 4], 2, 2, (i) => (i % 3 === 0 ? 0 : -1 - (i % 5)), false);
});

test('Sequential pools first after a fixed-point conv only; float storage keeps the order', () => {
  const model = lenet5([1, 12, 12], 3, makeRng(1));
  const [conv1, relu1, pool1] = model.layers;
  assert.equal(poolsFirst(conv1, relu1, pool1), false); // no sites bound: float32
  bindScheme(model, loadScheme('fixed8'), 1);
  assert.equal(poolsFirst(conv1, relu1, pool1), true);
  assert.equal(poolsFirst(relu1, pool1, model.layers[3]), false);
  const [relu, pool] = [new ReLU('r'), new MaxPool2d('p', 2)];
  const x = {
    kind: 'float',
    shape: [1, 1, 2, 2],
    data: Float32Array.from([-1, 2, 0.5, -3]),
  } as const;
  const y = relu.forwardWith(pool, x, trainCtx);
  assert.equal(y.kind, 'float');
  assert.deepEqual(Array.from(y.kind === 'float' ? y.data : []), [2]);
  assert.equal(relu.savedMask().length, 4);
});
