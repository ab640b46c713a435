// SPDX-License-Identifier: MIT
// The direct float32 conv (native conv_direct_f32, stride-1 'same' convs): the same bits as
// im2col + gemm_f32 on the same kernels with rows swapped (M, N, R) -> (N, M, R), within
// float32 rounding of ref; ragged planes (1..32 wide and high), odd channel counts, row counts
// not a multiple of 8, depths of one to three 256-deep blocks; 2 threads give the 1-thread bits;
// the filter given rotated ((C, M, KK), taps reversed) gives the same bits.
// Instruction sets without the kernel leave it out (their convs keep the GEMM routes).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, nativeBackends, seeded, isAvx512Backend } from './helpers.js';

/** A stride-1 'same' conv: KH x KW kernel, padding (K - 1) / 2. */
function same(N: number, C: number, H: number, W: number, KH = 3, KW = 3): ConvGeom {
  const padH = (KH - 1) / 2;
  const padW = (KW - 1) / 2;
  return { N, C, H, W, KH, KW, strideH: 1, strideW: 1, padH, padW, OH: H, OW: W };
}

const SIDES = [1, 2, 3, 5, 7, 8, 16, 32];
const CASES: [ConvGeom, number][] = [
  ...SIDES.flatMap((H, i) =>
    SIDES.map((W, j): [ConvGeom, number] => [
      same(1 + ((i + j) % 3), 1 + ((i * 3 + j) % 4) * 2, H, W),
      1 + ((i + 2 * j) % 11),
    ]),
  ),
  [same(2, 29, 8, 8), 13], // depth 261: two blocks, the second 5 deep
  [same(3, 64, 8, 8), 64], // depth 576: ResNet-20's 8x8 convs, three blocks
  [same(3, 16, 32, 32), 16], // ResNet-20's 32x32 convs, threaded
  [same(2, 32, 16, 16), 20],
  [same(2, 3, 9, 13, 5, 5), 5], // 5x5 pad 2
  [same(2, 4, 6, 7, 1, 3), 9], // 1x3 pad (0, 1)
  [same(1, 0, 4, 4), 3], // no depth: zeros
];

function floats(rng: ReturnType<typeof seeded>, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
}

/** (A, B, R) -> (B, A, R). */
function swap(src: Float32Array, A: number, B: number, R: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++)
      out.set(src.subarray((a * B + b) * R, (a * B + b + 1) * R), (b * A + a) * R);
  return out;
}

function check(k: Kernels, name: string): Float32Array[] {
  const outputs: Float32Array[] = [];
  const rng = seeded(17);
  for (const [g, M] of CASES) {
    const what = `${name} N${g.N} C${g.C} ${g.H}x${g.W} k${g.KH}x${g.KW} M${M}`;
    assert.ok(k.preferConvDirectF32!(g), `${what}: taken`);
    const K = g.C * g.KH * g.KW;
    const R = g.H * g.W;
    const Q = g.N * R;
    const x = floats(rng, g.N * g.C * R);
    const w = floats(rng, M * K);
    const col = new Float32Array(K * Q);
    k.im2col(g, x, col);
    const rows = new Float32Array(M * Q);
    k.gemm_f32({ M, N: Q, K }, w, col, rows);
    const got = new Float32Array(M * Q).fill(7);
    k.conv_direct_f32!(g, w, M, x, got);
    assertSameArray(got, swap(rows, M, g.N, R), `${what}: = im2col + gemm_f32`, R);
    // rotated: the filter given as (C, M, KK) with taps reversed, as an input gradient's conv
    // of the error reads its layer's filter: the same bits.
    const KK = g.KH * g.KW;
    const wt = new Float32Array(M * K);
    for (let m = 0; m < M; m++)
      for (let c = 0; c < g.C; c++)
        for (let t = 0; t < KK; t++) wt[(c * M + m) * KK + KK - 1 - t] = w[(m * g.C + c) * KK + t];
    const gotRot = new Float32Array(M * Q).fill(7);
    k.conv_direct_f32!(g, wt, M, x, gotRot, true);
    assertSameArray(gotRot, got, `${what}: rotated filter`, R);
    // Against ref (float64 sums): within 1e-5 of sum |w||col|.
    const want = new Float32Array(M * Q);
    const mag = new Float32Array(M * Q);
    refKernels.gemm_f32({ M, N: Q, K }, w, col, want);
    refKernels.gemm_f32({ M, N: Q, K }, w.map(Math.abs), col.map(Math.abs), mag);
    const ref = swap(want, M, g.N, R);
    const bound = swap(mag, M, g.N, R);
    for (let i = 0; i < got.length; i++)
      if (!(Math.abs(got[i] - ref[i]) <= 1e-5 * bound[i] + 1e-7))
        assert.fail(`${what}: y[${i}] = ${got[i]}, ref ${ref[i]}`);
    outputs.push(got);
  }
  return outputs;
}

