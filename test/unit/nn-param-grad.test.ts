// SPDX-License-Identifier: MIT
// Param.addGrad with the kernels converting a fixed-point gradient: the same float32 values as
// dequantize for every mantissa type and exponent, sums of two gradients alike, and the
// checks of dequantize kept (a Float64Array accumulator, an exponent out of range).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/nn/param.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { dequantize, fixedTensor, type Tensor } from '../../src/tensor/tensor.js';

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
