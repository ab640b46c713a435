// SPDX-License-Identifier: MIT
// quantize / requantize / maxAbs on every fast backend vs ref: same mantissas, same counts,
// and for stochastic rounding the same generator state afterwards (one draw per element).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import { allocInt, type MantArray } from '../../src/tensor/dtype.js';
import { ROUNDINGS } from '../../src/quant/rounding.js';
import type { Rng } from '../../src/quant/rng.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

/** Values spanning underflow, ordinary, saturating and non-finite cases. */
function values(n: number, seed: number): Float64Array {
  const rng = seeded(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++)
    v[i] = (rng.nextFloat() * 2 - 1) * 2 ** (Math.floor(rng.nextFloat() * 24) - 12);
  v[0] = 0;
  v[1] = -0.5;
  v[2] = 0.5;
  v[3] = Infinity;
  v[4] = -Infinity;
  v[5] = NaN;
  v[6] = 2 ** -40;
  return v;
}

/** int16-range values in every storage type: int8 (high byte), int16, int32 (scaled), floats. */
function everyType(base: ArrayLike<number>) {
  return [
    Int8Array.from(base, (x) => x >> 8),
    Int16Array.from(base),
    Int32Array.from(base, (x) => x * 65536),
    Float32Array.from(base, (x) => x / 3),
    Float64Array.from(base, (x) => x / 7),
  ];
}

/** An Rng that is not a Xoshiro128: the backend must fall back to the reference loop. */
function lcg(seed: number): Rng {
  let s = seed >>> 0;
  const r: Rng = {
    name: 'lcg',
    nextU32: () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0),
    nextFloat: () => (r.nextU32() >>> 8) / 16777216,
    state: () => [s],
    setState: (x) => void (s = x[0] >>> 0),
  };
  return r;
}

