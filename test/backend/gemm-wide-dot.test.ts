// SPDX-License-Identifier: MIT
// The exact wide GEMM's dot route on wasm (assembly/gemm_wide_dot.ts: Float64Array C = A B^T
// over K >= 1024, int8/int16 operands, int32 lane sums of `run` >= 64 k added in float64):
// bit-exact with ref at its edges. Ragged M, N (a lone row, a partial 4-column tile), K not a
// multiple of 8 (the float64 tail), the run at its shortest (64: |a| = 32768, |b| = 4095, every
// product of one sign: each lane sum 16 * 32768 * 4095 < 2^31) over dozens of runs, int8 x
// int16 mixes, accumulate, and the same bits on 1 and 2 threads.

import { describe, it } from 'node:test';
import type { GemmShape } from '../../src/kernels/spec.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { assertSameArray, randInts, seeded } from './helpers.js';
import { expectedInt } from './gemm-grid.js';

/** M, N, K, |a| and |b| (every value -max where `fill`), int8 A. */
type Case = [number, number, number, number, number, boolean?, boolean?];

const CASES: Case[] = [
  [1, 1, 1024, 32768, 900],
  [3, 5, 1031, 32768, 900], // a lone row, a partial tile, a float64 tail of 7
  [16, 144, 4099, 16256, 900], // WAGEUBN's first-stage shape, short K
  [9, 7, 2053, 32768, 4095, true], // run 64, every lane sum near 2^31, one sign
  [4, 4, 1030, 32768, 4095], // run 64, random signs
  [5, 6, 2047, 128, 32768, false, true], // int8 A
  [2, 9, 1024, 128, 128, true, true], // int8 x int8 at -128
];

function operand(n: number, max: number, seed: number, fill = false, i8 = false) {
  const x = i8 ? new Int8Array(n) : new Int16Array(n);
  if (fill) return x.fill(-max);
  x.set(randInts(seeded(seed), n, -max, max - 1));
  return x;
}

const k = await loadWasmKernels();
describe('wasm gemm_int Float64Array C, A B^T dot route', { skip: !k && 'no SIMD128' }, () => {
  it('equals ref at its edges, accumulate too, on 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      await k!.setThreads?.(threads);
      let seed = 70;
      for (const [M, N, K, maxA, maxB, fill, i8] of CASES)
        for (const accumulate of [false, true]) {
          const g: GemmShape = { M, N, K, transB: true, accumulate };
          const a = operand(M * K, maxA, seed++, fill, i8);
          const b = operand(N * K, maxB, seed++, fill);
          const c0 = Float64Array.from(randInts(seeded(seed++), M * N, -(2 ** 40), 2 ** 40));
          const want = expectedInt(g, a, b, c0);
          const got = Float64Array.from(c0);
          k!.gemm_int(g, a, b, got);
          assertSameArray(got, want, `${threads} thread(s) ${M}x${N}x${K} acc=${accumulate}`, N);
        }
    }
    await k!.setThreads?.(1);
  });
});
