// SPDX-License-Identifier: MIT
// The conv weight gradient on AMX tiles (native/src/conv-wgrad-amx.h, instruction set
// avx512amx): conv_weight_grad_int on int8 and on int16 e and x must give ref's im2col +
// gemm_int integers and accumulator type exactly. The int16 operands run as byte planes whose
// products sum in separate int32 tiles, so no bound from the values is needed: the whole int16
// range (-32768 everywhere: the largest products, all of one sign), planes of any size. Convs
// of fewer than 8 input or output channels keep the AVX-512 VNNI routes (a 16-row tile would be
// mostly padding): checked below. Cases cover channels and output channels short of, at and
// past a 16-row tile, odd planes, 1x3 and 5x5 kernels, several 8192-position pieces and a
// ragged last one, and int32 and float64 accumulators; 2 threads give the 1-thread bits. Other instruction sets: conv-wgrad-i8 and
// conv-wgrad-int tests.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { convWeightGradInt, convWeightGradIntDirect } from '../../src/ops/conv.js';
import { assertSameArray, nativeBackends, randInts, seeded } from './helpers.js';

/** A stride-1 'same' conv: KH x KW kernel, padding (K - 1) / 2. */
function same(N: number, C: number, H: number, W: number, KH = 3, KW = 3): ConvGeom {
  const padH = (KH - 1) / 2;
  const padW = (KW - 1) / 2;
  return { N, C, H, W, KH, KW, strideH: 1, strideW: 1, padH, padW, OH: H, OW: W };
}

type Ints = Int8Array | Int16Array;

/** geometry, M, element bytes, and e, x drawn in the type's range or every element `fill`. */
interface Case {
  g: ConvGeom;
  M: number;
  bytes: 1 | 2;
  fillE?: number;
  fillX?: number;
}

const CASES: Case[] = [
  { g: same(3, 8, 7, 9), M: 8, bytes: 1 }, // odd planes, the fewest channels AMX takes
  { g: same(2, 17, 8, 8), M: 33, bytes: 1 }, // past one tile of channels and of outputs
  { g: same(2, 16, 8, 8), M: 16, bytes: 1 }, // exactly one tile each
  { g: same(2, 9, 4, 32, 5, 5), M: 10, bytes: 1 }, // 5x5 pad 2 (taps wholly outside)
  { g: same(2, 12, 8, 8, 1, 3), M: 9, bytes: 1 }, // 1x3 pad (0, 1)
  { g: same(9, 16, 32, 32), M: 17, bytes: 1 }, // ResNet-20 32x32: 2 pieces, the last ragged
  { g: same(3, 8, 8, 16), M: 8, bytes: 1, fillE: -128, fillX: -128 },
  { g: same(129, 8, 32, 32), M: 8, bytes: 1, fillE: -128, fillX: -128 }, // float64 dW
  { g: same(1, 8, 3, 5), M: 8, bytes: 2 }, // a plane of 15 pixels (VNNI: multiples of 32 only)
  { g: same(3, 8, 7, 9), M: 8, bytes: 2 },
  { g: same(2, 17, 8, 8), M: 33, bytes: 2 },
  { g: same(2, 9, 4, 32, 5, 5), M: 10, bytes: 2 },
  { g: same(2, 12, 8, 8, 1, 3), M: 9, bytes: 2 },
  { g: same(9, 16, 32, 32), M: 17, bytes: 2 },
  { g: same(3, 8, 8, 16), M: 8, bytes: 2, fillE: -32768, fillX: -32768 },
  { g: same(3, 8, 8, 16), M: 8, bytes: 2, fillE: 32767, fillX: -32768 },
  { g: same(40, 8, 16, 16), M: 8, bytes: 2, fillE: -32768, fillX: -32768 }, // 2 pieces
  { g: same(2, 8, 4, 4), M: 8, bytes: 2, fillE: 3, fillX: -2 }, // int32 dW
];

/** (A, B, R) -> (B, A, R). */
function swap(src: Ints, A: number, B: number, R: number): Ints {
  const out = src instanceof Int8Array ? new Int8Array(src.length) : new Int16Array(src.length);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++)
      out.set(src.subarray((a * B + b) * R, (a * B + b + 1) * R), (b * A + a) * R);
  return out;
}

function ints(rng: ReturnType<typeof seeded>, n: number, bytes: 1 | 2, fill?: number): Ints {
  const lim = bytes === 1 ? 128 : 32768;
  const v = fill !== undefined ? new Array<number>(n).fill(fill) : randInts(rng, n, -lim, lim - 1);
  return bytes === 1 ? Int8Array.from(v) : Int16Array.from(v);
}

/** ref's dW: im2col + gemm_int on e's rows, the accumulator convWeightGradInt picks. */
function want(g: ConvGeom, eb: Ints, x: Ints, M: number): Int32Array | Float64Array {
  const R = g.OH * g.OW;
  const n = g.C * g.KH * g.KW * g.N * R;
  const col = x instanceof Int8Array ? new Int8Array(n) : new Int16Array(n);
  refKernels.im2col(g, x, col);
  return convWeightGradInt(refKernels, g, swap(eb, g.N, M, R), col, M, null, x);
}

function check(k: Kernels, name: string): (Int32Array | Float64Array)[] {
  const outputs: (Int32Array | Float64Array)[] = [];
  const rng = seeded(37);
  for (const { g, M, bytes, fillE, fillX } of CASES) {
    const what = `${name} int${8 * bytes} N${g.N} C${g.C} ${g.H}x${g.W} k${g.KH}x${g.KW} M${M} e${fillE ?? ''}`;
    const R = g.OH * g.OW;
    const eb = ints(rng, g.N * M * R, bytes, fillE);
    const x = ints(rng, g.N * g.C * g.H * g.W, bytes, fillX);
    const got = convWeightGradIntDirect(k, g, eb, x, M);
    assert.ok(got, `${what}: taken`);
    const w = want(g, eb, x, M);
    assert.equal(got.constructor, w.constructor, `${what}: accumulator type`);
    assertSameArray(got, w, `${what}: = ref im2col + gemm_int`, g.C * g.KH * g.KW);
    outputs.push(got);
  }
  return outputs;
}

const amx = (await nativeBackends()).filter((b) => b.name === 'native-avx512amx');
describe('conv_weight_grad_int on AMX tiles = ref im2col + gemm_int exactly', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of amx)
    it(b.name, { skip: b.skip }, async () => {
      const k = b.k!;
      // 7 channels: not AMX; the VNNI int16 route declines values this wide (null).
      const g7 = same(2, 7, 8, 8);
      const wide = new Int16Array(2 * 8 * 64).fill(-32768);
      assert.equal(
        convWeightGradIntDirect(k, g7, wide, new Int16Array(2 * 7 * 64).fill(-32768), 8),
        null,
      );
      await setNativeThreads(1);
      const one = check(k, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = check(k, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});
