// SPDX-License-Identifier: MIT
// Multi-threaded WASM GEMM: every thread count gives exactly the single-threaded result
// (integers and float32 alike: each thread owns a block of C and sums in the same order).

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmShape, Kernels } from '../../src/kernels/spec.js';
import { getThreads, loadWasmKernels, setThreads } from '../../src/kernels/wasm/index.js';
import { assertSameArray, randInts, seeded } from './helpers.js';
import '../../src/kernels/wasm/node-host.js';

const wasm = await loadWasmKernels();
const canThread = typeof SharedArrayBuffer !== 'undefined';

function run(k: Kernels, g: GemmShape, seed: number): [Int32Array, Float64Array, Float32Array] {
  const a = Int8Array.from(randInts(seeded(seed), g.M * g.K, -128, 127));
  const b = Int16Array.from(randInts(seeded(seed + 1), g.K * g.N, -32768, 32767));
  const ci = Int32Array.from(randInts(seeded(seed + 2), g.M * g.N, -99, 99));
  const cd = Float64Array.from(ci);
  k.gemm_int(
    g,
    a,
    Int8Array.from(b, (x) => x >> 8),
    ci,
  );
  k.gemm_int(g, a, b, cd); // int8 x int16 with large K: the chunked float64 path
  const cf = Float32Array.from(ci, (x) => x / 64);
  k.gemm_f32(
    g,
    Float32Array.from(a, (x) => x / 128),
    Float32Array.from(b, (x) => x / 32768),
    cf,
  );
  return [ci, cd, cf];
}

const SHAPES: GemmShape[] = [
  { M: 64, N: 3136, K: 75 }, // conv forward: split along N
  { M: 300, N: 40, K: 600, transB: true }, // Linear forward NT: split along M
  { M: 129, N: 257, K: 1100, transA: true, accumulate: true }, // TN, ragged split
  { M: 1000, N: 1000, K: 9, transA: true, transB: true },
];

describe(
  'wasm GEMM on worker threads',
  {
    skip: !wasm
      ? 'WebAssembly SIMD128 is not available'
      : !canThread
        ? 'no SharedArrayBuffer'
        : false,
  },
  () => {
    after(() => setThreads(1));

    it('gives results identical to one thread, for 2 and 3 threads', async () => {
      const k = wasm!;
      await setThreads(1);
      assert.equal(getThreads(), 1);
      const want = SHAPES.map((g, i) => run(k, g, 10 * i));
      for (const n of [2, 3]) {
        await setThreads(n);
        assert.equal(getThreads(), n, 'the pool started');
        SHAPES.forEach((g, i) => {
          const got = run(k, g, 10 * i);
          const what = `${n} threads M=${g.M} N=${g.N} K=${g.K} transA=${!!g.transA} transB=${!!g.transB}`;
          assertSameArray(got[0], want[i][0], `${what} int32 C`, g.N);
          assertSameArray(got[1], want[i][1], `${what} float64 C`, g.N);
          assertSameArray(got[2], want[i][2], `${what} float32 C`, g.N);
        });
      }
    });

    it('keeps working after linear memory grows under running workers', async () => {
      const k = wasm!;
      await setThreads(2);
      const g: GemmShape = { M: 1500, N: 1200, K: 700 }; // needs far more memory than before
      const got = run(k, g, 99);
      await setThreads(1);
      const want = run(k, g, 99);
      for (let j = 0; j < 3; j++)
        assertSameArray(got[j], want[j], `after growth, output ${j}`, g.N);
    });

    it('rejects a bad thread count with a clear message', async () => {
      await assert.rejects(setThreads(0), /integer from 1 to 256/);
      await assert.rejects(setThreads(1.5), /integer from 1 to 256/);
    });
  },
);
