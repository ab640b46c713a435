// SPDX-License-Identifier: MIT
// bn_sums on int32 operands, wasm: each product added whole into int64 lanes where
// n max|a| max|b| < 2^62 (assembly/norm.ts sumsWide), else split into high and low words.
// Both must equal ref bit for bit: magnitudes well inside the bound, channels just under it
// (3 products of 2^30 x 2^30) and just over it (4 of them: the split route), -2^31, one
// channel over and the next under, masks, b = a (sums of squares), ragged R (the scalar
// tail), and 2 threads (batch ranges combined) = 1 thread.

import { describe, it } from 'node:test';
import { refKernels } from '../../src/kernels/ref/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { assertSameArray, randInts, seeded } from './helpers.js';

/** N, C, R, |values| (a and b), every value `fill` where given. */
type Case = [number, number, number, number, number?];

const CASES: Case[] = [
  [32, 3, 1024, 2 ** 20],
  [5, 2, 7, 2 ** 24], // R = 7: a scalar tail per plane
  [1, 2, 3, 0, 2 ** 30], // 3 * 2^60 < 2^62: one int64 per product
  [1, 2, 4, 0, 2 ** 30], // 4 * 2^60 = 2^62: split
  [2, 2, 3, 0, -(2 ** 31)],
  [3, 4, 9, 2 ** 31],
  [64, 2, 1024, 2 ** 22], // 2 threads: batch ranges
];

const k = await loadWasmKernels();
describe(
  'wasm bn_sums on int32: whole int64 products or split, = ref',
  { skip: !k && 'no SIMD128' },
  () => {
    it('equals ref under, at and over the int64 bound, masks, b = a, 1 and 2 threads', async () => {
      for (const threads of [1, 2]) {
        await k!.setThreads?.(threads);
        let seed = 11;
        for (const [N, C, R, max, fill] of CASES) {
          const n = N * C * R;
          const vals = (s: number) =>
            fill !== undefined
              ? new Int32Array(n).fill(fill)
              : Int32Array.from(
                  randInts(seeded(s), n, -Math.min(max, 2 ** 31), Math.min(max, 2 ** 31 - 1)),
                );
          const a = vals(seed++);
          // Channel 1 of the bound cases at 1: one channel split, the next whole.
          if (fill !== undefined)
            for (let i = 0; i < n; i++) if (Math.floor(i / R) % C === 1) a[i] = 1;
          const b = vals(seed++);
          const mask = Int8Array.from(randInts(seeded(seed++), n, 0, 1));
          for (const [bb, m] of [
            [null, null],
            [b, null],
            [b, mask],
            [null, mask],
          ] as const) {
            const want = new Float64Array(4 * C);
            const got = new Float64Array(4 * C).fill(3);
            refKernels.bn_sums(a, bb, m, N, C, R, want);
            k!.bn_sums(a, bb, m, N, C, R, got);
            const what = `${threads} thread(s) (${N},${C},${R}) max ${max} fill ${fill} b=${!!bb} mask=${!!m}`;
            assertSameArray(got, want, what, 4);
          }
        }
      }
      await k!.setThreads?.(1);
    });
  },
);
