// SPDX-License-Identifier: MIT
// Layer kernels (relu, relu_backward, swap_outer) and step workspace arrays on every fast
// backend vs ref: bit-exact over every storage type, ragged lengths (SIMD tails) and signs
// that include -0, zeros and NaN for floats.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyArray } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

type Ctor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;
const CTORS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];
const LENGTHS = [0, 1, 3, 4, 5, 15, 16, 17, 33, 100];

/** Values in [-100, 100] (floats: /7, with -0 and NaN mixed in). */
function filled(ctor: Ctor, n: number, seed: number): AnyArray {
  const v = randInts(seeded(seed), n, -100, 100);
  if (ctor === Float32Array || ctor === Float64Array) {
    const f = ctor.from(v.map((x) => x / 7));
    if (n > 2) f[1] = -0;
    if (n > 4) f[4] = NaN;
    return f;
  }
  return ctor.from(v);
}

/** Bit patterns, so -0 and NaN compare exactly. */
function bits(a: AnyArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

for (const be of await fastBackends()) {
  describe(`layer kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('relu and its mask equal ref bit for bit, every type and ragged length', () => {
      let seed = 1;
      for (const C of CTORS)
        for (const n of LENGTHS) {
          const x = filled(C, n, seed++);
          const [yr, yw] = [new C(n), new C(n)];
          const [mr, mw] = [new Int8Array(n), new Int8Array(n)];
          refKernels.relu(x, yr, mr);
          k.relu(x, yw, mw);
          assertSameArray(bits(yw), bits(yr), `relu ${C.name} n=${n}`);
          assertSameArray(mw, mr, `relu mask ${C.name} n=${n}`);
          if (n > 0) assert.ok(mr.some((m) => m === 1) || x.every((v) => !(v > 0)));
        }
    });

    it('relu_backward through an int8 mask or an int32/float32 output equals ref', () => {
      let seed = 100;
      for (const n of LENGTHS)
        for (const M of [Int8Array, Int32Array, Float32Array, Int16Array] as Ctor[])
          for (const D of [Int32Array, Float32Array, Int8Array, Float64Array] as Ctor[]) {
            const m = filled(M, n, seed++);
            const dy = filled(D, n, seed++);
            const [dr, dw] = [new D(n), new D(n)];
            refKernels.relu_backward(m, dy, dr);
            k.relu_backward(m, dy, dw);
            assertSameArray(bits(dw), bits(dr), `relu_backward m ${M.name} dy ${D.name} n=${n}`);
          }
    });

    it('swap_outer with and without bias equals ref (int32 exact, float32 adds)', () => {
      let seed = 200;
      for (const [A, B, R] of [
        [1, 1, 1],
        [3, 2, 5],
        [6, 4, 16],
        [2, 3, 17],
        [16, 2, 100],
      ])
        for (const C of CTORS)
          for (const withBias of [false, true]) {
            const src = filled(C, A * B * R, seed++);
            const bias = withBias
              ? C === Float32Array
                ? Float32Array.from(randInts(seeded(seed++), A, -50, 50).map((v) => v / 3))
                : Float64Array.from(randInts(seeded(seed++), A, -50, 50))
              : null;
            const [or, ow] = [new C(A * B * R), new C(A * B * R)];
            refKernels.swap_outer(src, A, B, R, bias, or);
            k.swap_outer(src, A, B, R, bias, ow);
            const what = `swap_outer ${C.name} (${A},${B},${R}) bias=${withBias}`;
            assertSameArray(bits(ow), bits(or), what);
          }
      // The definition itself: element (a, b, r) lands at (b, a, r) plus bias[a].
      const src = Int32Array.from([1, 2, 3, 4, 5, 6]); // (A=2, B=3, R=1)
      const out = new Int32Array(6);
      refKernels.swap_outer(src, 2, 3, 1, [10, 20], out);
      assert.deepEqual(Array.from(out), [11, 24, 12, 25, 13, 26]);
    });

    it('step arrays are zeroed, used in place by kernels, and recycled only on a new step', () => {
      if (!k.stepArray) return; // a backend without a workspace allocates ordinarily
      const a = k.stepArray('int32', 37, 1000);
      assert.ok(a && a.length === 37 && a.every((v) => v === 0));
      a.set(Array.from({ length: 37 }, (_, i) => i - 18));
      const b = k.stepArray('int32', 37, 1000)!;
      k.relu(a, b); // resident in and out
      assert.deepEqual(
        Array.from(b),
        Array.from(a, (v) => (v > 0 ? v : 0)),
      );
      assert.equal(a[0], -18, 'a later array of the same step leaves earlier ones alone');
      const c = k.stepArray('float64', 5, 1001)!;
      assert.ok(
        c.every((v) => v === 0),
        'a new step starts from zeroed memory',
      );
      // A plain array and a resident one give the same kernel results.
      const x = Int8Array.from([-3, 0, 5, 7, -1]);
      const y1 = new Int8Array(5);
      const y2 = k.stepArray('int8', 5, 1001)!;
      k.relu(x, y1);
      k.relu(x, y2);
      assert.deepEqual(Array.from(y2), Array.from(y1));
    });
  });
}
