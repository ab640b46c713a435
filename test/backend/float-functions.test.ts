// SPDX-License-Identifier: MIT
// lowbit's own float64 exp, sigmoid and tanh (kernels/ref/float-functions.ts): within a stated
// number of ulp of Math.exp / Math.tanh (themselves within ~1 and ~2 ulp of the true values)
// over dense sweeps and the edges (zeros, subnormal results, the overflow and underflow
// thresholds, saturation, infinities, NaN); and float_fn_f64 on every fast backend the same
// bits as ref.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  expF64,
  sigmoidF64,
  tanhF64,
  EXP_HI,
  EXP_LO,
} from '../../src/kernels/ref/float-functions.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { FloatFn } from '../../src/kernels/spec.js';
import { fastBackends, seeded } from './helpers.js';

const buf = new Float64Array(1);
const bits = new BigInt64Array(buf.buffer);

/** Doubles in order as integers (so the difference of two counts the doubles between). */
function ord(x: number): bigint {
  buf[0] = x;
  const b = bits[0];
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}

/** ulp distance (0 for two NaN, Infinity when one is NaN). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const d = ord(a) - ord(b);
  return Number(d < 0n ? -d : d);
}

/** Math's sigmoid in the same exact-in-range form: e = Math.exp(-|x|). */
function mathSigmoid(x: number): number {
  const e = Math.exp(x < 0 ? x : -x);
  return (x < 0 ? e : 1) / (1 + e);
}

/** Points of [lo, hi] evenly spaced, plus magnitudes 2^-1074 .. 2^10 of both signs. */
function sweep(lo: number, hi: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(lo + ((hi - lo) * i) / n);
  for (let e = -1074; e <= 10; e += 0.25) out.push(2 ** e, -(2 ** e));
  return out;
}

function maxUlps(f: (x: number) => number, g: (x: number) => number, xs: number[]) {
  let worst = 0;
  let at = NaN;
  for (const x of xs) {
    const d = ulps(f(x), g(x));
    if (d > worst) [worst, at] = [d, x];
  }
  return { worst, at };
}

