// SPDX-License-Identifier: MIT
// Nearest requantization of int32 mantissas on wasm in int32 lanes (assembly/requantize.ts
// nearestInt: (m >> s) + bit s-1 of m) vs the reference's float64 floor((m + 2^(s-1)) / 2^s):
// mantissas, saturation and underflow counts, for shifts 1, 2, 7, 30 and 31, ties of both
// signs (r = 2^(s-1) exactly), the int32 extremes (m + 2^(s-1) past int32), int8/int16/int32
// outputs with symmetric ranges, lengths with a scalar tail, and element ranges on 2 threads.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requantizeInto } from '../../src/quant/quantize.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { assertSameArray, randInts, seeded } from './helpers.js';

const k = await loadWasmKernels();
describe('wasm requantize nearest, int32 lanes = ref', { skip: !k && 'no SIMD128' }, () => {
  it('shifts, ties, extremes, output types, tails, 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      await k!.setThreads?.(threads);
      let seed = 40;
      for (const s of [1, 2, 7, 30, 31])
        for (const [Out, bits] of [
          [Int8Array, 8],
          [Int16Array, 16],
          [Int32Array, 32],
        ] as const)
          for (const n of [7, 1027, 70001])
            for (const symmetric of [false, true]) {
              const m = Int32Array.from(randInts(seeded(seed++), n, -(2 ** 31), 2 ** 31 - 1));
              // Ties of both signs, the extremes, zero and values that round to zero.
              const t = 2 ** (s - 1);
              const special = [t, -t, 3 * t, -3 * t, 2 ** 31 - 1, -(2 ** 31), 0, t - 1, -t, 1];
              special.forEach(
                (v, i) => (m[i % n] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v))),
              );
              if (n > 40)
                for (let i = 20; i < 40; i++) m[i] = randInts(seeded(i), 1, -4 * t, 4 * t)[0];
              const [want, got] = [new Out(n).fill(5), new Out(n).fill(5)];
              const sw = requantizeInto(m, -40, -40 + s, bits, 'nearest', null, want, symmetric);
              const sg = k!.requantize(m, -40, -40 + s, bits, 'nearest', null, got, symmetric);
              const what = `s=${s} ${Out.name} n=${n} sym=${symmetric} threads=${threads}`;
              assertSameArray(got, want, what);
              assert.deepEqual(sg, sw, `${what}: counts`);
            }
    }
    await k!.setThreads?.(1);
  });
});
