// SPDX-License-Identifier: MIT
// The implicit-GEMM convolution kernels (native): conv_gemm_f32 and conv_gemm_int (int8/int16
// into int32) give the same bits as im2col then the GEMM on the same backend; conv_weight_grad_f32 is within float32 rounding
// of ref's e col^T; over ragged geometries (strides, paddings, non-square kernels, several
// image slices with a ragged last one); 2 threads give the 1-thread bits.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, convGeom, nativeBackends, randInts, seeded } from './helpers.js';

const geom = convGeom;

const CASES: [string, ConvGeom, number][] = [
  ['1x1 image, 1x1 kernel', geom(1, 1, 1, 1, 1, 1, 1, 0, 0), 1],
  ['3x3 same, ragged', geom(3, 5, 7, 9, 3, 3, 1, 1, 1), 7],
  ['3x3 stride 2', geom(2, 6, 11, 10, 3, 3, 2, 1, 1), 9],
  ['1x1 stride 2 (projection)', geom(4, 16, 16, 16, 1, 1, 2, 0, 0), 32],
  ['5x5 pad 2', geom(2, 3, 9, 13, 5, 5, 1, 2, 2), 5],
  ['3x1, pad 2,0 (wider than same)', geom(2, 4, 6, 5, 3, 1, 1, 2, 0), 3],
  ['kernel wider than the padded image edge', geom(1, 2, 2, 3, 3, 3, 1, 2, 2), 4],
  ['slices of 4 images, ragged last (7 = 4 + 3)', geom(7, 8, 20, 20, 3, 3, 1, 1, 1), 17],
  ['one image per slice', geom(5, 16, 40, 40, 3, 3, 1, 1, 1), 16],
];

function check(k: Kernels, name: string): Float32Array[] {
  const outputs: Float32Array[] = [];
  const rng = seeded(91);
  const floats = (n: number) => Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
  for (const [what, g, M] of CASES) {
    const K = g.C * g.KH * g.KW;
    const Q = g.N * g.OH * g.OW;
    const x = floats(g.N * g.C * g.H * g.W);
    const w = floats(M * K);
    const col = new Float32Array(K * Q);
    k.im2col(g, x, col);
    const want = new Float32Array(M * Q);
    k.gemm_f32({ M, N: Q, K }, w, col, want);
    const got = new Float32Array(M * Q).fill(7);
    k.conv_gemm_f32!(g, w, M, x, got);
    assertSameArray(got, want, `${name} ${what}`, Q);
    // The weight gradient e (M, Q) col^T: its own order, within 1e-5 of sum |e||col|.
    const e = floats(M * Q);
    const dw = new Float32Array(M * K);
    const mag = new Float32Array(M * K);
    refKernels.gemm_f32({ M, N: K, K: Q, transB: true }, e, col, dw);
    refKernels.gemm_f32({ M, N: K, K: Q, transB: true }, e.map(Math.abs), col.map(Math.abs), mag);
    const gotW = new Float32Array(M * K).fill(7);
    k.conv_weight_grad_f32!(g, e, M, x, gotW);
    for (let i = 0; i < M * K; i++)
      if (!(Math.abs(gotW[i] - dw[i]) <= 1e-5 * mag[i] + 1e-7))
        assert.fail(`${name} ${what}: dW[${i}] = ${gotW[i]}, want ${dw[i]}`);
    outputs.push(got, gotW);
  }
  return outputs;
}

/** conv_gemm_int = im2col + gemm_int exactly, int8 and int16 operands at full range. */
function checkInt(k: Kernels, name: string): Int32Array[] {
  const outputs: Int32Array[] = [];
  let seed = 5;
  for (const [what, g, M] of CASES)
    for (const [W, X] of [
      [Int8Array, Int8Array],
      [Int8Array, Int16Array],
      [Int16Array, Int8Array],
    ] as const) {
      const K = g.C * g.KH * g.KW;
      const Q = g.N * g.OH * g.OW;
      // Full range of the int8 operand; the int16 one narrowed so K*|w|*|x| < 2^31.
      const amp = (C: typeof W | typeof X) =>
        C === Int8Array ? 127 : Math.min(32767, Math.floor(2 ** 31 / (K * 128 * 1.01)));
      const x = X.from(randInts(seeded(seed++), g.N * g.C * g.H * g.W, -amp(X), amp(X)));
      const w = W.from(randInts(seeded(seed++), M * K, -amp(W), amp(W)));
      const col = new X(K * Q);
      k.im2col(g, x, col);
      const want = new Int32Array(M * Q);
      k.gemm_int({ M, N: Q, K }, w, col, want);
      const got = new Int32Array(M * Q).fill(7);
      k.conv_gemm_int!(g, w, M, x, got);
      assertSameArray(got, want, `${name} ${what} ${W.name} x ${X.name}`, Q);
      outputs.push(got);
    }
  return outputs;
}

const backends = await nativeBackends();
describe('conv_gemm_f32 / conv_gemm_int = im2col + GEMM bit for bit; conv_weight_grad_f32', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      assert.ok(b.k!.conv_gemm_f32, 'the native kernels have conv_gemm_f32');
      await setNativeThreads(1);
      const one = check(b.k!, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = check(b.k!, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
      await setNativeThreads(1);
      const oneI = checkInt(b.k!, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const twoI = checkInt(b.k!, `${b.name} 2 threads`);
      oneI.forEach((o, i) => assertSameArray(twoI[i], o, `${b.name}: int, 2 threads = 1`, 1));
    });
});
