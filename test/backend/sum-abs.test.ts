// SPDX-License-Identifier: MIT
// Kernels.sum_abs (adaptive fixed point's QEM sums) on every fast backend against ref, bit for
// bit: every storage type, lengths around the 16 lanes and the vector tails, signed zeros,
// values whose float64 sum depends on the order, NaN and the infinities; the reference itself
// against its stated lane order, and integer sums against BigInt.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyArray } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { sumAbs } from '../../src/quant/sum-abs.js';
import { fastBackends, randInts, seeded } from './helpers.js';

const LENGTHS = [0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 100, 257, 4099];
type Ctor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;
const CTORS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];

/** Full-range integers; floats spread over ~40 binary orders (order-sensitive sums), -0 too. */
function filled(ctor: Ctor, n: number, seed: number): AnyArray {
  const rng = seeded(seed);
  if (ctor === Int8Array) return Int8Array.from(randInts(rng, n, -128, 127));
  if (ctor === Int16Array) return Int16Array.from(randInts(rng, n, -32768, 32767));
  if (ctor === Int32Array) {
    const v = Int32Array.from(randInts(rng, n, -(2 ** 31), 2 ** 31 - 1));
    if (n > 1) v[1] = -(2 ** 31);
    return v;
  }
  const v = ctor.from(
    randInts(rng, n, -1000, 1000).map((m, i) => (m / 7) * 2 ** ((i * 13) % 41) * 2 ** -20),
  );
  if (n > 2) v[2] = -0;
  return v;
}

/** The stated order, written out: lanes i mod 16, then the pairwise tree. */
function byDefinition(x: ArrayLike<number>): number {
  const l = new Array<number>(16).fill(0);
  for (let i = 0; i < x.length; i++) l[i % 16] += Math.abs(x[i]);
  const m = l.slice(0, 8).map((v, j) => v + l[j + 8]);
  const q = m.slice(0, 4).map((v, j) => v + m[j + 4]);
  const r = [q[0] + q[2], q[1] + q[3]];
  return r[0] + r[1];
}

describe('sum_abs: the reference', () => {
  it('follows its lane order (and the order matters for these floats)', () => {
    let seed = 1;
    let differs = 0;
    for (const n of LENGTHS)
      for (const ctor of [Float32Array, Float64Array]) {
        const x = filled(ctor, n, seed++);
        assert.ok(Object.is(sumAbs(x), byDefinition(x)), `${ctor.name} n=${n}`);
        let seq = 0;
        for (const v of x) seq += Math.abs(v);
        if (seq !== sumAbs(x)) differs++;
      }
    assert.ok(differs > 0, 'some float sums differ from a left-to-right sum');
  });

  it('integer sums are exact (BigInt)', () => {
    let seed = 50;
    for (const ctor of [Int8Array, Int16Array, Int32Array])
      for (const n of LENGTHS) {
        const x = filled(ctor, n, seed++);
        let want = 0n;
        for (const v of x) want += BigInt(Math.abs(v));
        assert.equal(BigInt(sumAbs(x)), want, `${ctor.name} n=${n}`);
      }
  });

  it('NaN gives NaN, an infinity +Infinity, nothing 0', () => {
    assert.ok(Number.isNaN(sumAbs(Float32Array.from([1, NaN, 2]))));
    assert.equal(sumAbs(Float64Array.from([1, -Infinity, 2])), Infinity);
    assert.ok(Object.is(sumAbs(new Float32Array(0)), 0));
  });
});

for (const be of await fastBackends()) {
  describe(`sum_abs on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    it('equals ref bit for bit: every storage type and length', () => {
      let seed = 100;
      for (const ctor of CTORS)
        for (const n of LENGTHS) {
          const x = filled(ctor, n, seed++);
          const [want, got] = [refKernels.sum_abs(x), k.sum_abs(x)];
          assert.ok(Object.is(got, want), `${ctor.name} n=${n}: ${got} != ${want}`);
        }
    });
    it('int32 past 2^22 elements near full range: sums past 2^53 round as ref', () => {
      const n = 2 ** 22 + 5;
      const x = new Int32Array(n);
      for (let i = 0; i < n; i++) x[i] = i % 3 ? -(2 ** 31) + (i % 1000) : 2 ** 31 - 1 - (i % 7);
      const want = refKernels.sum_abs(x);
      assert.ok(want > 2 ** 53, 'the sum passes 2^53');
      assert.ok(Object.is(k.sum_abs(x), want));
    });
    it('NaN, the infinities and signed zeros as ref', () => {
      const cases: AnyArray[] = [
        Float32Array.from([1, 2, NaN, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]),
        Float64Array.from({ length: 40 }, (_, i) => (i === 33 ? -Infinity : i)),
        Float32Array.from([-0, -0, -0]),
        Float64Array.from([Infinity, -Infinity]),
      ];
      for (const x of cases)
        assert.ok(Object.is(k.sum_abs(x), refKernels.sum_abs(x)), `${x.constructor.name} ${x}`);
    });
  });
}
