// SPDX-License-Identifier: MIT
// Integer GEMM A (M,K) x B (N,K)^T over long depths (conv weight gradients): int16 into
// Float64Array C through the unpacked dot route (exact, int32 lane sums widened every few
// steps), and int8 into Int32Array C (modulo 2^32) at the same shapes. Bit-exact vs ref over
// ragged M and N (dot blocks of 4 with repeated edge rows), depths across the 2048-deep slice
// edges and the 32-lane tails, accumulate; the overflow edges (every product at its maximum
// with the flush every 8 steps, int32 sums that wrap); the same bits on 1 and 2 threads.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmShape } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';
import { boundedCase, expectedInt, fillRange, maxAbs } from './gemm-grid.js';

const ROWS = [1, 5, 13];
const COLS = [3, 4, 18];
const DEPTHS = [512, 543, 2047, 2048, 2049, 4096, 4127];
/** |b| amplitudes against full-range int16 a: flushes every 8, 15, 46 and 255 steps. */
const AMPS = [4095, 2048, 700, 128];

for (const be of await fastBackends()) {
  describe(`gemm_int A x B^T over long depths on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('int16 x int16^T into Float64Array C equals ref on a ragged grid', () => {
      let seed = 40;
      for (const M of ROWS)
        for (const N of COLS)
          for (const K of DEPTHS) {
            seed++;
            const amp = AMPS[seed % AMPS.length]!;
            const g: GemmShape = { M, N, K, transB: true, accumulate: seed % 3 === 0 };
            const a = fillRange(Int16Array, M * K, seed, 32768);
            const b = fillRange(Int16Array, N * K, seed + 1, amp);
            // Fractional C: C + sum must round once, as the reference's loop does.
            const c0 = Float64Array.from(
              randInts(seeded(seed + 2), M * N, -(2 ** 40), 2 ** 40),
              (v) => v * 1024 + 0.375,
            );
            const want = expectedInt(g, a, b, c0);
            const hinted = seed % 2 ? { ...g, maxA: maxAbs(a), maxB: maxAbs(b) } : g;
            const got = Float64Array.from(c0);
            k.gemm_int(hinted, a, b, got);
            assertSameArray(got, want, `M=${M} N=${N} K=${K} amp=${amp} acc=${!!g.accumulate}`, N);
          }
    });

    it('int16 products at their maximum: int32 lanes flushed at the bound', () => {
      // -32768 x -4095: 16 products per lane reach 2^31 - 131071 (flush every 8 steps);
      // x -2048: every 15 steps.
      for (const bv of [-4095, -2048])
        for (const K of [512, 2049, 5000]) {
          const g: GemmShape = { M: 5, N: 6, K, transB: true, maxA: 32768, maxB: -bv };
          const a = new Int16Array(5 * K).fill(-32768);
          const b = new Int16Array(6 * K).fill(bv);
          const c = new Float64Array(5 * 6).fill(3);
          k.gemm_int(g, a, b, c);
          const want = K * 32768 * -bv;
          for (let i = 0; i < c.length; i++) assert.equal(c[i], want, `b=${bv} K=${K} ${i}`);
        }
    });

    it('int8 x int8^T into Int32Array C equals ref, sums that wrap modulo 2^32 too', () => {
      let seed = 900;
      for (const M of ROWS)
        for (const N of COLS)
          for (const K of [512, 577, 4095, 4096, 4097, 8200]) {
            seed++;
            const g: GemmShape = { M, N, K, transB: true, accumulate: seed % 2 === 0 };
            const { a, b, c0, what } = boundedCase(
              g,
              [Int8Array, Int8Array, 'i8xi8'],
              seed,
              seed % 3 ? 'a' : 'b',
            );
            const got = Int32Array.from(c0);
            k.gemm_int(g, a, b, got);
            assertSameArray(got, expectedInt(g, a, b, c0), what, N);
          }
      // -128 x -128 and 127 x -128 past int32: the Int32Array store's modulo 2^32.
      for (const [av, bv] of [
        [-128, -128],
        [127, -128],
      ]) {
        const K = 140000;
        const g: GemmShape = { M: 2, N: 3, K, transB: true };
        const a = new Int8Array(2 * K).fill(av);
        const b = new Int8Array(3 * K).fill(bv);
        const got = new Int32Array(6);
        k.gemm_int(g, a, b, got);
        assertSameArray(got, expectedInt(g, a, b, new Int32Array(6)), `wrap ${av} x ${bv}`, 3);
      }
    });

    it(
      'the same bits on 1 and 2 threads (native)',
      { skip: !be.name.startsWith('native') },
      async () => {
        const before = getNativeThreads();
        after(() => setNativeThreads(before));
        const g: GemmShape = { M: 18, N: 150, K: 8200, transB: true };
        const a16 = fillRange(Int16Array, g.M * g.K, 71, 32768);
        const b16 = fillRange(Int16Array, g.N * g.K, 72, 900);
        const a8 = fillRange(Int8Array, g.M * g.K, 73, 128);
        const b8 = fillRange(Int8Array, g.N * g.K, 74, 128);
        const want16 = expectedInt(g, a16, b16, new Float64Array(g.M * g.N));
        const want8 = expectedInt(g, a8, b8, new Int32Array(g.M * g.N));
        for (const t of [1, 2]) {
          await setNativeThreads(t);
          const got16 = new Float64Array(g.M * g.N);
          k.gemm_int(g, a16, b16, got16);
          assertSameArray(got16, want16, `int16 threads=${t}`, g.N);
          const got8 = new Int32Array(g.M * g.N);
          k.gemm_int(g, a8, b8, got8);
          assertSameArray(got8, want8, `int8 threads=${t}`, g.N);
        }
      },
    );
  });
}
