// SPDX-License-Identifier: MIT
// Layer kernels on worker threads (ReLU forward and backward, the residual's scaled add, the
// outer-axes swap of the conv epilogue, im2col and float32 col2im by channel ranges): every
// thread count gives the reference's result exactly, on ragged sizes around the threading
// threshold, including im2col rows whose 16-byte stores would reach into the next thread's rows.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { getThreads, loadWasmKernels, setThreads } from '../../src/kernels/wasm/index.js';
import { MIN_THREADED_ELEMS } from '../../src/kernels/wasm/elementwise-split.js';
import { assertSameArray, randInts, seeded } from './helpers.js';
import '../../src/kernels/wasm/node-host.js';

const wasm = await loadWasmKernels();
const canThread = typeof SharedArrayBuffer !== 'undefined';

const SIZES = [1000, MIN_THREADED_ELEMS + 13, 3 * MIN_THREADED_ELEMS + 101];

function elementwise(k: Kernels, n: number, seed: number): number[][] {
  const r = seeded(seed);
  const out: number[][] = [];
  const i8 = Int8Array.from(randInts(r, n, -128, 127));
  const i32 = Int32Array.from(randInts(r, n, -(2 ** 24), 2 ** 24));
  const f32 = Float32Array.from(randInts(r, n, -3000, 3000), (v) => v / 97);
  for (const x of [i8, i32, f32]) {
    const y = new (x.constructor as new (n: number) => typeof x)(n);
    const mask = new Int8Array(n);
    k.relu(x, y, mask);
    out.push(Array.from(y), Array.from(mask));
  }
  for (const [y, dy] of [
    [i8, i32],
    [i32, i32],
    [f32, f32],
  ] as const) {
    const dx = new (dy.constructor as new (n: number) => typeof dy)(n);
    k.relu_backward(y, dy, dx);
    out.push(Array.from(dx));
  }
  const o32 = new Int32Array(n);
  const m = new Int8Array(n);
  k.add_scaled(i8, 4, i32, 1, true, m, o32);
  out.push(Array.from(o32), Array.from(m));
  const of = new Float32Array(n);
  const om = k.add_scaled(f32, 0.375, i8, 1 / 64, false, null, of);
  // max |out| combined over the threads' ranges
  out.push(Array.from(of), [om]);
  return out;
}

/** swap_outer with and without bias; (A, B, R) about n elements, ragged. */
function swaps(k: Kernels, n: number, seed: number): number[][] {
  const r = seeded(seed + 50);
  const [B, R] = [7, 29];
  const A = Math.max(1, Math.round(n / (B * R)));
  const m = A * B * R;
  const out: number[][] = [];
  const bias = Float64Array.from(randInts(r, A, -1000, 1000));
  for (const src of [
    Int8Array.from(randInts(r, m, -128, 127)),
    Int32Array.from(randInts(r, m, -(2 ** 20), 2 ** 20)),
    Float32Array.from(randInts(r, m, -5000, 5000), (v) => v / 33),
  ]) {
    const o = new (src.constructor as new (n: number) => typeof src)(m);
    k.swap_outer(src, A, B, R, null, o);
    out.push(Array.from(o));
    if (!(src instanceof Int8Array)) {
      k.swap_outer(src, A, B, R, bias, o);
      out.push(Array.from(o));
    }
  }
  return out;
}

function geom(N: number, C: number, H: number, W: number, K: number, s: number, p: number) {
  const OH = Math.floor((H + 2 * p - K) / s) + 1;
  const OW = Math.floor((W + 2 * p - K) / s) + 1;
  return { N, C, H, W, KH: K, KW: K, strideH: s, strideW: s, padH: p, padW: p, OH, OW };
}

/**
 * im2col on ragged conv shapes large enough to split by channels: 8x8 int8 rows (one 16-byte
 * store per 8-byte output row), odd widths, strides, 1x1 and 5x5 windows, int16 and float32.
 * Without padding a range's last row is image data, so a store past its end would write wrong
 * bytes into the next range's first row (padded rows end and start with zeros either way).
 */
const GEOMS: ConvGeom[] = [
  geom(32, 16, 8, 8, 3, 1, 1),
  geom(9, 5, 13, 11, 3, 1, 1),
  geom(17, 7, 9, 9, 3, 2, 1),
  geom(128, 12, 10, 7, 1, 1, 0),
  geom(40, 6, 10, 10, 3, 1, 0),
  geom(6, 3, 15, 17, 5, 1, 2),
];

function im2cols(k: Kernels, seed: number): number[][] {
  const r = seeded(seed + 77);
  const out: number[][] = [];
  for (const g of GEOMS) {
    const nx = g.N * g.C * g.H * g.W;
    const ncol = g.C * g.KH * g.KW * g.N * g.OH * g.OW;
    const x8 = Int8Array.from(randInts(r, nx, -128, 127));
    const x16 = Int16Array.from(randInts(r, nx, -32768, 32767));
    const xf = Float32Array.from(x16, (v) => v / 7);
    for (const x of [x8, x16, xf]) {
      // Filled with a marker first: every element must be written.
      const col = new (x.constructor as new (n: number) => typeof x)(ncol).fill(99);
      k.im2col(g, x, col);
      out.push(Array.from(col));
    }
  }
  return out;
}

/**
 * float32 col2im on the same shapes, split by channels: each range zeroes and sums only its
 * channels of dx (filled with a marker first: every element must be written), in ref's order.
 */
function col2ims(k: Kernels, seed: number): number[][] {
  const r = seeded(seed + 91);
  return GEOMS.map((g) => {
    const ncol = g.C * g.KH * g.KW * g.N * g.OH * g.OW;
    const col = Float32Array.from(randInts(r, ncol, -3000, 3000), (v) => v / 13);
    const dx = new Float32Array(g.N * g.C * g.H * g.W).fill(99);
    k.col2im(g, col, dx);
    return Array.from(dx);
  });
}

describe(
  'wasm layer kernels on worker threads',
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
      const cases = (kk: Kernels) => [
        ...SIZES.flatMap((n, i) => [...elementwise(kk, n, 3 + i), ...swaps(kk, n, 3 + i)]),
        ...im2cols(kk, 1),
        ...col2ims(kk, 1),
      ];
      const want = cases(refKernels);
      assert.ok(
        GEOMS.some((g) => g.N * g.C * g.KH * g.KW * g.OH * g.OW >= 2 * MIN_THREADED_ELEMS),
        'some im2col is large enough to split',
      );
      for (const t of [1, 2, 3]) {
        await setThreads(t);
        assert.equal(getThreads(), t, 'the pool started');
        const got = cases(k);
        assert.equal(got.length, want.length);
        got.forEach((g, j) => assertSameArray(g, want[j], `${t} threads result ${j}`));
      }
    });
  },
);
