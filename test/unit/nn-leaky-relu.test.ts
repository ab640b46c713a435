// SPDX-License-Identifier: MIT
// LeakyReLU against the textbook rule on every input path: float32 input, a fixed-point input
// with a slope that is not a power of two (float32 out, dequantized as dequantize() does) and
// one with slope 2^-2 (exact on the mantissas), forward and backward, in training with the
// step workspace of the wasm kernels and outside it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakyReLU } from '../../src/nn/leaky-relu.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../../src/tensor/tensor.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import '../../src/register.js';
import type { RunContext } from '../../src/nn/context.js';

const N = 1031; // ragged: not a multiple of any vector width

function inputs(): Tensor[] {
  const m = new Int32Array(N);
  const f = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    m[i] = Math.round(Math.sin(i * 7.1) * 30000) * (i % 5 === 0 ? 0 : 1);
    f[i] = Math.sin(i * 3.3) * 2;
  }
  f[7] = -0;
  return [fixedTensor([N], m, -12, 16), floatTensor([N], f)];
}

test('LeakyReLU forward and backward equal the plain rule bit for bit', async () => {
  const wasm = await loadWasmKernels();
  for (const kernels of [refKernels, wasm])
    for (const slope of [0.2, 0.25])
      for (const x of inputs()) {
        const ctx = { training: true, kernels, step: 3 } as unknown as RunContext;
        const l = new LeakyReLU('l', slope);
        const y = l.forward(x, ctx);
        const v = dequantize(x);
        const dy = floatTensor(
          [N],
          Float32Array.from(v, (_, i) => Math.cos(i)),
        );
        const dx = dequantize(l.backward(dy, ctx));
        const yv = dequantize(y);
        const exactShift = x.kind === 'fixed' && slope === 0.25;
        assert.equal(y.kind, exactShift ? 'fixed' : 'float', `slope ${slope} on ${x.kind}`);
        for (let i = 0; i < N; i++) {
          const want = v[i] > 0 ? v[i] : Math.fround(slope * v[i]);
          assert.ok(Object.is(yv[i], want), `y[${i}] ${yv[i]} vs ${want} (${x.kind}, ${slope})`);
          const g = dy.data[i];
          const wantG = v[i] > 0 ? g : Math.fround(slope * g);
          assert.equal(dx[i], wantG, `dx[${i}] (${x.kind}, ${slope})`);
        }
      }
});
