// SPDX-License-Identifier: MIT
// conv_gemm_int_f64_nchw (native): exact float64 y (N, M, OH*OW) = ref's im2col, gemm_int into
// float64 and swap_outer with the bias, bit for bit, where the sums pass int32: int16 x int16
// at full range (and -32768 everywhere: K * 2^30), int8 x int16 pairs, ragged geometries
// (strides, paddings, non-square kernels, one image, 8x8 planes of 64 channels), no bias and
// random biases; 2 threads give the 1-thread bits.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, convGeom, nativeBackends, randInts, seeded } from './helpers.js';

const geom = convGeom;

/** [what, geometry, output channels M]. */
const CASES: [string, ConvGeom, number][] = [
  ['1x1 image, 1x1 kernel', geom(1, 1, 1, 1, 1, 1, 1, 0), 1],
  ['3x3 same, ragged', geom(3, 5, 7, 9, 3, 3, 1, 1), 7],
  ['3x3 stride 2', geom(2, 6, 11, 10, 3, 3, 2, 1), 9],
  ['5x5 pad 2', geom(2, 3, 9, 13, 5, 5, 1, 2), 5],
  ['32x32 planes, 16 channels', geom(2, 16, 32, 32, 3, 3, 1, 1), 16],
  ['8x8 planes, 64 channels', geom(3, 64, 8, 8, 3, 3, 1, 1), 40],
];

/** ref: im2col, gemm_int into float64 (M, N*R), swap_outer with the bias into (N, M, R). */
function expected(g: ConvGeom, w: IntArray, M: number, x: IntArray, bias: number[] | null) {
  const K = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  const col = new (x.constructor as Int16ArrayConstructor)(K * Q) as IntArray;
  refKernels.im2col(g, x, col);
  const c = new Float64Array(M * Q);
  refKernels.gemm_int({ M, N: Q, K }, w, col, c);
  const y = new Float64Array(M * Q);
  refKernels.swap_outer(c, M, g.N, g.OH * g.OW, bias, y);
  return y;
}

function maxAbs(a: IntArray): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function checkGrid(k: Kernels, name: string): Float64Array[] {
  const outputs: Float64Array[] = [];
  let seed = 70;
  for (const [what, g, M] of CASES)
    for (const [W, X, fill] of [
      [Int16Array, Int16Array, 0],
      [Int16Array, Int16Array, -32768],
      [Int8Array, Int16Array, 0],
      [Int16Array, Int8Array, 0],
    ] as const)
      for (const withBias of [false, true]) {
        const K = g.C * g.KH * g.KW;
        const full = (C: typeof W | typeof X) => (C === Int8Array ? 127 : 32767);
        const x = X.from(randInts(seeded(seed++), g.N * g.C * g.H * g.W, -full(X), full(X)));
        const w = W.from(randInts(seeded(seed++), M * K, -full(W), full(W)));
        if (fill) [x, w].forEach((a) => a.fill(fill));
        const bias = withBias ? randInts(seeded(seed++), M, -(2 ** 40), 2 ** 40) : null;
        const y = new Float64Array(M * g.N * g.OH * g.OW).fill(7);
        k.conv_gemm_int_f64_nchw!(g, w, M, x, bias, y, maxAbs(w), maxAbs(x));
        const label = `${name} ${what} ${W.name} x ${X.name} fill=${fill} bias=${withBias}`;
        const want = expected(g, w, M, x, bias);
        assertSameArray(y, want, label, g.OH * g.OW);
        if (fill && K > 1)
          assert.ok(
            want.some((v) => Math.abs(v) > 2 ** 31),
            `${label}: past int32`,
          );
        outputs.push(y);
      }
  return outputs;
}

const backends = await nativeBackends();
describe('conv_gemm_int_f64_nchw = ref im2col, gemm_int (float64), swap_outer with bias, bit for bit', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      assert.ok(b.k!.conv_gemm_int_f64_nchw, 'the native kernels have conv_gemm_int_f64_nchw');
      await setNativeThreads(1);
      const one = checkGrid(b.k!, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = checkGrid(b.k!, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});