describe('lowbit float64 functions vs Math', () => {
  it('exp within 2 ulp of Math.exp over [-746, 710] (subnormal results included)', () => {
    const xs = [...sweep(-746, 710, 400000), ...sweep(-745.2, -700, 50000)];
    const { worst, at } = maxUlps(expF64, Math.exp, xs);
    assert.ok(worst <= 2, `exp: ${worst} ulp at x = ${at}`);
  });

  it('tanh within 4 ulp of Math.tanh, odd, saturating to +-1', () => {
    const xs = [...sweep(-30, 30, 400000), ...sweep(-1, 1, 200000)];
    const { worst, at } = maxUlps(tanhF64, Math.tanh, xs);
    assert.ok(worst <= 4, `tanh: ${worst} ulp at x = ${at}`);
    for (const x of xs)
      assert.ok(Object.is(tanhF64(-x), -tanhF64(x)), `tanh(-x) = -tanh(x) at ${x}`);
  });

  it('sigmoid within 4 ulp of Math-based sigmoid over [-750, 750]', () => {
    const { worst, at } = maxUlps(sigmoidF64, mathSigmoid, sweep(-750, 750, 400000));
    assert.ok(worst <= 4, `sigmoid: ${worst} ulp at x = ${at}`);
  });

  it('edges: zeros, tiny, thresholds, infinities, NaN', () => {
    const same = (got: number, want: number, what: string) =>
      assert.ok(Object.is(got, want), `${what}: got ${got}, want ${want}`);
    same(expF64(0), 1, 'exp(0)');
    same(expF64(-0), 1, 'exp(-0)');
    same(expF64(1e-300), 1, 'exp(1e-300)');
    same(expF64(-(2 ** -60)), 1, 'exp(-2^-60)');
    assert.ok(ulps(expF64(1), Math.E) <= 1, 'exp(1) within 1 ulp of e');
    assert.ok(Number.isFinite(expF64(EXP_HI)) && expF64(EXP_HI) > 1.7e308, 'exp at the threshold');
    assert.ok(ulps(expF64(EXP_HI), Math.exp(EXP_HI)) <= 1, 'exp(EXP_HI) vs Math.exp');
    same(expF64(709.8), Infinity, 'exp(709.8)');
    same(expF64(Infinity), Infinity, 'exp(Inf)');
    same(expF64(-Infinity), 0, 'exp(-Inf)');
    same(expF64(-746), 0, 'exp(-746)');
    same(expF64(EXP_LO), Math.exp(EXP_LO), 'exp(EXP_LO) (the least subnormal)');
    same(expF64(-744.44), Math.exp(-744.44), 'exp(-744.44)');
    for (const x of [-708.5, -710, -720, -740]) {
      assert.ok(expF64(x) < 2.3e-308 && expF64(x) > 0, `exp(${x}) is subnormal`);
      assert.ok(ulps(expF64(x), Math.exp(x)) <= 1, `exp(${x}) within 1 subnormal ulp`);
    }
    assert.ok(Number.isNaN(expF64(NaN)), 'exp(NaN)');
    same(tanhF64(0), 0, 'tanh(0)');
    same(tanhF64(-0), -0, 'tanh(-0)');
    same(tanhF64(1e-20), 1e-20, 'tanh(1e-20)');
    same(tanhF64(-5e-324), -5e-324, 'tanh(-min subnormal)');
    same(tanhF64(22), 1, 'tanh(22)');
    same(tanhF64(-1e300), -1, 'tanh(-1e300)');
    same(tanhF64(Infinity), 1, 'tanh(Inf)');
    same(tanhF64(-Infinity), -1, 'tanh(-Inf)');
    assert.ok(ulps(tanhF64(19), Math.tanh(19)) <= 1, 'tanh(19) next to 1');
    assert.ok(Number.isNaN(tanhF64(NaN)), 'tanh(NaN)');
    same(sigmoidF64(0), 0.5, 'sigmoid(0)');
    same(sigmoidF64(-0), 0.5, 'sigmoid(-0)');
    same(sigmoidF64(40), 1, 'sigmoid(40)');
    same(sigmoidF64(Infinity), 1, 'sigmoid(Inf)');
    same(sigmoidF64(-Infinity), 0, 'sigmoid(-Inf)');
    same(sigmoidF64(-800), 0, 'sigmoid(-800)');
    assert.ok(ulps(sigmoidF64(-740), Math.exp(-740)) <= 1, 'sigmoid(-740) = exp(-740), subnormal');
    assert.ok(Number.isNaN(sigmoidF64(NaN)), 'sigmoid(NaN)');
  });
});

/** Sweeps, edges and doubles from random bit patterns (every exponent, NaN payloads too). */
function inputs(): Float64Array {
  const xs = [
    ...sweep(-750, 750, 20000),
    ...sweep(-25, 25, 20000),
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    EXP_HI,
    EXP_LO,
    22,
    -22,
  ];
  const rng = seeded(7);
  const u = new Uint32Array(2);
  const f = new Float64Array(u.buffer);
  for (let i = 0; i < 20000; i++) {
    u[0] = rng.nextU32();
    u[1] = rng.nextU32();
    xs.push(f[0]);
  }
  return Float64Array.from(xs);
}

for (const be of await fastBackends()) {
  describe(`float_fn_f64 on ${be.name}`, { skip: be.skip }, () => {
    it('exp, sigmoid, tanh: the same bits as ref', () => {
      const x = inputs();
      for (const fn of ['exp', 'sigmoid', 'tanh'] as FloatFn[]) {
        const want = new Float64Array(x.length);
        const got = new Float64Array(x.length).fill(7);
        refKernels.float_fn_f64(fn, x, want);
        be.k!.float_fn_f64(fn, x, got);
        for (let i = 0; i < x.length; i++)
          if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i])))
            assert.fail(`${fn}(${x[i]}): got ${got[i]}, want ${want[i]} (index ${i})`);
      }
    });
  });
}
