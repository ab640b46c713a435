// SPDX-License-Identifier: MIT
// The exact wide integer GEMM (Float64Array C) on every fast backend vs ref: full-range int8,
// int16 and 24-bit int32-stored operands whose sums pass int32 by far, on the ragged grid x
// transposes x operand types, accumulate onto large C; the worst cases (all -32768, 24-bit
// extremes); and the limb plan's invariants (no int32 partial sum can overflow).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmShape } from '../../src/kernels/spec.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { limbMax, planWide } from '../../src/kernels/wasm/gemm-wide.js';
import { KIND_I16, KIND_I32, KIND_I8 } from '../../src/kernels/wasm/codes.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';
import { expectedInt, fillFull, maxAbs, TRANS } from './gemm-grid.js';

type Maker = [string, (n: number, seed: number) => IntArray];
const I24 = 2 ** 23;
const OPERANDS: Maker[] = [
  ['i8', (n, s) => fillFull(Int8Array, n, s)],
  ['i16', (n, s) => fillFull(Int16Array, n, s)],
  ['i24', (n, s) => Int32Array.from(randInts(seeded(s), n, -I24, I24 - 1))],
];
const SIZES = [1, 7, 33, 50];
const DEPTHS = [1, 9, 120, 530];

for (const be of await fastBackends()) {
  describe(`gemm_int Float64Array C (exact wide sums) on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('equals ref on a ragged grid of every operand pair, transposes, accumulate', () => {
      let seed = 1;
      let overflowing = 0;
      let cases = 0;
      for (const M of SIZES)
        for (const N of SIZES)
          for (const K of DEPTHS)
            for (const [transA, transB] of TRANS)
              for (const [na, ma] of OPERANDS)
                for (const [nb, mb] of OPERANDS) {
                  seed++;
                  const g: GemmShape = { M, N, K, transA, transB, accumulate: seed % 3 === 0 };
                  const a = ma(M * K, seed);
                  const b = mb(K * N, seed + 1);
                  // Only inside the exact domain (|sums| < 2^53): not i24 x i24 at K = 530.
                  if (K * maxAbs(a) * maxAbs(b) + 2 ** 40 > 2 ** 53) continue;
                  cases++;
                  const c0 = Float64Array.from(
                    randInts(seeded(seed + 2), M * N, -(2 ** 40), 2 ** 40),
                  );
                  const want = expectedInt(g, a, b, c0);
                  if (K * maxAbs(a) * maxAbs(b) > 2 ** 31) overflowing++;
                  const got = Float64Array.from(c0);
                  k.gemm_int(g, a, b, got);
                  const what = `${na}x${nb} M=${M} N=${N} K=${K} transA=${transA} transB=${transB} acc=${!!g.accumulate}`;
                  assertSameArray(got, want, what, N);
                }
      assert.equal(cases, SIZES.length ** 2 * TRANS.length * (DEPTHS.length * 9 - 1));
      assert.ok(overflowing > 500, `${overflowing} cases pass int32: the split is exercised`);
    });

    it('the worst cases: every product -32768 * -32768, and 24-bit extremes', () => {
      for (const K of [1, 2, 3, 255, 256, 257, 1030]) {
        const g: GemmShape = { M: 5, N: 9, K };
        const c = new Float64Array(45);
        k.gemm_int(g, new Int16Array(5 * K).fill(-32768), new Int16Array(9 * K).fill(-32768), c);
        for (let i = 0; i < 45; i++) assert.equal(c[i], K * 2 ** 30, `K=${K} index ${i}`);
        const lo = new Int32Array(5 * K).fill(-I24);
        const hi = new Int32Array(9 * K).fill(I24 - 1);
        k.gemm_int(g, lo, hi, c);
        for (let i = 0; i < 45; i++) assert.equal(c[i], -K * I24 * (I24 - 1), `i24 K=${K} ${i}`);
      }
    });

    it('an Int32Array C of int32-stored operands gets the exact sums (caller bounded them)', () => {
      const g: GemmShape = { M: 9, N: 11, K: 13, transB: true, accumulate: true };
      const a = Int32Array.from(randInts(seeded(21), 117, -(2 ** 12), 2 ** 12));
      const b = Int32Array.from(randInts(seeded(22), 143, -(2 ** 12), 2 ** 12));
      const c0 = Int32Array.from(randInts(seeded(23), 99, -1000, 1000));
      const got = Int32Array.from(c0);
      k.gemm_int(g, a, b, got);
      assertSameArray(got, expectedInt(g, a, b, c0), 'i32xi32 into int32', 11);
    });

    it('past 2^53 the reference float64 loop defines the result, as on ref', () => {
      const g: GemmShape = { M: 2, N: 3, K: 40 };
      const a = Int32Array.from(randInts(seeded(31), 80, -(2 ** 30), 2 ** 30));
      const b = Int32Array.from(randInts(seeded(32), 120, -(2 ** 30), 2 ** 30));
      const want = new Float64Array(6);
      refKernels.gemm_int(g, a, b, want);
      const got = new Float64Array(6);
      k.gemm_int(g, a, b, got);
      assertSameArray(got, want, 'beyond 2^53', 3);
    });
  });
}

describe('planWide: limbs and chunk depth of the wide GEMM', () => {
  const kinds = [KIND_I8, KIND_I16, KIND_I32] as const;
  it('no int32 partial sum can overflow, and every top limb fits int16', () => {
    for (const K of [1, 7, 64, 1000, 40000])
      for (const maxA of [0, 1, 127, 128, 16383, 32767, 32768, 2 ** 23, 2 ** 31])
        for (const maxB of [1, 128, 32768, 2 ** 23])
          for (const kindA of kinds)
            for (const kindB of kinds) {
              if ((kindA === KIND_I8 && maxA > 128) || (kindA === KIND_I16 && maxA > 32768))
                continue;
              if ((kindB === KIND_I8 && maxB > 128) || (kindB === KIND_I16 && maxB > 32768))
                continue;
              const p = planWide(K, maxA, maxB, kindA, kindB);
              const what = `K=${K} maxA=${maxA} maxB=${maxB} -> ${JSON.stringify(p)}`;
              assert.ok(p.chunk >= 1 && p.chunk <= Math.max(1, K), what);
              const worst = p.chunk * limbMax(maxA, p.limbsA) * limbMax(maxB, p.limbsB);
              assert.ok(worst <= 2 ** 31 - 1, `${what}: chunk sum ${worst}`);
              for (const [max, L, kind] of [
                [maxA, p.limbsA, kindA],
                [maxB, p.limbsB, kindB],
              ] as const) {
                const top = Math.ceil(max / 2 ** (8 * (L - 1)));
                assert.ok(kind !== KIND_I32 || top <= 32767 || L === 4, `${what}: top limb ${top}`);
              }
            }
  });

  it('splits only where it pays: int16 x int8 stays whole, int16 x int16 splits one side', () => {
    assert.deepEqual(planWide(1000, 32767, 127, KIND_I16, KIND_I8), {
      limbsA: 1,
      limbsB: 1,
      chunk: 516,
    });
    const p = planWide(1000, 32768, 32768, KIND_I16, KIND_I16);
    assert.equal(p.limbsA * p.limbsB, 2);
    assert.ok(p.chunk >= 256, `chunk ${p.chunk}`);
    assert.deepEqual(planWide(100, 2 ** 23 - 1, 127, KIND_I32, KIND_I8).limbsA, 2);
    assert.deepEqual(planWide(100, 2 ** 23, 127, KIND_I32, KIND_I8).limbsA, 4); // 3 packed as 4
  });
});
