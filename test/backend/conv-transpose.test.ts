// SPDX-License-Identifier: MIT
// ConvTranspose2d's integer passes on every fast backend vs ref: y, dx and dW bit-exact over a
// ragged grid of shapes (channels, kernel, stride, padding, output padding, odd sizes) with
// int8 and int16 mantissas, where Winograd (3x3 stride 1, int8) and im2col + GEMM both run.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { Kernels } from '../../src/kernels/spec.js';
import { ConvTranspose2d } from '../../src/nn/conv-transpose2d.js';
import type { RunContext } from '../../src/nn/context.js';
import { makeRng } from '../../src/quant/rng.js';
import type { Quantizer } from '../../src/quant/site.js';
import { fixedTensor, type Tensor } from '../../src/tensor/tensor.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

// [N, IN, OUT, K, stride, padding, outputPadding, IH, IW]
const GRID = [
  [1, 1, 1, 1, 1, 0, 0, 1, 1],
  [2, 3, 5, 3, 1, 1, 0, 5, 7],
  [3, 17, 4, 3, 1, 0, 0, 4, 3],
  [2, 5, 3, 4, 2, 1, 0, 7, 7],
  [1, 9, 2, 4, 2, 1, 1, 3, 6],
  [2, 16, 33, 7, 1, 0, 0, 1, 1],
  [1, 4, 6, 5, 3, 2, 2, 3, 2],
] as const;

type Bits = 8 | 16;

function mant(bits: Bits, n: number, seed: number): Int8Array | Int16Array {
  const lim = bits === 8 ? 127 : 32767;
  const v = randInts(seeded(seed), n, -lim, lim);
  return bits === 8 ? Int8Array.from(v) : Int16Array.from(v);
}

/** y, dx, dW mantissas of one layer on kernels k (the weights' W site bound to exact ones). */
function run(k: Kernels, row: (typeof GRID)[number], bits: Bits, seed: number) {
  const [N, IN, OUT, K, s, p, op, IH, IW] = row;
  const l = new ConvTranspose2d('ct', IN, OUT, K, makeRng(seed), {
    stride: s,
    padding: p,
    outputPadding: op,
    bias: false,
  });
  const wm = mant(bits, l.weight.size, seed + 1);
  // W site: the weights as these mantissas at exp -7 (a quantizer that returns them).
  const quantizer: Quantizer = {
    description: `given int${bits} weights`,
    bits: () => bits,
    apply: () => fixedTensor(l.weight.shape, wm, -7, bits),
    saveState: () => null,
    loadState: () => {},
  };
  l.sites.set('W', { quantizer, rng: makeRng(1), evalRng: () => makeRng(2) });
  const ctx: RunContext = { kernels: k, step: 0, epoch: 0, training: true, telemetry: null };
  const x = fixedTensor([N, IN, IH, IW], mant(bits, N * IN * IH * IW, seed + 2), -5, bits);
  const y = l.forward(x, ctx) as Extract<Tensor, { kind: 'fixed' }>;
  const e = fixedTensor(y.shape, mant(bits, y.mant.length, seed + 3), -9, bits);
  const dx = l.backward(e, ctx) as Extract<Tensor, { kind: 'fixed' }>;
  const dw = l.weight.gradTensor as Extract<Tensor, { kind: 'fixed' }>;
  return { y, dx, dw };
}

for (const be of await fastBackends()) {
  describe(`ConvTranspose2d integer passes on ${be.name}`, { skip: be.skip }, () => {
    it('y, dx and dW equal ref bit for bit on the ragged grid, int8 and int16', () => {
      let seed = 1;
      for (const row of GRID)
        for (const bits of [8, 16] as const) {
          const want = run(refKernels, row, bits, seed);
          const got = run(be.k!, row, bits, seed);
          seed += 10;
          const what = `[${row.join(',')}] int${bits}`;
          for (const key of ['y', 'dx', 'dw'] as const) {
            assert.equal(got[key].kind, 'fixed', `${what} ${key} fixed`);
            assert.equal(got[key].exp, want[key].exp, `${what} ${key} exponent`);
            assert.equal(
              got[key].mant.constructor,
              want[key].mant.constructor,
              `${what} ${key} type`,
            );
            assertSameArray(got[key].mant, want[key].mant, `${what} ${key}`);
          }
          assert.ok(
            want.y.mant.some((v) => v !== 0),
            `${what}: a non-trivial y`,
          );
        }
    });
  });
}
