// SPDX-License-Identifier: MIT
// BatchNorm kernels (bn_sums, bn_forward, bn_affine_int, bn_backward) on every fast backend vs
// ref: bit-exact over a ragged (N, C, R) grid (SIMD tails), every storage type, with and
// without masks. The reference's integer sums are checked against BigInt arithmetic, with int32
// extremes whose squares and sums pass 2^53.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyArray } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

type Ctor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;
const CTORS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];
const INTS: Ctor[] = [Int8Array, Int16Array, Int32Array];
const GRID: [number, number, number][] = [
  [1, 1, 1],
  [2, 3, 1],
  [1, 2, 3],
  [3, 1, 4],
  [2, 3, 5],
  [1, 5, 7],
  [2, 2, 16],
  [3, 2, 17],
  [2, 3, 33],
  [4, 2, 64],
  [2, 9, 6], // channels in groups of four and one left, ragged planes
];

/** Random values of the type's range (int32: up to +-2^31, with the extremes), floats with -0. */
function filled(ctor: Ctor, n: number, seed: number): AnyArray {
  const rng = seeded(seed);
  if (ctor === Int8Array) return Int8Array.from(randInts(rng, n, -128, 127));
  if (ctor === Int16Array) return Int16Array.from(randInts(rng, n, -32768, 32767));
  if (ctor === Int32Array) {
    const v = Int32Array.from(randInts(rng, n, -(2 ** 31), 2 ** 31 - 1));
    if (n > 3) v[0] = -(2 ** 31);
    if (n > 4) v[3] = 2 ** 31 - 1;
    return v;
  }
  const f = ctor.from(randInts(rng, n, -1000, 1000).map((x) => x / 37 + 3));
  if (n > 2) f[1] = -0;
  return f;
}

function maskOf(n: number, seed: number): Int8Array {
  return Int8Array.from(randInts(seeded(seed), n, 0, 2).map((v) => (v === 2 ? 5 : v)));
}