for (const be of await fastBackends()) {
  describe(`quantization on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('quantize: same mantissas, counts and rng state as ref', () => {
      const v64 = values(1001, 1);
      for (const src of [v64, Float32Array.from(v64)])
        for (const bits of [2, 4, 8, 12, 16, 24, 32])
          for (const exp of [-10, -4, 0, 3])
            for (const rounding of ROUNDINGS) {
              const what = `quantize ${src.constructor.name} bits=${bits} exp=${exp} ${rounding}`;
              const r1 = seeded(bits * 100 + exp);
              const r2 = seeded(bits * 100 + exp);
              const want = allocInt(bits, src.length);
              const got = allocInt(bits, src.length);
              const sw = refKernels.quantize(src, exp, bits, rounding, r1, want);
              const sg = k.quantize(src, exp, bits, rounding, r2, got);
              assertSameArray(got, want, what);
              assert.deepEqual(sg, sw, `${what}: stats`);
              assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
            }
    });

    it('requantize: same mantissas, counts and rng state as ref for every source dtype', () => {
      const sources: MantArray[] = [
        Int8Array.from(randInts(seeded(2), 517, -128, 127)),
        Int16Array.from(randInts(seeded(3), 517, -32768, 32767)),
        Int32Array.from(randInts(seeded(4), 517, -(2 ** 31), 2 ** 31 - 1)),
        Float64Array.from(randInts(seeded(5), 517, -(2 ** 50), 2 ** 50)),
      ];
      for (const m of sources)
        for (const s of [-3, 0, 1, 5, 13, 24, 25, 31, 40])
          for (const bits of [4, 8, 16, 32])
            for (const rounding of ROUNDINGS) {
              const what = `requantize ${m.constructor.name} shift=${s} bits=${bits} ${rounding}`;
              const r1 = seeded(s + 1000 * bits);
              const r2 = seeded(s + 1000 * bits);
              const want = allocInt(bits, m.length);
              const got = allocInt(bits, m.length);
              const sw = refKernels.requantize(m, -8, s - 8, bits, rounding, r1, want);
              const sg = k.requantize(m, -8, s - 8, bits, rounding, r2, got);
              assertSameArray(got, want, what);
              assert.deepEqual(sg, sw, `${what}: stats`);
              assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
            }
    });

    it('ties: nearest goes half up, nearest-even to the even neighbour, on every path', () => {
      // x.5 in units of the target step, for every exponent and both float source types
      // (the SIMD bulk and the scalar tail), and as mantissas shifted right by 1..30 bits.
      const halves = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -3.5, 126.5, -127.5, 0.25, -0.75];
      const even = [0, 2, 2, 0, -2, -2, 4, -4, 126, -128, 0, -1];
      const up = [1, 2, 3, 0, -1, -2, 4, -3, 127, -127, 0, -1];
      for (const exp of [-7, 0, 5]) {
        const v = Float64Array.from(halves, (h) => h * 2 ** exp);
        for (const src of [v, Float32Array.from(v)])
          for (const [rounding, want] of [
            ['nearest-even', even],
            ['nearest', up],
          ] as const) {
            const got = new Int8Array(v.length);
            const ref = new Int8Array(v.length);
            refKernels.quantize(src, exp, 8, rounding, null, ref);
            k.quantize(src, exp, 8, rounding, null, got);
            assertSameArray(ref, want, `ref quantize ${rounding} exp=${exp}`);
            assertSameArray(got, want, `${be.name} quantize ${rounding} exp=${exp}`);
          }
      }
      for (const s of [1, 2, 7, 13, 30]) {
        // m = (2j + 1) 2^(s-1): exactly half way between j and j + 1 after the shift
        const m = Int32Array.from({ length: 23 }, (_, i) => (2 * (i - 11) + 1) * 2 ** (s - 1));
        const wantEven = Array.from(m, (x) => {
          const j = Math.floor(x / 2 ** s);
          return j % 2 === 0 ? j : j + 1;
        });
        const wantUp = Array.from(m, (x) => Math.floor(x / 2 ** s) + 1);
        for (const [rounding, want] of [
          ['nearest-even', wantEven],
          ['nearest', wantUp],
        ] as const) {
          const got = new Int32Array(m.length);
          const ref = new Int32Array(m.length);
          refKernels.requantize(m, 0, s, 32, rounding, null, ref);
          k.requantize(m, 0, s, 32, rounding, null, got);
          assertSameArray(ref, want, `ref requantize ${rounding} shift=${s}`);
          assertSameArray(got, want, `${be.name} requantize ${rounding} shift=${s}`);
        }
      }
    });

    it('stochastic rounding with another Rng kind gives the reference result', () => {
      const v = values(300, 9);
      const r1 = lcg(42);
      const r2 = lcg(42);
      const want = new Int8Array(300);
      const got = new Int8Array(300);
      refKernels.quantize(v, -4, 8, 'stochastic', r1, want);
      k.quantize(v, -4, 8, 'stochastic', r2, got);
      assertSameArray(got, want, 'quantize with an lcg');
      assert.deepEqual(r2.state(), r1.state());
      assert.throws(() => k.quantize(v, -4, 8, 'stochastic', null, got), /needs a seeded rng/);
    });

    it('maxAbs equals ref and throws the same errors on NaN and Infinity', () => {
      const rng = seeded(7);
      for (const n of [0, 1, 3, 15, 16, 17, 1000]) {
        const base = randInts(rng, n, -32768, 32767);
        const arrays = everyType(base);
        for (const x of arrays)
          assert.equal(k.maxAbs(x), refKernels.maxAbs(x), `maxAbs ${x.constructor.name} n=${n}`);
      }
      assert.equal(k.maxAbs(new Int8Array([-128, 5])), 128);
      assert.equal(k.maxAbs(new Int32Array([-(2 ** 31)])), 2 ** 31);
      for (const bad of [
        Float32Array.from([1, 2, NaN, 4, 5, 6, 7, NaN]),
        Float64Array.from([1, Infinity, 3, NaN]),
        Float64Array.from([1, -Infinity, 3]),
        Float32Array.from([Infinity]),
      ]) {
        let msg = '';
        assert.throws(
          () => refKernels.maxAbs(bad),
          (e: Error) => ((msg = e.message), true),
        );
        assert.throws(
          () => k.maxAbs(bad),
          (e: Error) => e.message === msg,
          `maxAbs [${bad.join(', ')}]`,
        );
      }
    });

    it('count_abs_at_least equals ref on every type, threshold and edge', () => {
      const rng = seeded(11);
      // Lengths around the native pool's 65,536-element tasks; thresholds between, at and past
      // the integers, at zero, negative, and beyond each type's range.
      for (const n of [0, 1, 17, 65535, 65537, 140000]) {
        const base = randInts(rng, n, -32768, 32767);
        const arrays = everyType(base);
        for (const x of arrays) {
          const m = refKernels.maxAbs(x);
          for (const t of [-1, 0, 0.5, 1, 63.5, 64, m / 2, m, m + 0.25, 2 ** 40]) {
            const want = refKernels.count_abs_at_least(x, t);
            assert.equal(k.count_abs_at_least(x, t), want, `${x.constructor.name} n=${n} t=${t}`);
          }
        }
      }
      assert.equal(k.count_abs_at_least(new Int8Array([-128, 127, 0]), 128), 1);
      assert.equal(k.count_abs_at_least(new Int8Array([-128, 127, 0]), 127.5), 1);
      assert.equal(k.count_abs_at_least(new Int8Array([-128, 127, 0]), 127), 2);
      assert.equal(k.count_abs_at_least(new Int32Array([-(2 ** 31), 2 ** 31 - 1]), 2 ** 31), 1);
      assert.equal(k.count_abs_at_least(new Int32Array([-(2 ** 31), 5]), 2 ** 31 + 1), 0);
      assert.equal(k.count_abs_at_least(Float32Array.from([NaN, -Infinity, 2, -3]), 2), 3);
      assert.equal(k.count_abs_at_least(Float64Array.from([NaN, 0]), -1), 1);
    });
  });
}