/**
 * conv_weight_grad_f32 of same convs with 16k-pixel planes (x read directly on AVX-512): the
 * bits of gemm_f32's dot route on the im2col matrix where both take one slice of images in
 * 512-deep pieces (Q >= 512 and >= 4 max(M, C*KH*KW)); within float32 rounding of ref on
 * several slices (32x32 planes, 20 images), 2 threads give the 1-thread bits.
 */
const DW_CASES: [ConvGeom, number, boolean][] = [
  [same(2, 2, 16, 16), 5, true],
  [same(3, 3, 8, 8), 7, false],
  [same(1, 1, 4, 8), 6, false],
  [same(9, 3, 8, 8), 3, true], // pieces cross images (64-pixel planes)
  [same(3, 5, 16, 16, 5, 5), 3, false],
  [same(20, 16, 32, 32), 16, false], // several slices
];

function checkDw(k: Kernels, name: string): Float32Array[] {
  const outputs: Float32Array[] = [];
  const rng = seeded(23);
  for (const [g, M, exact] of DW_CASES) {
    const what = `${name} dW N${g.N} C${g.C} ${g.H}x${g.W} k${g.KH}x${g.KW} M${M}`;
    const K = g.C * g.KH * g.KW;
    const Q = g.N * g.H * g.W;
    const x = floats(rng, g.N * g.C * g.H * g.W);
    const e = floats(rng, M * Q);
    const col = new Float32Array(K * Q);
    k.im2col(g, x, col);
    const got = new Float32Array(M * K).fill(7);
    k.conv_weight_grad_f32!(g, e, M, x, got);
    const shape = { M, N: K, K: Q, transB: true };
    if (exact) {
      const want = new Float32Array(M * K);
      k.gemm_f32(shape, e, col, want);
      assertSameArray(got, want, `${what}: = gemm_f32 (dot route)`, K);
    }
    if (k.weightGradBatchMajorF32?.(g)) {
      // e as the layer's error comes, (N, M, R): the bits of its rows.
      const eb = swap(e, M, g.N, g.H * g.W);
      const gotB = new Float32Array(M * K).fill(7);
      k.conv_weight_grad_f32!(g, eb, M, x, gotB, true);
      assertSameArray(gotB, got, `${what}: e batch-major`, K);
    }
    const ref = new Float32Array(M * K);
    const mag = new Float32Array(M * K);
    refKernels.gemm_f32(shape, e, col, ref);
    refKernels.gemm_f32(shape, e.map(Math.abs), col.map(Math.abs), mag);
    for (let i = 0; i < got.length; i++)
      if (!(Math.abs(got[i] - ref[i]) <= 1e-5 * mag[i] + 1e-7))
        assert.fail(`${what}: dW[${i}] = ${got[i]}, ref ${ref[i]}`);
    outputs.push(got);
  }
  return outputs;
}

const backends = await nativeBackends();
describe('conv_direct_f32 = im2col + gemm_f32 bit for bit (stride-1 same convs)', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      const k = b.k!;
      if (!isAvx512Backend(b.name)) {
        assert.equal(k.conv_direct_f32, undefined, 'only the AVX-512 kernels have it');
        assert.equal(k.preferConvDirectF32, undefined);
        return;
      }
      assert.ok(k.conv_direct_f32, 'the AVX-512 kernels have conv_direct_f32');
      const stride2 = { ...same(1, 2, 8, 8), strideH: 2, strideW: 2, OH: 4, OW: 4 };
      assert.equal(k.preferConvDirectF32!(stride2), false, 'stride 2 keeps the GEMM routes');
      await setNativeThreads(1);
      const one = check(k, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = check(k, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});

describe('conv_weight_grad_f32 reading x directly = the dot route bit for bit, e rows or batch-major', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      const k = b.k!;
      if (isAvx512Backend(b.name)) {
        // Every DW_CASES geometry has planes of a multiple of 16 pixels: all read e batch-major.
        assert.ok(DW_CASES.every(([g]) => k.weightGradBatchMajorF32!(g)));
        const stride2 = { ...same(2, 2, 8, 8), strideH: 2, strideW: 2, OH: 4, OW: 4 };
        assert.equal(k.weightGradBatchMajorF32!(stride2), false);
        assert.throws(
          () =>
            k.conv_weight_grad_f32!(
              stride2,
              new Float32Array(64),
              2,
              new Float32Array(256),
              new Float32Array(36),
              true,
            ),
          /batch-major e for stride-1 'same' convs/,
        );
      } else {
        assert.equal(k.weightGradBatchMajorF32, undefined, 'only where the direct dot runs');
      }
      await setNativeThreads(1);
      const one = checkDw(b.k!, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = checkDw(b.k!, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: dW 2 threads = 1`, 1));
    });
});
