// SPDX-License-Identifier: MIT
// Element-wise and BatchNorm kernels on worker threads (quantize, requantize, flag quantize,
// min/max, BatchNorm sums, affine forward and backward): every thread count gives the
// reference's result exactly (outputs, saturation/underflow counts, generator state, exact
// per-channel sums), on ragged sizes around the threading threshold.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../../src/kernels/spec.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { getThreads, loadWasmKernels, setThreads } from '../../src/kernels/wasm/index.js';
import { MIN_THREADED_ELEMS } from '../../src/kernels/wasm/elementwise-split.js';
import { ROUNDINGS } from '../../src/quant/rounding.js';
import { Xoshiro128 } from '../../src/quant/rng.js';
import { assertSameArray, randInts, seeded } from './helpers.js';
import '../../src/kernels/wasm/node-host.js';

const wasm = await loadWasmKernels();
const canThread = typeof SharedArrayBuffer !== 'undefined';

// Below the threshold, just above it, ragged (not a multiple of 64 or of the thread count).
const SIZES = [1000, MIN_THREADED_ELEMS, MIN_THREADED_ELEMS + 13, 3 * MIN_THREADED_ELEMS + 101];

/** Every element-wise result of one size: outputs and counts, as plain arrays. */
function run(k: Kernels, n: number, seed: number): number[][] {
  const out: number[][] = [];
  const r = seeded(seed);
  // Values spread over the range with some saturating: exponent -5, 8 bits covers +-4.
  const f32 = Float32Array.from(randInts(r, n, -6000, 6000), (v) => v / 1000);
  const f64 = Float64Array.from(f32, (v, i) => v * (i % 3 === 0 ? -1.5 : 1));
  const i32 = Int32Array.from(randInts(r, n, -(2 ** 20), 2 ** 20));
  const i16 = Int16Array.from(randInts(r, n, -32768, 32767));
  const keep = (o: IntArray, s: { saturated: number; underflow: number }) =>
    out.push(Array.from(o), [s.saturated, s.underflow]);
  for (const rounding of ROUNDINGS) {
    const rng = rounding === 'stochastic' ? new Xoshiro128(seed) : null;
    for (const src of [f32, f64]) {
      const o8 = new Int8Array(n);
      keep(o8, k.quantize(src, -5, 8, rounding, rng, o8));
      const o16 = new Int16Array(n);
      keep(o16, k.quantize(src, -9, 12, rounding, rng, o16, true));
    }
    for (const src of [i32, i16]) {
      const o8 = new Int8Array(n);
      keep(o8, k.requantize(src, -3, 6, 8, rounding, rng, o8));
    }
    if (rng) out.push(rng.state());
  }
  for (const src of [f32, i32, i16]) {
    const o = new Int16Array(n);
    keep(o, k.flag_quantize(src, 0, src === f32 ? 1 : 12, 8, o));
    out.push([k.maxAbs(src)], k.minMax(src));
  }
  out.push(...batchNorm(k, n, seed));
  return out;
}

/** BatchNorm kernels on (N, C, R) with N * C * R about n: sums, forward, int affine, backward. */
function batchNorm(k: Kernels, n: number, seed: number): number[][] {
  const r = seeded(seed + 100);
  const [C, R] = [5, 37]; // ragged planes
  const N = Math.max(1, Math.round(n / (C * R)));
  const m = N * C * R;
  const x8 = Int8Array.from(randInts(r, m, -128, 127));
  const x16 = Int16Array.from(randInts(r, m, -32768, 32767));
  const x32 = Int32Array.from(randInts(r, m, -(2 ** 30), 2 ** 30));
  const xf = Float32Array.from(x16, (v) => v / 256);
  const mask = Int8Array.from(randInts(r, m, 0, 1));
  const params = (per: number) =>
    Float64Array.from(randInts(r, C * per, -500, 500), (v, i) => (i % per === 1 ? 0.01 : v / 97));
  const out: number[][] = [];
  for (const [a, b, mk] of [
    [x8, null, null],
    [x16, x8, mask],
    [x32, x32, null],
    [xf, null, mask],
  ] as const) {
    const sums = new Float64Array(4 * C);
    k.bn_sums(a, b, mk, N, C, R, sums);
    out.push(Array.from(sums));
  }
  for (const x of [x8, x16, xf]) {
    for (const relu of [false, true]) {
      const y = new Float32Array(m);
      const mk = new Int8Array(m);
      const ym = k.bn_forward(x, N, C, R, params(4), relu, relu, relu ? mk : null, y);
      // max |y| combined over the threads' ranges, as one range gives it
      out.push(Array.from(y), Array.from(mk), [ym]);
    }
  }
  for (const x of [x8, x16]) {
    const y = new Int32Array(m);
    const mk = new Int8Array(m);
    k.bn_affine_int(x, N, C, R, Float64Array.from(randInts(r, 2 * C, -300, 300)), true, mk, y);
    out.push(Array.from(y), Array.from(mk));
  }
  for (const [e, x, mk] of [
    [x8, x16, mask],
    [xf, x8, null],
  ] as const) {
    const dx = new Float32Array(m);
    const dm = k.bn_backward(e, x, mk, N, C, R, params(5), true, dx);
    out.push(Array.from(dx), [dm]);
  }
  return out;
}

describe(
  'wasm element-wise and BatchNorm kernels on worker threads',
  {
    skip: !wasm
      ? 'WebAssembly SIMD128 is not available'
      : !canThread
        ? 'no SharedArrayBuffer'
        : false,
  },
  () => {
    after(() => setThreads(1));

    it('match the reference exactly on 1, 2 and 3 threads', async () => {
      const k = wasm!;
      const want = SIZES.map((n, i) => run(refKernels, n, 5 + i));
      for (const t of [1, 2, 3]) {
        await setThreads(t);
        assert.equal(getThreads(), t, 'the pool started');
        SIZES.forEach((n, i) => {
          const got = run(k, n, 5 + i);
          assert.equal(got.length, want[i].length);
          got.forEach((g, j) => assertSameArray(g, want[i][j], `${t} threads n=${n} result ${j}`));
        });
      }
    });
  },
);
