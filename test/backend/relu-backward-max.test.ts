// SPDX-License-Identifier: MIT
// relu_backward_max (ReLU's backward that also returns max |dx|) vs ref on every fast
// backend: int8/int32/float32 masks with int8, int16, int32, float32 and float64 errors;
// the int32 and int8 extremes (-2^31, -128: |min| is the max), float NaN, +-Infinity and -0
// (NaN max, or the finite max when the mask drops them); lengths empty, ragged after 16- and
// 64-lane blocks and across the 65536-element tasks; 1 and 2 native threads give the same bits.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyArray } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

const LENGTHS = [0, 1, 15, 17, 63, 100, 65536 + 16 * 3 + 5, 3 * 65536 - 1];

type Ctor = { new (n: number): AnyArray; from(a: ArrayLike<number>): AnyArray };

/** Errors of type C: random values with the type's extremes (and float specials) sprinkled. */
function errors(C: Ctor, n: number, seed: number, specials: boolean): AnyArray {
  const r = seeded(seed);
  const lim: Record<string, number> = { Int8Array: 128, Int16Array: 32768, Int32Array: 2 ** 31 };
  const L = lim[C.name] ?? 2 ** 31;
  const v = C.from(randInts(r, n, -L, L - 1));
  if (C === Float32Array || C === Float64Array) for (let i = 0; i < n; i++) v[i] /= 1024;
  const floatSpecials = [NaN, Infinity, -Infinity, -0, 1e-45];
  for (let i = 5; i < n; i += 997) v[i] = -L; // the extreme whose |.| is the max
  if (specials && (C === Float32Array || C === Float64Array))
    for (let i = 11; i < n; i += 4099) v[i] = floatSpecials[(i / 4099) | 0] ?? NaN;
  return v;
}

/** A mask of type M: ~half positive, with zeros and negatives (only > 0 passes). */
function mask(M: Ctor, n: number, seed: number): AnyArray {
  const m = M.from(randInts(seeded(seed), n, -2, 2));
  return m;
}

/** Same elements: floats by value with -0 apart from +0 and NaN equal to NaN. */
function same(a: AnyArray, b: AnyArray, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: [${i}] = ${a[i]}, want ${b[i]}`);
}

for (const be of await fastBackends()) {
  describe(`relu_backward_max on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    const native = be.name.startsWith('native');
    const threads = native ? getNativeThreads() : 1;
    after(() => (native ? setNativeThreads(threads) : undefined));

    it('same dx and max as ref, every mask and error type, 1 and 2 threads', async () => {
      const masks: Ctor[] = [Int8Array, Int32Array, Float32Array];
      const errs: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];
      for (const t of native ? [1, 2] : [1]) {
        if (native) await setNativeThreads(t);
        for (const n of LENGTHS)
          for (const M of masks)
            for (const E of errs)
              for (const specials of [false, true]) {
                const m = mask(M, n, n + 3);
                const dy = errors(E, n, n + 7, specials);
                const [dr, dk] = [new E(n), new E(n)];
                const xr = refKernels.relu_backward_max(m, dy, dr);
                const xk = k.relu_backward_max(m, dy, dk);
                const what = `n=${n} mask ${M.name} dy ${E.name} specials=${specials} threads=${t}`;
                same(dk, dr, what);
                assert.ok(Object.is(xk, xr), `${what}: max ${xk}, want ${xr}`);
                // relu_backward writes the same dx.
                const dp = new E(n);
                k.relu_backward(m, dy, dp);
                same(dp, dr, `${what} (relu_backward)`);
              }
      }
    });

    it('the max of what the mask keeps: a masked-out extreme or NaN does not count', () => {
      const dy = Int32Array.from([5, -(2 ** 31), 7, -9]);
      const m = Int8Array.from([1, 0, 1, 1]);
      const dx = new Int32Array(4);
      assert.equal(k.relu_backward_max(m, dy, dx), 9);
      assertSameArray(dx, Int32Array.from([5, 0, 7, -9]), 'dx');
      const fy = Float32Array.from([NaN, -3.5, Infinity, 2]);
      const fx = new Float32Array(4);
      assert.equal(k.relu_backward_max(Int8Array.from([0, 1, 0, 1]), fy, fx), 3.5);
      assert.ok(Number.isNaN(k.relu_backward_max(Int8Array.from([1, 1, 0, 1]), fy, fx)));
      assert.ok(Number.isNaN(k.relu_backward_max(Int8Array.from([0, 0, 1, 0]), fy, fx)));
      assert.equal(k.relu_backward_max(new Int8Array(0), new Int32Array(0), new Int32Array(0)), 0);
    });
  });
}
