// SPDX-License-Identifier: MIT
// The exact wide integer GEMM (Float64Array C) where one int16 operand spans its range and the
// other is moderate (WAGEUBN's dW = E x cols^T: 16-bit errors against ~11-bit activations):
// int32 chunk sums of a few dozen to a few hundred depth, added into float64 C (the native
// AVX-512 tileF64 route). Ragged shapes x transposes x accumulate vs ref, with and without the
// caller's max |a|, max |b| bounds (GemmShape maxA, maxB: exact, loose, and type-wide); the
// overflow edges (every product at its maximum, chunk depth at the int32 bound); and the same
// bits on 1 and 2 threads.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmShape } from '../../src/kernels/spec.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';
import { expectedInt, fillRange, maxAbs, TRANS } from './gemm-grid.js';

const SIZES = [1, 9, 33, 40];
const DEPTHS = [1, 31, 32, 33, 257, 2050];
/** |b| amplitudes: int32 chunk depths of 2^31 / (32768 amp) = 16 (limb route), 43, 93, 512. */
const AMPS = [4096, 1500, 700, 128];

type Hint = 'none' | 'exact' | 'loose' | 'type';

function hinted(g: GemmShape, a: IntArray, b: IntArray, hint: Hint): GemmShape {
  if (hint === 'none') return g;
  if (hint === 'type') return { ...g, maxA: 32768, maxB: 32768 };
  const loose = hint === 'loose' ? 3 : 0;
  return { ...g, maxA: maxAbs(a) + loose, maxB: maxAbs(b) + loose };
}

for (const be of await fastBackends()) {
  describe(
    `gemm_int Float64Array C, int16 x moderate int16 on ${be.name}`,
    { skip: be.skip },
    () => {
      const k = be.k!;

      it('equals ref on a ragged grid, transposes, accumulate, with and without max bounds', () => {
        let seed = 500;
        let cases = 0;
        const hints: Hint[] = ['none', 'exact', 'loose', 'type'];
        for (const M of SIZES)
          for (const N of SIZES)
            for (const K of DEPTHS)
              for (const [transA, transB] of TRANS) {
                seed++;
                const amp = AMPS[seed % AMPS.length]!;
                const g: GemmShape = { M, N, K, transA, transB, accumulate: seed % 3 === 0 };
                const a = fillRange(Int16Array, M * K, seed, 32768);
                const b = fillRange(Int16Array, K * N, seed + 1, amp);
                const c0 = Float64Array.from(
                  randInts(seeded(seed + 2), M * N, -(2 ** 40), 2 ** 40),
                );
                const want = expectedInt(g, a, b, c0);
                const hint = hints[seed % hints.length]!;
                const got = Float64Array.from(c0);
                k.gemm_int(hinted(g, a, b, hint), a, b, got);
                const what = `M=${M} N=${N} K=${K} amp=${amp} transA=${transA} transB=${transB} acc=${!!g.accumulate} hint=${hint}`;
                assertSameArray(got, want, what, N);
                cases++;
              }
        assert.equal(cases, SIZES.length ** 2 * DEPTHS.length * TRANS.length);
      });

      it('every product at its maximum: sums of K * 2^22, 2^26, 2^27 over long depths', () => {
        // -32768 x -128: chunks of 511 depth; x -2048: 31 (tileF64 flushes every 15 groups);
        // x -4096: 15 (below the tileF64 route's least chunk: the limb split).
        for (const bv of [-128, -2048, -4096])
          for (const K of [1, 15, 16, 30, 31, 32, 511, 512, 513, 3001])
            for (const hint of ['none', 'exact'] as const) {
              const g: GemmShape = { M: 9, N: 35, K, transB: true };
              const a = new Int16Array(9 * K).fill(-32768);
              const b = new Int16Array(35 * K).fill(bv);
              const c = new Float64Array(9 * 35).fill(7);
              k.gemm_int(hinted(g, a, b, hint), a, b, c);
              const want = K * 32768 * -bv;
              for (let i = 0; i < c.length; i++) assert.equal(c[i], want, `b=${bv} K=${K} ${i}`);
              // int8 B: the int16 x int8 pair (int8 stored) against the same sums.
              if (bv === -128) {
                const b8 = new Int8Array(35 * K).fill(-128);
                k.gemm_int(hinted(g, a, b8, hint), a, b8, c);
                for (let i = 0; i < c.length; i++) assert.equal(c[i], want, `i8 K=${K} ${i}`);
              }
            }
      });

      it(
        'the same bits on 1 and 2 threads (native)',
        { skip: !be.name.startsWith('native') },
        async () => {
          const before = getNativeThreads();
          after(() => setNativeThreads(before));
          const g: GemmShape = { M: 48, N: 144, K: 8200, transB: true };
          const a = fillRange(Int16Array, g.M * g.K, 91, 32768);
          const b = fillRange(Int16Array, g.N * g.K, 92, 1100);
          const want = expectedInt(g, a, b, new Float64Array(g.M * g.N));
          for (const t of [1, 2]) {
            await setNativeThreads(t);
            const got = new Float64Array(g.M * g.N);
            k.gemm_int(hinted(g, a, b, 'exact'), a, b, got);
            assertSameArray(got, want, `threads=${t}`, g.N);
          }
        },
      );
    },
  );
}
