// SPDX-License-Identifier: MIT
// quantize of float32 values to int8/int16/int32 mantissas (ranges within 2^24) vs ref at the
// edges of the native AVX-512 float32-lane rounding (16 float32 lanes where the reference
// rounds in float64): exact ties x = j + 1/2 and their float32 neighbours, -1 < x < 0 with
// fraction bits far below 2^-24 (where 1 + x rounds in float32), products that leave the
// normal float32 range (subnormal, flushed to zero, overflowing to infinity), NaN, +-Infinity,
// +-0, saturation edges, and the exponents at and beyond the lanes' range (scale 2^-exp
// outside [2^-126, 2^127] keeps the float64 lanes). Lengths put the edges in tails, in the
// scalar-generator range and across generator lanes and tasks; 1 and 2 threads give the same
// bits.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import { allocInt } from '../../src/tensor/dtype.js';
import { ROUNDINGS } from '../../src/quant/rounding.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, seeded } from './helpers.js';

const EXPS = [-4, 0, 5, -30, 40, -126, -127, 126, 127, 128, 140, -140];
const LENGTHS = [37, 300, 5000, 3 * 4096 + 5, 2 * 65536 + 4096 * 3 + 9];
const f32 = (x: number) => Math.fround(x);

/** The value v whose product v 2^-exp is m (rounded to float32, so possibly not m). */
function at(m: number, exp: number): number {
  return f32(m * 2 ** exp);
}

/** Edge values for exponent exp (products m = v 2^-exp named in the comments). */
function edges(exp: number): number[] {
  const out: number[] = [0, -0, NaN, Infinity, -Infinity, 3e38, -3e38, 2 ** -149, -(2 ** -149)];
  out.push(2 ** -126, -(2 ** -126), 2 ** -127, -(2 ** -127), 1.5 * 2 ** -130, -(1.5 * 2 ** -130));
  for (const j of [
    -129,
    -128,
    -33000,
    -32768,
    -3,
    -1,
    0,
    2,
    127,
    32767,
    40000,
    2 ** 23 - 1,
    -(2 ** 23),
  ]) {
    const tie = j + 0.5;
    const up = tie + 2 ** -20;
    const down = tie - 2 ** -20;
    for (const m of [tie, up, down, j, j + 2 ** -23, j - 2 ** -23]) out.push(at(m, exp));
  }
  // -1 < m < 0 with bits below 2^-24 (1 + m inexact in float32), and tiny |m|.
  for (const m of [-(2 ** -30), -(2 ** -25), -(1 - 2 ** -24), -0.5, -(0.5 - 2 ** -25), 2 ** -40])
    out.push(at(m, exp), at(-m, exp));
  for (const m of [2 ** 28, -(2 ** 28), 2 ** 30 + 1, 2 ** 60, -(2 ** 100)]) out.push(at(m, exp));
  return out;
}

/** n values: the edges cycled, every third slot a value of random fraction bits. */
function values(n: number, exp: number, seed: number): Float32Array {
  const e = edges(exp);
  const rng = seeded(seed);
  const v = new Float32Array(n);
  // Every edge in turn (the next one at each slot not random), so short arrays hold them all.
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (i % 3 === 2 && i > 3 * e.length) {
      const m = (rng.nextFloat() * 2 - 1) * 2 ** (Math.floor(rng.nextFloat() * 20) - 12);
      v[i] = at(m, exp);
    } else v[i] = e[j++ % e.length];
  }
  return v;
}

/** The float32 just above |u| in magnitude, with u's sign. */
function nextUp(u: number): number {
  const b = new Float32Array([u]);
  const w = new Int32Array(b.buffer);
  w[0] += 1;
  return b[0];
}

/**
 * Stochastic rounding at the draws themselves: with u_i = draw i's top 24 bits / 2^24 (from a
 * generator seeded as the call's), products x_i = j + 1 - u_i (x + u an exact integer),
 * just below it, -u_i, and -nextUp(u_i) (for u < 1/4 the float32 sum 1 + x rounds up to
 * 1 - u although x + u < 0).
 */
function drawEdges(n: number, exp: number, seed: number): Float32Array {
  const rng = seeded(seed);
  const pick = seeded(seed + 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = (rng.nextU32() >>> 8) / 16777216;
    const j = Math.floor(pick.nextFloat() * 11) - 5;
    const m = [j + 1 - u, j + 1 - u - 2 ** -20, -u, -nextUp(u), pick.nextFloat() - 0.5][i % 5];
    v[i] = at(m, exp);
  }
  return v;
}

for (const be of await fastBackends()) {
  describe(`quantize float32 edges on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    const native = be.name.startsWith('native');
    const threads = native ? getNativeThreads() : 1;
    after(() => (native ? setNativeThreads(threads) : undefined));

    it('same mantissas, counts and rng state as ref, on 1 and 2 threads', async () => {
      for (const t of native ? [1, 2] : [1]) {
        if (native) await setNativeThreads(t);
        for (const n of LENGTHS)
          for (const exp of EXPS) {
            const v = values(n, exp, n + exp);
            for (const bits of [8, 16, 24])
              for (const rounding of ROUNDINGS) {
                const sym = bits !== 8;
                const what = `n=${n} exp=${exp} bits=${bits} ${rounding} threads=${t}`;
                const r1 = seeded(n + bits + exp);
                const r2 = seeded(n + bits + exp);
                const want = allocInt(bits, n);
                const got = allocInt(bits, n);
                const sw = refKernels.quantize(v, exp, bits, rounding, r1, want, sym);
                const sg = k.quantize(v, exp, bits, rounding, r2, got, sym);
                assertSameArray(got, want, what);
                assert.deepEqual(sg, sw, `${what}: stats`);
                assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
              }
          }
      }
    });

    it("stochastic: products at and next to the draws' decision points", () => {
      for (const n of LENGTHS)
        for (const exp of [-4, 0, 7]) {
          const seed = 3 * n + exp;
          const v = drawEdges(n, exp, seed);
          for (const bits of [8, 16, 24]) {
            const what = `n=${n} exp=${exp} bits=${bits}`;
            const r1 = seeded(seed);
            const r2 = seeded(seed);
            const want = allocInt(bits, n);
            const got = allocInt(bits, n);
            const sw = refKernels.quantize(v, exp, bits, 'stochastic', r1, want);
            const sg = k.quantize(v, exp, bits, 'stochastic', r2, got);
            assertSameArray(got, want, what);
            assert.deepEqual(sg, sw, `${what}: stats`);
            assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
          }
        }
    });
  });
}
