// SPDX-License-Identifier: MIT
// The int8 weight gradient of 3x3 stride-1 convs on the wasm backend (conv_weight_grad_int by
// Winograd, src/kernels/wasm/conv-wgrad.ts): the error (N, M, OH, OW) as it comes and x, int8.
// It must give ref's im2col + gemm_int integers exactly, in the caller's accumulator: through
// ops/conv.ts convWeightGradIntDirect ('same' convs, the accumulator convWeightGradInt picks),
// and called directly at padding 0 and 2 (tiles past odd edges); odd planes and channel counts,
// one image and many, every value -128 (the largest products, all of one sign), mixed signs at
// the extremes, all zeros; 2 threads give the 1-thread bits. Declined: int16 operands, other
// kernels and strides, fewer than 8 input channels, and batches whose tile sums could pass
// int32 (over 8224 tiles).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import {
  convWeightGradInt,
  convWeightGradIntDirect,
  weightGradInt8Direct,
} from '../../src/ops/conv.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { assertSameArray, convGeom, randInts, seeded } from './helpers.js';

/** N, C, H, W, padding, M (error channels), and every e / x value `fill` where given. */
type Case = [number, number, number, number, number, number, number?, number?];

const CASES: Case[] = [
  [1, 8, 2, 2, 1, 1],
  [1, 9, 3, 5, 1, 2], // odd planes: tiles past the edge
  [3, 8, 7, 9, 1, 6],
  [2, 11, 8, 8, 1, 5],
  [3, 8, 2, 32, 1, 7],
  [9, 16, 32, 32, 1, 17],
  [32, 16, 32, 32, 1, 16], // ResNet-20's first stage: 8192 tiles, the int32 limit's side
  [40, 8, 8, 8, 1, 4],
  [5, 8, 6, 10, 0, 3], // padding 0 and 2: called directly
  [2, 9, 5, 7, 2, 4],
  [3, 8, 8, 16, 1, 5, -128, -128],
  [3, 8, 8, 16, 1, 5, 127, -128],
  [3, 8, 8, 16, 1, 5, -128, 127],
  [3, 8, 8, 16, 1, 5, 0, 0],
];

/** (A, B, R) -> (B, A, R). */
function swap(src: Int8Array, A: number, B: number, R: number): Int8Array {
  const out = new Int8Array(src.length);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++)
      out.set(src.subarray((a * B + b) * R, (a * B + b + 1) * R), (b * A + a) * R);
  return out;
}

function ints(rng: ReturnType<typeof seeded>, n: number, fill?: number): Int8Array {
  if (fill !== undefined) return new Int8Array(n).fill(fill);
  return Int8Array.from(randInts(rng, n, -128, 127));
}

/** ref's dW: im2col + gemm_int on e's rows, the accumulator convWeightGradInt picks. */
function want(g: ConvGeom, e: Int8Array, x: Int8Array, M: number): Int32Array | Float64Array {
  const R = g.OH * g.OW;
  const col = new Int8Array(g.C * 9 * g.N * R);
  refKernels.im2col(g, x, col);
  return convWeightGradInt(refKernels, g, swap(e, g.N, M, R), col, M, null, x);
}

function check(k: Kernels, threads: number): (Int32Array | Float64Array)[] {
  const outputs: (Int32Array | Float64Array)[] = [];
  const rng = seeded(37);
  for (const [N, C, H, W, pad, M, fillE, fillX] of CASES) {
    const g = convGeom(N, C, H, W, 3, 3, 1, pad);
    const what = `${threads} thread(s) N${N} C${C} ${H}x${W} pad ${pad} M${M} e${fillE ?? ''}`;
    const e = ints(rng, N * M * g.OH * g.OW, fillE);
    const x = ints(rng, N * C * H * W, fillX);
    const w = want(g, e, x, M);
    let got: Int32Array | Float64Array | null;
    if (pad === 1) got = convWeightGradIntDirect(k, g, e, x, M);
    else {
      got = new (w.constructor as typeof Int32Array)(w.length).fill(7);
      assert.ok(k.conv_weight_grad_int!(g, e, M, x, got, 128, 128), `${what}: taken`);
    }
    assert.ok(got, `${what}: taken`);
    assert.equal(got.constructor, w.constructor, `${what}: accumulator type`);
    assertSameArray(got, w, `${what}: = ref im2col + gemm_int`, C * 9);
    outputs.push(got);
  }
  return outputs;
}

const k = await loadWasmKernels();
describe('wasm conv_weight_grad_int = ref im2col + gemm_int', { skip: !k && 'no SIMD128' }, () => {
  it('declines what it does not run', () => {
    const g = convGeom(2, 8, 8, 8, 3, 3, 1, 1);
    const x = new Int8Array(2 * 8 * 64).fill(1);
    const e = new Int8Array(2 * 4 * 64).fill(1);
    assert.ok(weightGradInt8Direct(k!, g), '3x3 stride-1 convs are planned direct');
    // Fewer than 8 input channels: im2col + gemm_int (cheaper than the transforms there).
    const c3 = convGeom(2, 3, 8, 8, 3, 3, 1, 1);
    assert.equal(weightGradInt8Direct(k!, c3), false);
    assert.equal(convWeightGradIntDirect(k!, c3, e, new Int8Array(2 * 3 * 64), 4), null);
    const stride2 = convGeom(2, 8, 8, 8, 3, 3, 2, 1);
    assert.equal(weightGradInt8Direct(k!, stride2), false);
    assert.equal(convWeightGradIntDirect(k!, stride2, new Int8Array(2 * 4 * 16), x, 4), null);
    const k5 = convGeom(2, 8, 8, 8, 5, 5, 1, 2);
    assert.equal(weightGradInt8Direct(k!, k5), false);
    assert.equal(convWeightGradIntDirect(k!, g, e, new Int16Array(x.length), 4), null, 'mixed');
    const e16 = new Int16Array(e.length).fill(1);
    assert.equal(convWeightGradIntDirect(k!, g, e16, new Int16Array(x.length), 4), null, 'int16');
    // 33 images of 32x32: 8448 tiles, 8448 * 512 * 510 > 2^31 - 1.
    const big = convGeom(33, 8, 32, 32, 3, 3, 1, 1);
    const eb = new Int8Array(33 * 8 * 1024).fill(-128);
    assert.equal(convWeightGradIntDirect(k!, big, eb, eb, 8), null, 'tile sums past int32');
    // A backend spreading these kernels as its base (native's) keeps its own route.
    const other: Kernels = { ...k!, name: 'other' };
    assert.equal(weightGradInt8Direct(other, g), false, 'not planned on another table');
    assert.equal(convWeightGradIntDirect(other, g, e, x, 4), null, 'declined on another table');
  });
  it('1 and 2 threads: ref bits', async () => {
    await k!.setThreads?.(1);
    const one = check(k!, 1);
    await k!.setThreads?.(2);
    const two = check(k!, 2);
    await k!.setThreads?.(1);
    one.forEach((o, i) => assertSameArray(two[i], o, `2 threads = 1 thread (case ${i})`, 1));
  });
});
