// SPDX-License-Identifier: MIT
// The direct integer weight gradient (native conv_weight_grad_int, ops/conv.ts
// convWeightGradIntDirect): int16 error (N, M, R) as it comes and int16 x, read from x's
// shifted planes. It must give ref's im2col + gemm_int integers and accumulator type
// (convWeightGradInt on ref) exactly: ragged planes (R a multiple of 32), row and column
// counts not a multiple of 4, 1x3 and 5x5 kernels, int32 and float64 accumulators, values at
// the int32 flush bound (one and few 32-pixel steps per flush, all products of one sign), and
// values too wide for one step (the route declines: null). 2 threads give the 1-thread bits.
// Instruction sets without the kernel decline every geometry (Conv2d keeps im2col + gemm_int).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { convWeightGradInt, convWeightGradIntDirect } from '../../src/ops/conv.js';
import { assertSameArray, nativeBackends, randInts, seeded, isAvx512Backend } from './helpers.js';

/** A stride-1 'same' conv: KH x KW kernel, padding (K - 1) / 2. */
function same(N: number, C: number, H: number, W: number, KH = 3, KW = 3): ConvGeom {
  const padH = (KH - 1) / 2;
  const padW = (KW - 1) / 2;
  return { N, C, H, W, KH, KW, strideH: 1, strideW: 1, padH, padW, OH: H, OW: W };
}

/** geometry, M, |e| range, |x| range (values drawn in [-max, max], or all = max if `fill`). */
interface Case {
  g: ConvGeom;
  M: number;
  maxE: number;
  maxX: number;
  fill?: boolean;
}

const CASES: Case[] = [
  { g: same(1, 1, 4, 8), M: 1, maxE: 3, maxX: 3 }, // int32 dW
  { g: same(2, 3, 8, 8), M: 5, maxE: 300, maxX: 127 },
  { g: same(3, 2, 2, 16), M: 7, maxE: 32767, maxX: 127 },
  { g: same(2, 5, 16, 16), M: 6, maxE: 1000, maxX: 1000 },
  { g: same(2, 3, 5, 32, 5, 5), M: 3, maxE: 200, maxX: 200 }, // 5x5 pad 2
  { g: same(2, 4, 8, 4, 1, 3), M: 9, maxE: 50, maxX: 9 }, // 1x3 pad (0, 1)
  { g: same(5, 16, 32, 32), M: 17, maxE: 255, maxX: 127 }, // ResNet-20 32x32, several slices
  { g: same(33, 4, 8, 8), M: 4, maxE: 120, maxX: 127 }, // slices of 32 images, a ragged last one
  // 8192+ pixels a thread on 2 threads: split by images, each thread's sums added at the end.
  { g: same(17, 3, 32, 32), M: 5, maxE: 32767, maxX: 127 },
  // At the flush bound, every product of one sign: 2^31 - 1 / (32767 * 20000) = 3 products per
  // lane (one step of 2 per flush); 32767 * 1024: 64 (32 steps, 1024 pixels, mid-slice).
  { g: same(2, 2, 16, 16), M: 5, maxE: 32767, maxX: 20000, fill: true },
  { g: same(9, 3, 8, 8), M: 4, maxE: 32767, maxX: 1024, fill: true },
  { g: same(9, 3, 8, 8), M: 4, maxE: -32768, maxX: 1024, fill: true },
  { g: same(18, 2, 32, 32), M: 4, maxE: -32768, maxX: 1024, fill: true },
];

/** (A, B, R) -> (B, A, R). */
function swap(src: Int16Array, A: number, B: number, R: number): Int16Array {
  const out = new Int16Array(src.length);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++)
      out.set(src.subarray((a * B + b) * R, (a * B + b + 1) * R), (b * A + a) * R);
  return out;
}

function ints(rng: ReturnType<typeof seeded>, n: number, max: number, fill?: boolean): Int16Array {
  if (fill) return new Int16Array(n).fill(max);
  return Int16Array.from(randInts(rng, n, -max, max));
}

/** ref's dW: im2col + gemm_int on e's rows, the accumulator convWeightGradInt picks. */
function want(g: ConvGeom, eb: Int16Array, x: Int16Array, M: number): Int32Array | Float64Array {
  const R = g.OH * g.OW;
  const col = new Int16Array(g.C * g.KH * g.KW * g.N * R);
  refKernels.im2col(g, x, col);
  return convWeightGradInt(refKernels, g, swap(eb, g.N, M, R), col, M, null, x);
}

function check(k: Kernels, name: string): (Int32Array | Float64Array)[] {
  const outputs: (Int32Array | Float64Array)[] = [];
  const rng = seeded(29);
  for (const { g, M, maxE, maxX, fill } of CASES) {
    const what = `${name} N${g.N} C${g.C} ${g.H}x${g.W} k${g.KH}x${g.KW} M${M} |e|${maxE}`;
    const R = g.OH * g.OW;
    const eb = ints(rng, g.N * M * R, maxE, fill);
    const x = ints(rng, g.N * g.C * g.H * g.W, maxX, fill);
    const got = convWeightGradIntDirect(k, g, eb, x, M);
    assert.ok(got, `${what}: taken`);
    const w = want(g, eb, x, M);
    assert.equal(got.constructor, w.constructor, `${what}: accumulator type`);
    assertSameArray(got, w, `${what}: = ref im2col + gemm_int`, g.C * g.KH * g.KW);
    outputs.push(got);
  }
  return outputs;
}

const backends = await nativeBackends();
describe('conv_weight_grad_int = ref im2col + gemm_int exactly (stride-1 same convs, int16)', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      const k = b.k!;
      const g = same(2, 3, 8, 8);
      const e = new Int16Array(2 * 4 * 64).fill(1);
      const x = new Int16Array(2 * 3 * 64).fill(1);
      if (!isAvx512Backend(b.name)) {
        assert.equal(convWeightGradIntDirect(k, g, e, x, 4), null, 'declined: no kernel');
        return;
      }
      assert.ok(k.conv_weight_grad_int, 'the AVX-512 VNNI kernels have it');
      // Declined: stride 2 and int8 x; on AVX-512 VNNI also planes not a multiple of 32
      // pixels and values whose two products per lane could pass int32 (2 * 32768 * 32768).
      // AMX tiles take those exactly (conv-wgrad-amx.test.ts checks them against ref).
      const stride2 = { ...same(2, 3, 8, 8), strideH: 2, strideW: 2, OH: 4, OW: 4 };
      assert.equal(convWeightGradIntDirect(k, stride2, new Int16Array(32), x, 1), null);
      assert.equal(convWeightGradIntDirect(k, g, e, new Int8Array(x.length), 4), null);
      if (b.name === 'native-avx512vnni') {
        const odd = same(1, 1, 3, 5);
        assert.equal(
          convWeightGradIntDirect(k, odd, new Int16Array(15), new Int16Array(15), 1),
          null,
        );
        const wide = new Int16Array(e.length).fill(-32768);
        assert.equal(
          convWeightGradIntDirect(k, g, wide, new Int16Array(x.length).fill(-32768), 4),
          null,
        );
      }
      await setNativeThreads(1);
      const one = check(k, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = check(k, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});
