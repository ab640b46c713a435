// SPDX-License-Identifier: MIT
// conv_gemm_int_nchw (native): y (N, M, OH*OW) = ref's im2col, gemm_int and swap_outer with the
// bias, bit for bit: ragged geometries (strides, paddings, non-square kernels, one and several
// images per slice, a ragged last slice), int8/int16 operand pairs at full range, no bias and
// random biases; the int32 edges (sum + bias reaching 2^31 - 1 and -2^31); 2 threads give the
// 1-thread bits.

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
  ['1x1 stride 2 (projection)', geom(4, 16, 16, 16, 1, 1, 2, 0), 32],
  ['5x5 pad 2', geom(2, 3, 9, 13, 5, 5, 1, 2), 5],
  ['slices of several images, ragged last', geom(7, 8, 20, 20, 3, 3, 1, 1), 17],
  ['one image per slice, 32-wide rows', geom(3, 16, 32, 32, 3, 3, 1, 1), 16],
  ['8x8 planes, 64 channels', geom(5, 64, 8, 8, 3, 3, 1, 1), 40],
];

/** ref: im2col, gemm_int into (M, N*R), swap_outer with the bias into (N, M, R). */
function expected(g: ConvGeom, w: IntArray, M: number, x: IntArray, bias: number[] | null) {
  const K = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  const col = new (x.constructor as Int8ArrayConstructor)(K * Q) as IntArray;
  refKernels.im2col(g, x, col);
  const c = new Int32Array(M * Q);
  refKernels.gemm_int({ M, N: Q, K }, w, col, c);
  const y = new Int32Array(M * Q);
  refKernels.swap_outer(c, M, g.N, g.OH * g.OW, bias, y);
  return y;
}

const PAIRS = [
  [Int8Array, Int8Array],
  [Int8Array, Int16Array],
  [Int16Array, Int8Array],
] as const;

function checkGrid(k: Kernels, name: string): Int32Array[] {
  const outputs: Int32Array[] = [];
  let seed = 40;
  for (const [what, g, M] of CASES)
    for (const [W, X] of PAIRS)
      for (const withBias of [false, true]) {
        const K = g.C * g.KH * g.KW;
        // The int8 operand at full range, the int16 one narrowed so K*|w|*|x| + |bias| < 2^31.
        const amp = (C: typeof W | typeof X) =>
          C === Int8Array ? 127 : Math.min(32767, Math.floor(2 ** 30 / (K * 128)));
        const x = X.from(randInts(seeded(seed++), g.N * g.C * g.H * g.W, -amp(X), amp(X)));
        const w = W.from(randInts(seeded(seed++), M * K, -amp(W), amp(W)));
        const bias = withBias ? randInts(seeded(seed++), M, -(2 ** 29), 2 ** 29) : null;
        const y = new Int32Array(M * g.N * g.OH * g.OW).fill(7);
        k.conv_gemm_int_nchw!(g, w, M, x, bias, y);
        const label = `${name} ${what} ${W.name} x ${X.name} bias=${withBias}`;
        assertSameArray(y, expected(g, w, M, x, bias), label, g.OH * g.OW);
        outputs.push(y);
      }
  return outputs;
}

/** Every product at its extreme and the bias taking sum + bias to the int32 ends. */
function checkEdges(k: Kernels, name: string): void {
  for (const [what, g, M] of CASES.slice(1, 5)) {
    const K = g.C * g.KH * g.KW;
    for (const [xv, top] of [
      [-128, true],
      [127, false],
    ] as const) {
      const x = new Int8Array(g.N * g.C * g.H * g.W).fill(xv);
      const w = new Int8Array(M * K).fill(-128);
      // Interior pixels see K products of -128 * xv; the bias puts them on 2^31 - 1 or -2^31.
      const full = K * -128 * xv;
      const bias = Array.from({ length: M }, () => (top ? 2 ** 31 - 1 - full : -(2 ** 31) - full));
      const y = new Int32Array(M * g.N * g.OH * g.OW);
      k.conv_gemm_int_nchw!(g, w, M, x, bias, y);
      const want = expected(g, w, M, x, bias);
      assertSameArray(y, want, `${name} edge ${what} x=${xv}`, g.OH * g.OW);
      const end = top ? 2 ** 31 - 1 : -(2 ** 31);
      assert.ok(want.includes(end), `${what}: some pixel reaches ${end}`);
    }
  }
}

const backends = await nativeBackends();
describe('conv_gemm_int_nchw = ref im2col, gemm_int, swap_outer with bias, bit for bit', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      assert.ok(b.k!.conv_gemm_int_nchw, 'the native kernels have conv_gemm_int_nchw');
      await setNativeThreads(1);
      const one = checkGrid(b.k!, `${b.name} 1 thread`);
      checkEdges(b.k!, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = checkGrid(b.k!, `${b.name} 2 threads`);
      checkEdges(b.k!, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});
