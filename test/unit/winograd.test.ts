// SPDX-License-Identifier: MIT
// Exact integer Winograd F(2x2,3x3) on the reference kernels equals the direct convolution
// (naive float64 loops, exact on int8 data): forward, input gradient and weight gradient, on
// ragged grids of batch, channels, odd and tiny image sizes, padding 0..2, full-range int8
// (including -128, the largest transform magnitudes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvGeom } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import {
  winogradFits,
  winogradForward,
  winogradInput,
  winogradInputGrad,
  winogradWeightGrad,
} from '../../src/ops/winograd.js';
import { makeRng } from '../../src/quant/rng.js';
import { naiveConv, naiveConvBackward } from '../helpers/intref.js';

/** 3x3 stride-1 geometry: OH = H + 2 pad - 2. */
function geom3x3(N: number, C: number, H: number, W: number, pad: number): ConvGeom {
  return {
    N,
    C,
    H,
    W,
    KH: 3,
    KW: 3,
    strideH: 1,
    strideW: 1,
    padH: pad,
    padW: pad,
    OH: H + 2 * pad - 2,
    OW: W + 2 * pad - 2,
  };
}

function int8s(n: number, seed: number, extremes = false): Int8Array {
  const rng = makeRng(seed);
  return Int8Array.from({ length: n }, () =>
    extremes ? (rng.nextFloat() < 0.5 ? -128 : 127) : Math.floor(rng.nextFloat() * 256) - 128,
  );
}

function same(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    if (got[i] !== want[i]) assert.fail(`${what}: index ${i}: got ${got[i]}, want ${want[i]}`);
}

/** The grid: every case with OH, OW >= 1. */
function* grid(): Generator<{ g: ConvGeom; OC: number; what: string }> {
  for (const N of [1, 2])
    for (const [C, OC] of [
      [1, 1],
      [3, 4],
      [5, 2],
    ])
      for (const H of [1, 2, 3, 5, 8])
        for (const W of [1, 4, 7])
          for (const pad of [0, 1, 2]) {
            const g = geom3x3(N, C, H, W, pad);
            if (g.OH < 1 || g.OW < 1) continue;
            yield { g, OC, what: `N=${N} C=${C} OC=${OC} ${H}x${W} pad ${pad}` };
          }
}

test('ref Winograd forward, input and weight gradient equal the direct conv exactly', () => {
  let seed = 1;
  let cases = 0;
  for (const { g, OC, what } of grid()) {
    const extremes = seed % 4 === 0;
    const x = int8s(g.N * g.C * g.H * g.W, seed++, extremes);
    const w = int8s(OC * g.C * 9, seed++, extremes);
    const e = int8s(g.N * OC * g.OH * g.OW, seed++, extremes);
    const xs = [g.N, g.C, g.H, g.W];
    const want = naiveConv(Float64Array.from(x), xs, Float64Array.from(w), 3, 3, 1, g.padH, null);
    assert.ok(winogradFits(g, g.C) && winogradFits(g, OC));
    same(winogradForward(refKernels, g, x, w, OC, null), want.y, `forward ${what}`);
    const back = naiveConvBackward(
      Float64Array.from(x),
      xs,
      Float64Array.from(w),
      3,
      3,
      1,
      g.padH,
      Float64Array.from(e),
      want.shape,
    );
    same(winogradInputGrad(refKernels, g, e, w, OC), back.dx, `dx ${what}`);
    same(
      winogradWeightGrad(refKernels, g, e, winogradInput(refKernels, g, x), OC),
      back.dw,
      `dw ${what}`,
    );
    cases++;
  }
  assert.ok(cases > 150, `${cases} cases`);
});

test('a bias is added per output channel after the exact division', () => {
  const g = geom3x3(2, 3, 5, 6, 1);
  const x = int8s(2 * 3 * 30, 5);
  const w = int8s(4 * 3 * 9, 6);
  const bias = [3, -7, 0, 1000];
  const want = naiveConv(
    Float64Array.from(x),
    [2, 3, 5, 6],
    Float64Array.from(w),
    3,
    3,
    1,
    1,
    Float64Array.from(bias),
  );
  same(winogradForward(refKernels, g, x, w, 4, bias), want.y, 'forward with bias');
});

test('Winograd takes only 3x3 stride-1 convs whose sums fit int32', () => {
  const g = geom3x3(1, 64, 8, 8, 1);
  assert.ok(winogradFits(g, 64));
  assert.ok(!winogradFits({ ...g, strideH: 2, strideW: 2 }, 64));
  assert.ok(!winogradFits({ ...g, KH: 5, KW: 5 }, 64));
  assert.ok(!winogradFits(g, 1000), '9 * 1000 * 1152 * 510 > 2^31');
  assert.throws(
    () =>
      refKernels.winograd_input(
        { ...g, KH: 1, KW: 1 },
        new Int8Array(64 * 64),
        new Int16Array(16 * (64 * 16 + 32)),
      ),
    /F\(2x2,3x3\) needs a 3x3 kernel at stride 1/,
  );
});

test('int8 transforms reach 4 * 128; the weight gradient stays exact where T * 510^2 fits int32 and T * 512^2 does not', () => {
  // 80 x 103 = 8240 tiles: 8240 * 510^2 < 2^31 < 8240 * 512^2. All -128: V(1,1) and the
  // error's transform at (1,1) are -512 in every tile, so their sum over tiles is 2^31 + 4.3e6.
  const g = geom3x3(1, 1, 160, 206, 1);
  const x = new Int8Array(160 * 206).fill(-128);
  const e = new Int8Array(160 * 206).fill(-128);
  const V = winogradInput(refKernels, g, x);
  let maxV = 0;
  for (const v of V) maxV = Math.max(maxV, Math.abs(v));
  assert.equal(maxV, 512);
  const back = naiveConvBackward(
    Float64Array.from(x),
    [1, 1, 160, 206],
    Float64Array.from(new Int8Array(9).fill(1)),
    3,
    3,
    1,
    1,
    Float64Array.from(e),
    [1, 1, 160, 206],
  );
  const dw = winogradWeightGrad(refKernels, g, e, V, 1);
  assert.deepEqual(Array.from(dw), Array.from(back.dw));
});
