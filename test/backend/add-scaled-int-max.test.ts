// SPDX-License-Identifier: MIT
// add_scaled's returned max |out| for Int32Array out (what a dynamic-exponent site after a
// residual add reads instead of scanning) vs ref on every fast backend: int32 + int32 shifted
// (the native one-pass AVX-512 loop) and int8/int16 + int32 terms (the generic loop), with
// and without the fused ReLU, sums reaching -2^31 (|min| is the max) and 2^31 - 1, the
// Float64Array out's NaN; lengths empty, ragged after 16-lane blocks and across the
// 65536-element tasks; 1 and 2 native threads give the same bits.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyArray } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

const LENGTHS = [0, 1, 15, 17, 100, 65536 + 16 * 3 + 5, 3 * 65536 - 1];

for (const be of await fastBackends()) {
  describe(`add_scaled int32 max on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    const native = be.name.startsWith('native');
    const threads = native ? getNativeThreads() : 1;
    after(() => (native ? setNativeThreads(threads) : undefined));

    it('same integers, mask and max as ref, 1 and 2 threads', async () => {
      for (const t of native ? [1, 2] : [1]) {
        if (native) await setNativeThreads(t);
        for (const n of LENGTHS) {
          const r = seeded(n + 11);
          const cases: [AnyArray, number, AnyArray, number][] = [
            [
              Int32Array.from(randInts(r, n, -(2 ** 28), 2 ** 28)),
              2,
              Int32Array.from(randInts(r, n, -(2 ** 20), 2 ** 20)),
              8,
            ],
            [
              Int8Array.from(randInts(r, n, -128, 127)),
              4,
              Int32Array.from(randInts(r, n, -999, 999)),
              1,
            ],
            [
              Int16Array.from(randInts(r, n, -32768, 32767)),
              1,
              Int8Array.from(randInts(r, n, -128, 127)),
              256,
            ],
          ];
          // The int32 extremes: -2^31 (whose |.| is the max) and 2^31 - 1.
          const big = Int32Array.from(randInts(r, n, -(2 ** 20), 2 ** 20));
          const edge = new Int32Array(n);
          if (n > 40) {
            big[7] = -(2 ** 30);
            edge[7] = -(2 ** 30);
            big[33] = 2 ** 30 - 1;
            edge[33] = 2 ** 30;
          }
          cases.push([big, 1, edge, 1]);
          for (const [a, ka, b, kb] of cases)
            for (const relu of [false, true]) {
              const [or, ok] = [new Int32Array(n), new Int32Array(n)];
              const [mr, mk] = [new Int8Array(n).fill(7), new Int8Array(n).fill(7)];
              const xr = refKernels.add_scaled(a, ka, b, kb, relu, relu ? mr : null, or);
              const xk = k.add_scaled(a, ka, b, kb, relu, relu ? mk : null, ok);
              const what = `n=${n} ${a.constructor.name}*${ka} + ${b.constructor.name}*${kb} relu=${relu} threads=${t}`;
              assertSameArray(ok, or, what);
              assertSameArray(mk, mr, `${what} mask`);
              assert.ok(Object.is(xk, xr), `${what}: max ${xk}, want ${xr}`);
              let m = 0;
              for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(or[i]));
              assert.equal(xr, m, `${what}: ref's max`);
            }
        }
      }
    });

    it('Float64Array out: NaN (no max)', () => {
      const a = Int32Array.from([3, -5]);
      const out = new Float64Array(2);
      assert.ok(Number.isNaN(k.add_scaled(a, 2 ** 40, a, 1, false, null, out)));
    });
  });
}
