// SPDX-License-Identifier: MIT
// add_scaled's one-pass native AVX-512 calls vs ref at their edges: float32 + float32 with
// power-of-two scales (products that turn subnormal or overflow, sums that round, cancel to
// +-0, NaN, +-Infinity; ReLU and its mask; the returned max), scales outside [2^-126, 2^127]
// or not powers of two (the float64 loop), and int32 + int32 shifted by 0..31 bits within the
// int32 range. Lengths leave tails after 16-lane blocks and cross the 65536-element tasks;
// 1 and 2 threads give the same bits.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

const LENGTHS = [0, 1, 15, 17, 100, 65536 + 16 * 3 + 5, 3 * 65536 - 1];
const SCALES: [number, number][] = [
  [1, 1],
  [2 ** -7, 2 ** -3],
  [2 ** -126, 2 ** 127],
  [2 ** 120, 2 ** -60],
  [2 ** -130, 1], // below float32's normal range: the float64 loop
  [0.375, 2], // not a power of two: the float64 loop
];

/** Float32 values: random mantissas over a wide exponent range, and the specials cycled. */
function floats(n: number, seed: number): Float32Array {
  const rng = seeded(seed);
  const special = [0, -0, NaN, Infinity, -Infinity, 2 ** -149, -(2 ** -140), 3e38, -1e-38, 1, -1];
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const e = Math.floor(rng.nextFloat() * 60) - 30;
    v[i] = i % 29 === 3 ? special[i % special.length] : (rng.nextFloat() * 2 - 1) * 2 ** e;
  }
  return v;
}

/** The bit patterns (-0 differs from +0), every NaN as one pattern (its sign and payload are
 * not part of the contract: ref and the backends' NaNs differ there). */
function bitsOf(a: Float32Array): Int32Array {
  const b = Int32Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) b[i] = 0x7fc00000;
  return b;
}

for (const be of await fastBackends()) {
  describe(`add_scaled edges on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    const native = be.name.startsWith('native');
    const threads = native ? getNativeThreads() : 1;
    after(() => (native ? setNativeThreads(threads) : undefined));

    it('float32 + float32: same bits, mask and max as ref, 1 and 2 threads', async () => {
      for (const t of native ? [1, 2] : [1]) {
        if (native) await setNativeThreads(t);
        for (const n of LENGTHS)
          for (const [ka, kb] of SCALES) {
            const a = floats(n, n + 1);
            const b = floats(n, n + 2);
            // Every 7th b cancels a exactly, every 11th is a's neighbour's negation.
            for (let i = 0; i < n; i += 7) b[i] = Math.fround((-a[i] * ka) / kb);
            for (let i = 5; i < n; i += 11) b[i] = Math.fround((-a[i - 1] * ka) / kb);
            for (const relu of [false, true]) {
              const [or, ow] = [new Float32Array(n), new Float32Array(n)];
              const [mr, mw] = [new Int8Array(n).fill(7), new Int8Array(n).fill(7)];
              const xr = refKernels.add_scaled(a, ka, b, kb, relu, relu ? mr : null, or);
              const xw = k.add_scaled(a, ka, b, kb, relu, relu ? mw : null, ow);
              const what = `n=${n} ka=${ka} kb=${kb} relu=${relu} threads=${t}`;
              assertSameArray(bitsOf(ow), bitsOf(or), what);
              assertSameArray(mw, mr, `${what} mask`);
              assert.ok(Object.is(xw, xr), `${what}: max ${xw}, want ${xr}`);
            }
          }
      }
    });

    it('int32 + int32 shifted by 0..31 bits within int32: same integers and mask', async () => {
      for (const t of native ? [1, 2] : [1]) {
        if (native) await setNativeThreads(t);
        for (const n of LENGTHS)
          for (const [s, sb] of [
            [0, 0],
            [3, 0],
            [0, 17],
            [31, 0],
            [-1, 2],
          ]) {
            // |a 2^s| + |b 2^sb| < 2^31; s = 31 takes a in {-1, 0} and b >= 0.
            const la = s === 31 ? 1 : 2 ** (29 - Math.max(s, 0));
            const lb = 2 ** (29 - sb);
            const a = Int32Array.from(randInts(seeded(n + s), n, -la, s === 31 ? 0 : la));
            const b = Int32Array.from(randInts(seeded(n + sb + 50), n, s === 31 ? 0 : -lb, lb));
            for (const relu of [false, true]) {
              const [or, ow] = [new Int32Array(n), new Int32Array(n)];
              const [mr, mw] = [new Int8Array(n).fill(7), new Int8Array(n).fill(7)];
              refKernels.add_scaled(a, 2 ** s, b, 2 ** sb, relu, relu ? mr : null, or);
              k.add_scaled(a, 2 ** s, b, 2 ** sb, relu, relu ? mw : null, ow);
              const what = `n=${n} a<<${s} + b<<${sb} relu=${relu} threads=${t}`;
              assertSameArray(ow, or, what);
              assertSameArray(mw, mr, `${what} mask`);
            }
          }
      }
    });
  });
}
