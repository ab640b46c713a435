// SPDX-License-Identifier: MIT
// The direct int8 weight gradient (native conv_weight_grad_int on Int8Arrays, ops/conv.ts
// convWeightGradIntDirect): int8 error (N, M, R) as it comes and int8 x, read from x's shifted
// planes with vpdpbusd (on a padded grid, x shifted to uint8, the sums corrected by 128 times
// each error row's sum). It must give ref's im2col + gemm_int integers and accumulator type
// (convWeightGradInt on ref) exactly: ragged and odd planes, row and column counts
// not a multiple of 4, 1x3 and 5x5 kernels, slices of several images and a ragged last slice,
// -128 everywhere (the largest products, all of one sign) and the int32 bound passed (a float64
// accumulator: 129 images of 32x32, 132096 * 128 * 128 > 2^31). 2 threads give the 1-thread
// bits. Instruction sets without the kernel decline (Conv2d keeps im2col + gemm_int). On
// avx512amx the sums run on AMX tiles (16 channels at one tap by 16 error rows).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import {
  convWeightGradInt,
  convWeightGradIntDirect,
  weightGradInt8Direct,
} from '../../src/ops/conv.js';
import { assertSameArray, nativeBackends, randInts, seeded, isAvx512Backend } from './helpers.js';

/** A stride-1 'same' conv: KH x KW kernel, padding (K - 1) / 2. */
function same(N: number, C: number, H: number, W: number, KH = 3, KW = 3): ConvGeom {
  const padH = (KH - 1) / 2;
  const padW = (KW - 1) / 2;
  return { N, C, H, W, KH, KW, strideH: 1, strideW: 1, padH, padW, OH: H, OW: W };
}

/** geometry, M, e and x: drawn in [-128, 127], or every element `fill`. */
interface Case {
  g: ConvGeom;
  M: number;
  fillE?: number;
  fillX?: number;
  /** The accumulator convWeightGradInt picks (int32 unless the bound passes 2^31 - 1). */
  acc?: 'f64';
}

const CASES: Case[] = [
  { g: same(1, 1, 8, 8), M: 1 },
  { g: same(1, 1, 3, 5), M: 2 }, // a grid of 1 * 4 * 6 = 24 positions, one vector
  { g: same(3, 2, 7, 9), M: 6 }, // odd planes
  { g: same(2, 3, 8, 8), M: 5 },
  { g: same(3, 2, 2, 32), M: 7 },
  { g: same(2, 5, 16, 16), M: 6 },
  { g: same(2, 3, 4, 32, 5, 5), M: 3 }, // 5x5 pad 2 on 4-row planes (taps wholly outside)
  { g: same(2, 4, 8, 8, 1, 3), M: 9 }, // 1x3 pad (0, 1)
  // Slices of 8192 grid positions: 9 images of 33 x 33 positions take 2, 220 of 9 x 9 take 3,
  // the last ragged.
  { g: same(9, 16, 32, 32), M: 17 }, // ResNet-20 32x32
  { g: same(220, 4, 8, 8), M: 4 },
  { g: same(3, 3, 8, 16), M: 5, fillE: -128, fillX: -128 },
  { g: same(3, 3, 8, 16), M: 5, fillE: 127, fillX: -128 },
  { g: same(3, 3, 8, 16), M: 5, fillE: -128, fillX: 127 },
  { g: same(129, 1, 32, 32), M: 2, fillE: -128, fillX: -128, acc: 'f64' },
  // Split by grid positions on 2 or more threads (at least 8192 positions a thread): 17 images
  // in ragged layout tasks, the split inside an image's positions (64-aligned).
  { g: same(17, 3, 32, 32), M: 5 },
  { g: same(25, 2, 31, 30), M: 6, fillE: -128, fillX: -128 },
  // AMX (avx512amx): blocks of 16 channels and 16 error rows, ragged; groups of 4 (channel
  // block, tap) columns with a ragged last group.
  { g: same(2, 17, 6, 7), M: 33 },
  { g: same(1, 64, 8, 8), M: 64 },
  { g: same(2, 17, 5, 6, 5, 5), M: 3 },
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
function want(g: ConvGeom, eb: Int8Array, x: Int8Array, M: number): Int32Array | Float64Array {
  const R = g.OH * g.OW;
  const col = new Int8Array(g.C * g.KH * g.KW * g.N * R);
  refKernels.im2col(g, x, col);
  return convWeightGradInt(refKernels, g, swap(eb, g.N, M, R), col, M, null, x);
}

function check(k: Kernels, name: string): (Int32Array | Float64Array)[] {
  const outputs: (Int32Array | Float64Array)[] = [];
  const rng = seeded(31);
  for (const { g, M, fillE, fillX, acc } of CASES) {
    const what = `${name} N${g.N} C${g.C} ${g.H}x${g.W} k${g.KH}x${g.KW} M${M} e${fillE ?? ''}`;
    const R = g.OH * g.OW;
    const eb = ints(rng, g.N * M * R, fillE);
    const x = ints(rng, g.N * g.C * g.H * g.W, fillX);
    const got = convWeightGradIntDirect(k, g, eb, x, M);
    assert.ok(got, `${what}: taken`);
    const w = want(g, eb, x, M);
    assert.equal(got.constructor, w.constructor, `${what}: accumulator type`);
    assert.equal(w instanceof Float64Array, acc === 'f64', `${what}: the case's accumulator`);
    assertSameArray(got, w, `${what}: = ref im2col + gemm_int`, g.C * g.KH * g.KW);
    outputs.push(got);
  }
  return outputs;
}

const backends = await nativeBackends();
describe('conv_weight_grad_int = ref im2col + gemm_int exactly (stride-1 same convs, int8)', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      const k = b.k!;
      const g = same(2, 3, 8, 8);
      const e = new Int8Array(2 * 4 * 64).fill(1);
      const x = new Int8Array(2 * 3 * 64).fill(1);
      if (!isAvx512Backend(b.name)) {
        assert.equal(weightGradInt8Direct(k, g), false, 'not planned: no kernel');
        assert.equal(convWeightGradIntDirect(k, g, e, x, 4), null, 'declined: no kernel');
        return;
      }
      assert.ok(weightGradInt8Direct(k, g), 'the AVX-512 VNNI kernels plan it');
      // Declined: stride 2, a pad past the kernel, and mixed int8 / int16 operands.
      const padded = { ...same(2, 3, 8, 8), padH: 3, padW: 3, OH: 12, OW: 12 };
      assert.equal(weightGradInt8Direct(k, padded), false);
      const stride2 = { ...same(2, 3, 8, 8), strideH: 2, strideW: 2, OH: 4, OW: 4 };
      assert.equal(weightGradInt8Direct(k, stride2), false);
      assert.equal(convWeightGradIntDirect(k, stride2, new Int8Array(32), x, 1), null);
      assert.equal(convWeightGradIntDirect(k, g, e, new Int16Array(x.length), 4), null);
      await setNativeThreads(1);
      const one = check(k, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = check(k, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});
