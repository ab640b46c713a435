// SPDX-License-Identifier: MIT
// lowbit's own float64 exp, sigmoid and tanh on two f64 lanes (float_functions.ts, lane by
// lane: the same operations in the same order, the branches as selects of values each lane
// computes anyway, so the same bits).

import {
  C10,
  C11,
  C12,
  C13,
  C2,
  C3,
  C4,
  C5,
  C6,
  C7,
  C8,
  C9,
  EXP_HI,
  EXP_LO,
  INVLN2,
  LN2HI,
  LN2LO,
  SHIFT,
  TANH_HUGE,
  TANH_TINY,
} from './float_functions';

// @ts-ignore: decorator
@inline
function sp(v: f64): v128 {
  return f64x2.splat(v);
}

// @ts-ignore: decorator
@inline
function em1x2(r: v128): v128 {
  let q = sp(C13);
  q = f64x2.add(sp(C12), f64x2.mul(r, q));
  q = f64x2.add(sp(C11), f64x2.mul(r, q));
  q = f64x2.add(sp(C10), f64x2.mul(r, q));
  q = f64x2.add(sp(C9), f64x2.mul(r, q));
  q = f64x2.add(sp(C8), f64x2.mul(r, q));
  q = f64x2.add(sp(C7), f64x2.mul(r, q));
  q = f64x2.add(sp(C6), f64x2.mul(r, q));
  q = f64x2.add(sp(C5), f64x2.mul(r, q));
  q = f64x2.add(sp(C4), f64x2.mul(r, q));
  q = f64x2.add(sp(C3), f64x2.mul(r, q));
  q = f64x2.add(sp(C2), f64x2.mul(r, q));
  return f64x2.add(r, f64x2.mul(f64x2.mul(r, r), q));
}

/** 2^j per lane for i64 j in [-1022, 1023]. */
// @ts-ignore: decorator
@inline
function pow2x2(j: v128): v128 {
  return i64x2.shl(i64x2.add(j, i64x2.splat(1023)), 52);
}

/** t = v INVLN2 + SHIFT: k = t - SHIFT exactly, its i64 value t's bits minus SHIFT's. */
// @ts-ignore: decorator
@inline
function shifted(v: v128): v128 {
  return f64x2.add(f64x2.mul(v, sp(INVLN2)), sp(SHIFT));
}

// @ts-ignore: decorator
@inline
function reduced(v: v128, t: v128): v128 {
  const k = f64x2.sub(t, sp(SHIFT));
  return f64x2.sub(f64x2.sub(v, f64x2.mul(k, sp(LN2HI))), f64x2.mul(k, sp(LN2LO)));
}

// @ts-ignore: decorator
@inline
function kOf(t: v128): v128 {
  return i64x2.sub(t, sp(SHIFT));
}

export function expX2(x: v128): v128 {
  const hi = f64x2.gt(x, sp(EXP_HI));
  const lo = f64x2.lt(x, sp(EXP_LO));
  const nan = f64x2.ne(x, x);
  // Out-of-range and NaN lanes compute from 0 and are replaced below.
  const xc = v128.andnot(x, v128.or(v128.or(hi, lo), nan));
  const t = shifted(xc);
  const r = reduced(xc, t);
  const ki = kOf(t);
  const k1 = i64x2.shr_s(ki, 1);
  let y = f64x2.mul(
    f64x2.mul(f64x2.add(sp(1), em1x2(r)), pow2x2(k1)),
    pow2x2(i64x2.sub(ki, k1)),
  );
  y = v128.bitselect(sp(Infinity), y, hi);
  y = v128.andnot(y, lo);
  return v128.bitselect(x, y, nan);
}

export function sigmoidX2(x: v128): v128 {
  const neg = f64x2.lt(x, sp(0));
  const e = expX2(v128.bitselect(x, f64x2.neg(x), neg));
  return f64x2.div(v128.bitselect(e, sp(1), neg), f64x2.add(sp(1), e));
}

export function tanhX2(x: v128): v128 {
  const sign = v128.and(x, sp(-0.0));
  const a = f64x2.abs(x);
  const huge = f64x2.ge(a, sp(TANH_HUGE));
  const v = f64x2.mul(v128.bitselect(sp(TANH_HUGE), a, huge), sp(2));
  const t0 = shifted(v);
  const r = reduced(v, t0);
  const s = pow2x2(kOf(t0));
  const u = f64x2.add(f64x2.mul(s, em1x2(r)), f64x2.sub(s, sp(1)));
  const d = f64x2.add(u, sp(2));
  const e = v128.bitselect(
    f64x2.add(f64x2.sub(u, d), sp(2)),
    f64x2.add(f64x2.sub(sp(2), d), u),
    f64x2.gt(u, sp(2)),
  );
  const q = f64x2.div(u, d);
  let t = f64x2.sub(q, f64x2.div(f64x2.mul(q, e), d));
  t = v128.bitselect(sp(1), t, huge);
  t = v128.bitselect(a, t, f64x2.lt(a, sp(TANH_TINY)));
  t = v128.or(t, sign);
  return v128.bitselect(x, t, f64x2.ne(x, x));
}
