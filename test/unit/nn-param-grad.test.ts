// SPDX-License-Identifier: MIT
// Param.addGrad with the kernels converting a fixed-point gradient: the same float32 values as
// dequantize for every mantissa type and exponent, sums of two gradients alike, and the
// checks of dequantize kept (a Float64Array accumulator, an exponent out of range).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/nn/param.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../../src/tensor/tensor.js';

function grads(g: Tensor[]): [Float32Array | null, Float32Array | null] {
  const [a, b] = [
    new Param('l.weight', 'l', 'weight', [6]),
    new Param('l.weight', 'l', 'weight', [6]),
  ];
  for (const t of g) {
    a.addGrad(t, refKernels);
    b.addGrad(t);
  }
  return [a.grad, b.grad];
}

test('Param.addGrad with kernels: same values as dequantize', () => {
  const m = [-128, -3, 0, 1, 77, 127];
  for (const mant of [
    Int8Array.from(m),
    Int16Array.from(m),
    Int32Array.from(m.map((v) => v * 99991)),
  ])
    for (const exp of [-140, -20, -7, 0, 5, 96]) {
      const t = fixedTensor([6], mant, exp, 8);
      const [a, b] = grads([t]);
      assert.deepEqual(a, dequantize(t));
      assert.deepEqual(a, b);
      assert.deepEqual(...grads([t, fixedTensor([6], mant, exp - 1, 8)]));
    }
  // Float64 mantissas go through dequantize (which rejects values float32 cannot hold).
  const wide = fixedTensor([6], Float64Array.from(m.map((v) => v * 2 ** 40)), 100, 53);
  assert.throws(() => grads([wide]), /not a finite float32 value/);
  assert.throws(() => grads([fixedTensor([6], Int8Array.from(m), 2000, 8)]), /exponent must be/);
});

test('Param.addGrad across steps: storage reused, values of the step, float sources copied', () => {
  const p = new Param('l.weight', 'l', 'weight', [4]);
  const src = Float32Array.from([1, -2, 3.5, 0]);
  p.addGrad(floatTensor([4], src), refKernels);
  src[0] = 99; // the layer's array may be reused: the gradient keeps its own copy
  assert.deepEqual(Array.from(p.grad!), [1, -2, 3.5, 0]);
  const first = p.grad;
  p.zeroGrad();
  assert.equal(p.grad, null);
  p.addGrad(fixedTensor([4], Int8Array.from([4, 0, -1, 7]), -1, 8), refKernels);
  assert.equal(p.grad, first, 'the next step writes into the same storage');
  assert.deepEqual(Array.from(p.grad!), [2, 0, -0.5, 3.5]);
  p.addGrad(floatTensor([4], Float32Array.from([1, 1, 1, 1])), refKernels);
  assert.deepEqual(Array.from(p.grad!), [3, 1, 0.5, 4.5]);
  assert.throws(
    () => p.addGrad(floatTensor([3], new Float32Array(3))),
    /l.weight: gradient has 3 values, parameter 4/,
  );
});
