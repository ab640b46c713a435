// SPDX-License-Identifier: MIT
// The Winograd F(2x2,3x3) kernels on every fast backend vs ref, bit for bit: the filter,
// input and error transforms, the fused conv (with and without bias) and the weight-gradient
// transform on ragged grids (odd and tiny maps, tile rows that are not a multiple of the
// vector width, padding 0..2, full-range int8), and the whole forward / input / weight
// gradient against ref's at ResNet-like shapes.

import { describe, it } from 'node:test';
import type { ConvGeom } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { winogradStride, winogradTiles } from '../../src/kernels/ref/winograd.js';
import {
  winogradForward,
  winogradInput,
  winogradInputGrad,
  winogradWeightGrad,
} from '../../src/ops/winograd.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

function geom(N: number, C: number, H: number, W: number, pad: number): ConvGeom {
  const OH = H + 2 * pad - 2;
  const OW = W + 2 * pad - 2;
  return { N, C, H, W, KH: 3, KW: 3, strideH: 1, strideW: 1, padH: pad, padW: pad, OH, OW };
}

/** The 16 positions' values (the gaps between positions are not part of V or E). */
function samePositions(
  got: Int16Array,
  want: Int16Array,
  stride: number,
  n: number,
  what: string,
  cols: number,
): void {
  for (let p = 0; p < 16; p++)
    assertSameArray(
      got.subarray(p * stride, p * stride + n),
      want.subarray(p * stride, p * stride + n),
      `${what} position ${p}`,
      cols,
    );
}

const int8 = (n: number, seed: number) => Int8Array.from(randInts(seeded(seed), n, -128, 127));

function* grid(): Generator<{ g: ConvGeom; OC: number; what: string }> {
  for (const [N, C, OC] of [
    [1, 1, 1],
    [2, 3, 5],
    [3, 2, 4],
  ])
    for (const H of [1, 3, 6, 9])
      for (const W of [2, 5, 8, 17, 34])
        for (const pad of [0, 1, 2]) {
          const g = geom(N, C, H, W, pad);
          if (g.OH >= 1 && g.OW >= 1)
            yield { g, OC, what: `N=${N} C=${C} OC=${OC} ${H}x${W} pad ${pad}` };
        }
}

for (const be of await fastBackends()) {
  describe(`winograd kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('each kernel equals ref on a ragged grid', () => {
      let seed = 1;
      for (const { g, OC, what } of grid()) {
        const { T } = winogradTiles(g);
        const x = int8(g.N * g.C * g.H * g.W, seed++);
        const e = int8(g.N * OC * g.OH * g.OW, seed++);
        const w = int8(OC * g.C * 9, seed++);
        const [U0, U1] = [new Int16Array(16 * OC * g.C), new Int16Array(16 * OC * g.C)];
        refKernels.winograd_filter(w, OC, g.C, U0);
        k.winograd_filter(w, OC, g.C, U1);
        assertSameArray(U1, U0, `filter ${what}`);
        const nV = 16 * winogradStride(g.C, T);
        const [V0, V1] = [new Int16Array(nV), new Int16Array(nV)];
        refKernels.winograd_input(g, x, V0);
        k.winograd_input(g, x, V1);
        samePositions(V1, V0, winogradStride(g.C, T), g.C * T, `input ${what}`, T);
        const nE = 16 * winogradStride(OC, T);
        const [E0, E1] = [new Int16Array(nE), new Int16Array(nE)];
        refKernels.winograd_error(g, OC, e, E0);
        k.winograd_error(g, OC, e, E1);
        samePositions(E1, E0, winogradStride(OC, T), OC * T, `error ${what}`, T);
        const bias = seed % 2 ? randInts(seeded(seed++), OC, -500, 500) : null;
        const n = g.N * OC * g.OH * g.OW;
        const [y0, y1] = [new Int32Array(n), new Int32Array(n)];
        refKernels.winograd_conv(g, x, U0, OC, bias, y0);
        k.winograd_conv(g, x, U0, OC, bias, y1);
        assertSameArray(y1, y0, `conv ${what} bias=${!!bias}`, g.OW);
        for (const wide of [false, true]) {
          const vals = randInts(seeded(seed++), 16 * OC * g.C, -(2 ** 28), 2 ** 28);
          const dU = wide ? Float64Array.from(vals, (v) => v * 1024) : Int32Array.from(vals);
          const [d0, d1] = wide
            ? [new Float64Array(OC * g.C * 9), new Float64Array(OC * g.C * 9)]
            : [new Int32Array(OC * g.C * 9), new Int32Array(OC * g.C * 9)];
          // Sums of G'^T dU G' are exact; /4 may leave a fraction for arbitrary dU: the
          // comparison needs only both to agree (real dU are such that it is exact).
          refKernels.winograd_wgrad(dU, OC, g.C, d0);
          k.winograd_wgrad(dU, OC, g.C, d1);
          assertSameArray(d1, d0, `wgrad ${what} ${wide ? 'f64' : 'i32'}`, 9);
        }
      }
    });

    it('forward, input and weight gradient equal ref at ResNet-like shapes', () => {
      let seed = 100;
      for (const [N, C, OC, H] of [
        [2, 16, 16, 32],
        [3, 32, 32, 16],
        [2, 64, 64, 8],
        [1, 6, 10, 7],
      ]) {
        const g = geom(N, C, H, H, 1);
        const x = int8(N * C * H * H, seed++);
        const w = int8(OC * C * 9, seed++);
        const e = int8(N * OC * H * H, seed++);
        const what = `N=${N} C=${C} OC=${OC} ${H}x${H}`;
        const f0 = winogradForward(refKernels, g, x, w, OC, null);
        const f1 = winogradForward(k, g, x, w, OC, null);
        assertSameArray(f1, f0, `forward ${what}`, H);
        assertSameArray(
          winogradInputGrad(k, g, e, w, OC),
          winogradInputGrad(refKernels, g, e, w, OC),
          `dx ${what}`,
          H,
        );
        assertSameArray(
          winogradWeightGrad(k, g, e, winogradInput(k, g, x), OC),
          winogradWeightGrad(refKernels, g, e, winogradInput(refKernels, g, x), OC),
          `dw ${what}`,
          9,
        );
      }
    });
  });
}