/** Bit patterns, so -0 compares exactly. */
function bits(a: AnyArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** (hi, lo) pair of an exact sum as a BigInt. */
const big = (hi: number, lo: number) => BigInt(hi) * 2n ** 32n + BigInt(lo);

describe('BatchNorm kernels: the reference', () => {
  it('integer sums are exact (BigInt), lo in [0, 2^32), even past 2^53', () => {
    let seed = 1;
    for (const A of INTS)
      for (const B of [...INTS, null])
        for (const [N, C, R] of [
          [3, 2, 5],
          [2, 1, 70000], // carries inside a plane
        ]) {
          const n = N * C * R;
          const a = filled(A, n, seed++);
          const b = B ? filled(B, n, seed++) : null;
          const mask = seed % 2 ? maskOf(n, seed++) : null;
          const out = new Float64Array(4 * C);
          refKernels.bn_sums(a, b, mask, N, C, R, out);
          for (let c = 0; c < C; c++) {
            let sa = 0n;
            let sab = 0n;
            for (let i = 0; i < N; i++)
              for (let r = 0; r < R; r++) {
                const o = (i * C + c) * R + r;
                const av = mask && mask[o] === 0 ? 0n : BigInt(a[o]);
                sa += av;
                sab += av * BigInt((b ?? a)[o]);
              }
            const what = `${A.name} x ${B?.name ?? 'self'} (${N},${C},${R}) c=${c}`;
            for (const j of [1, 3])
              assert.ok(out[4 * c + j] >= 0 && out[4 * c + j] < 2 ** 32, what);
            assert.equal(big(out[4 * c], out[4 * c + 1]), sa, `sum a ${what}`);
            assert.equal(big(out[4 * c + 2], out[4 * c + 3]), sab, `sum ab ${what}`);
          }
        }
  });

  it('float sums follow the stated lane order', () => {
    // (N=2, C=1, R=6): lane 0 gets r = 0, 4 of both planes, lane 1 r = 1, 5, lane 2 r = 2, lane 3
    // r = 3. The two 1e16 cancel within lane 0, so the lanes' sum is exact (101) where a plain
    // left-to-right float64 sum loses the small terms added to 1e16.
    const x = Float64Array.from([1e16, 1, 2, 3, -1e16, 5, 7, 11, 13, 17, 19, 23]);
    const out = new Float64Array(4);
    refKernels.bn_sums(x, null, null, 2, 1, 6, out);
    assert.equal(out[0], 0);
    assert.equal(out[1], 101);
    let seq = 0;
    for (const v of x) seq += v;
    assert.notEqual(seq, 101, 'the order matters for this data');
  });
});

for (const be of await fastBackends()) {
  describe(`BatchNorm kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('bn_sums equals ref bit for bit: every type pair, ragged (N, C, R), masks', () => {
      let seed = 100;
      for (const [N, C, R] of GRID)
        for (const A of CTORS)
          for (const B of [...CTORS, null])
            for (const withMask of [false, true]) {
              const n = N * C * R;
              const a = filled(A, n, seed++);
              const b = B ? filled(B, n, seed++) : null;
              const mask = withMask ? maskOf(n, seed++) : null;
              const [or, ow] = [new Float64Array(4 * C), new Float64Array(4 * C)];
              refKernels.bn_sums(a, b, mask, N, C, R, or);
              k.bn_sums(a, b, mask, N, C, R, ow);
              const what = `bn_sums ${A.name} x ${B?.name ?? 'self'} (${N},${C},${R}) mask=${withMask}`;
              assertSameArray(ow, or, what, 4);
            }
    });

    it('integer bn_sums over several tasks of samples equal ref on 1 and 2 threads', async () => {
      // Native tasks take whole samples (C * R elements each, at least 2^16 per task): 9 samples
      // of 3 x 5000 give tasks of 4, 4 and 1 samples, each into its own channel sums. int32
      // extremes make the products' high and low halves carry across tasks.
      const native = be.name.startsWith('native');
      const before = native ? getNativeThreads() : 1;
      const [N, C, R] = [9, 3, 5000];
      const n = N * C * R;
      let seed = 7000;
      try {
        for (const t of native ? [1, 2] : [1]) {
          if (native) await setNativeThreads(t);
          for (const A of INTS)
            for (const B of [...INTS, null])
              for (const withMask of [false, true]) {
                const a = filled(A, n, seed++);
                if (A === Int32Array) for (let i = 0; i < n; i += 97) a[i] = -(2 ** 31);
                const b = B ? filled(B, n, seed++) : null;
                const mask = withMask ? maskOf(n, seed++) : null;
                const [or, ow] = [new Float64Array(4 * C), new Float64Array(4 * C)];
                refKernels.bn_sums(a, b, mask, N, C, R, or);
                k.bn_sums(a, b, mask, N, C, R, ow);
                const what = `bn_sums ${A.name} x ${B?.name ?? 'self'} mask=${withMask} ${t}t`;
                assertSameArray(ow, or, what, 4);
              }
        }
      } finally {
        if (native) await setNativeThreads(before);
      }
    });

    it('bn_forward equals ref bit for bit, with and without ReLU and mask', () => {
      let seed = 2000;
      for (const [N, C, R] of GRID)
        for (const X of CTORS)
          for (const [relu, xhat32] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ]) {
            const n = N * C * R;
            const x = filled(X, n, seed++);
            const p = Float64Array.from(randInts(seeded(seed++), 4 * C, -500, 500), (v, i) =>
              i % 4 === 1 ? 1 / (1 + Math.abs(v)) : v / 7,
            );
            const [yr, yw] = [new Float32Array(n), new Float32Array(n)];
            const [mr, mw] = [new Int8Array(n).fill(9), new Int8Array(n).fill(9)];
            const ar = refKernels.bn_forward(x, N, C, R, p, xhat32, relu, relu ? mr : null, yr);
            const aw = k.bn_forward(x, N, C, R, p, xhat32, relu, relu ? mw : null, yw);
            const what = `bn_forward ${X.name} (${N},${C},${R}) relu=${relu} xhat32=${xhat32}`;
            assertSameArray(bits(yw), bits(yr), what);
            // The returned max |y| is the scan's, on every backend.
            assert.equal(ar, refKernels.maxAbs(yr), `${what} ref max`);
            assert.equal(aw, ar, `${what} max`);
            assertSameArray(mw, mr, `${what} mask`);
          }
    });

    it('bn_affine_int equals ref (int32 and exact float64 out)', () => {
      let seed = 3000;
      for (const [N, C, R] of GRID)
        for (const X of [...INTS, Float64Array] as Ctor[])
          for (const relu of [false, true]) {
            const n = N * C * R;
            const x = Float64Array.from(randInts(seeded(seed++), n, -30000, 30000));
            const xm = X === Int8Array ? Int8Array.from(x, (v) => v >> 8) : X.from(x);
            const p = Float64Array.from(randInts(seeded(seed++), 2 * C, -20000, 20000), (v, i) =>
              i % 2 === 0 ? v >> 6 : v,
            );
            for (const Y of [Int32Array, Float64Array]) {
              const [yr, yw] = [new Y(n), new Y(n)];
              const [mr, mw] = [new Int8Array(n), new Int8Array(n)];
              refKernels.bn_affine_int(xm as Int32Array, N, C, R, p, relu, relu ? mr : null, yr);
              k.bn_affine_int(xm as Int32Array, N, C, R, p, relu, relu ? mw : null, yw);
              const what = `bn_affine_int ${X.name} -> ${Y.name} (${N},${C},${R}) relu=${relu}`;
              assertSameArray(yw, yr, what);
              assertSameArray(mw, mr, `${what} mask`);
            }
          }
      // The definition: g x + b per channel, ReLU after.
      const y = new Int32Array(4);
      refKernels.bn_affine_int(
        Int8Array.from([1, -2, 3, 4]),
        2,
        2,
        1,
        Float64Array.from([3, 1, -2, 5]),
        true,
        null,
        y,
      );
      assert.deepEqual(Array.from(y), [4, 9, 10, 0]);
    });

    it('bn_backward equals ref bit for bit: every type pair, masks', () => {
      let seed = 4000;
      for (const [N, C, R] of GRID)
        for (const E of CTORS)
          for (const X of CTORS)
            for (const [withMask, xhat32] of [
              [false, false],
              [true, true],
            ]) {
              const n = N * C * R;
              const e = filled(E, n, seed++);
              const x = filled(X, n, seed++);
              const mask = withMask ? maskOf(n, seed++) : null;
              const p = Float64Array.from(
                randInts(seeded(seed++), 5 * C, -500, 500),
                (v) => v / 13,
              );
              const [dr, dw] = [new Float32Array(n), new Float32Array(n)];
              const ar = refKernels.bn_backward(e, x, mask, N, C, R, p, xhat32, dr);
              const aw = k.bn_backward(e, x, mask, N, C, R, p, xhat32, dw);
              const what = `bn_backward e ${E.name} x ${X.name} (${N},${C},${R}) mask=${withMask} xhat32=${xhat32}`;
              assertSameArray(bits(dw), bits(dr), what);
              assert.equal(ar, refKernels.maxAbs(dr), `${what} ref max`);
              assert.equal(aw, ar, `${what} max`);
            }
    });

    it('bn_forward and bn_backward keep the stated order where it shows (large cancellations)', () => {
      // x and e near 2^40, mu and a just off it: (x - mu) and (e - a) are exact and small, so
      // any other order of operations rounds at 2^40's scale and changes the float32 result.
      const [N, C, R] = [2, 3, 9];
      const n = N * C * R;
      const big = Float64Array.from(randInts(seeded(9), n, -50, 50), (v) => 2 ** 40 + v);
      const p4 = Float64Array.from(
        { length: 4 * C },
        (_, i) => [2 ** 40 + 0.375, 1 / 3, 1.7, -0.2][i % 4],
      );
      const [yr, yw] = [new Float32Array(n), new Float32Array(n)];
      refKernels.bn_forward(big, N, C, R, p4, false, false, null, yr);
      k.bn_forward(big, N, C, R, p4, false, false, null, yw);
      assertSameArray(bits(yw), bits(yr), 'bn_forward near 2^40');
      const p5 = Float64Array.from(
        { length: 5 * C },
        (_, i) => [2 ** 40 + 0.375, 1 / 3, 0.9, 2 ** 40 + 0.625, 0.3][i % 5],
      );
      const [dr, dw] = [new Float32Array(n), new Float32Array(n)];
      refKernels.bn_backward(big, big, null, N, C, R, p5, false, dr);
      k.bn_backward(big, big, null, N, C, R, p5, false, dw);
      assertSameArray(bits(dw), bits(dr), 'bn_backward near 2^40');
      // The definition itself, element 0: f32(k ((e - a) - ((x - mu) rs) b)).
      const e0 = big[0];
      assert.equal(dr[0], Math.fround(0.9 * (e0 - p5[3] - (e0 - p5[0]) * (1 / 3) * 0.3)));
    });

    it('bn_forward and bn_backward return NaN for max |y| where y holds NaN or an infinity', () => {
      const [N, C, R] = [2, 3, 9];
      const n = N * C * R;
      const x = Float32Array.from(randInts(seeded(4), n, -50, 50));
      for (const bad of [NaN, Infinity]) {
        // Channel 1's gamma NaN, or its rs infinite: that channel's y, in the middle of the range.
        const p4 = Float64Array.from({ length: 4 * C }, (_, i) =>
          i === 6 ? bad : [0, 0.5, 1, 0][i % 4],
        );
        for (const kk of [refKernels, k]) {
          assert.ok(
            Number.isNaN(kk.bn_forward(x, N, C, R, p4, false, false, null, new Float32Array(n))),
          );
          const p5 = Float64Array.from({ length: 5 * C }, (_, i) => (i === 7 ? bad : 0.5));
          assert.ok(
            Number.isNaN(kk.bn_backward(x, x, null, N, C, R, p5, false, new Float32Array(n))),
          );
        }
      }
    });

    it('workspace arrays are used in place', () => {
      if (!k.stepArray) return;
      const x = k.stepArray('int32', 2 * 3 * 5, 77)!;
      x.set(randInts(seeded(5), 30, -1000, 1000));
      const y = k.stepArray('float32', 30, 77, false)!;
      const m = k.stepArray('int8', 30, 77, false)!;
      const p = Float64Array.from({ length: 12 }, (_, i) => (i % 4 === 1 ? 0.01 : i));
      k.bn_forward(x, 2, 3, 5, p, true, true, m, y);
      const [yr, mr] = [new Float32Array(30), new Int8Array(30)];
      refKernels.bn_forward(x, 2, 3, 5, p, true, true, mr, yr);
      assertSameArray(y, yr, 'resident y');
      assertSameArray(m, mr, 'resident mask');
    });
  });
}
