// SPDX-License-Identifier: MIT
// Sigmoid, tanh and exp(-x) on fixed-point integers by linear interpolation in the Q20 tables
// of fixed_tables.ts: Q.12 inputs, Q0.15 outputs. The definitions, and the error bound, are
// in src/kernels/ref/fixed-functions.ts; these compute the same bits in integer arithmetic.

import { EXPNEG_Q20, SIGMOID_Q20, TANH_Q20 } from './fixed_tables';

const SIG_END: i32 = 16 << 12;
const TANH_END: i32 = 8 << 12;
const EXP_END: i32 = 12 << 12;
const V_MAX: i32 = 32767;

// @ts-ignore: decorator
@inline
function interp(t: usize, a: i32): i32 {
  const k = a >> 6;
  const r = a & 63;
  const lo = load<i32>(t + (<usize>k << 2));
  const hi = load<i32>(t + (<usize>(k + 1) << 2));
  return lo + (((hi - lo) * r + 32) >> 6);
}

// @ts-ignore: decorator
@inline
function q15(v20: i32): i32 {
  return (v20 + 16) >> 5;
}

/** sigmoid of a Q.12 integer, Q0.15 in [1, 32767]. */
export function fixedSigmoid(z: i32): i32 {
  const a = z < 0 ? -z : z;
  const v = a >= SIG_END ? V_MAX : min<i32>(q15(interp(SIGMOID_Q20, a)), V_MAX);
  return z < 0 ? 32768 - v : v;
}

/** tanh of a Q.12 integer, Q0.15 in [-32767, 32767]. */
export function fixedTanh(z: i32): i32 {
  const a = z < 0 ? -z : z;
  const v = a >= TANH_END ? V_MAX : min<i32>(q15(interp(TANH_Q20, a)), V_MAX);
  return z < 0 ? -v : v;
}

/** exp(-a) of a Q.12 integer a >= 0, Q0.15 in [0, 32768]. */
export function fixedExpNeg(a: i32): i32 {
  return a >= EXP_END ? 0 : q15(interp(EXPNEG_Q20, a));
}

/** interp over four lanes of a (each in [0, end)): the table read lane by lane. */
// @ts-ignore: decorator
@inline
function interp4(t: usize, a: v128): v128 {
  const k = i32x4.shr_s(a, 6);
  const r = v128.and(a, i32x4.splat(63));
  const p0 = t + (<usize>i32x4.extract_lane(k, 0) << 2);
  const p1 = t + (<usize>i32x4.extract_lane(k, 1) << 2);
  const p2 = t + (<usize>i32x4.extract_lane(k, 2) << 2);
  const p3 = t + (<usize>i32x4.extract_lane(k, 3) << 2);
  let lo = v128.load32_zero(p0);
  let hi = v128.load32_zero(p0 + 4);
  lo = v128.load32_lane(p1, lo, 1);
  hi = v128.load32_lane(p1 + 4, hi, 1);
  lo = v128.load32_lane(p2, lo, 2);
  hi = v128.load32_lane(p2 + 4, hi, 2);
  lo = v128.load32_lane(p3, lo, 3);
  hi = v128.load32_lane(p3 + 4, hi, 3);
  const d = i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(hi, lo), r), i32x4.splat(32)), 6);
  return i32x4.add(lo, d);
}

/** min(q15(interp(t, |z|)), 32767), or 32767 for |z| >= end: four lanes. */
// @ts-ignore: decorator
@inline
function magnitude4(t: usize, z: v128, end: i32): v128 {
  const a = i32x4.abs(z);
  const out = i32x4.ge_s(a, i32x4.splat(end));
  const v = interp4(t, i32x4.min_s(a, i32x4.splat(end - 1)));
  const q = i32x4.min_s(i32x4.shr_s(i32x4.add(v, i32x4.splat(16)), 5), i32x4.splat(V_MAX));
  return v128.bitselect(i32x4.splat(V_MAX), q, out);
}

/** fixedSigmoid of four Q.12 lanes (|z| < 2^30). */
// @ts-ignore: decorator
@inline
export function fixedSigmoid4(z: v128): v128 {
  const v = magnitude4(SIGMOID_Q20, z, SIG_END);
  return v128.bitselect(i32x4.sub(i32x4.splat(32768), v), v, i32x4.lt_s(z, i32x4.splat(0)));
}

/** fixedTanh of four Q.12 lanes (|z| < 2^30). */
// @ts-ignore: decorator
@inline
export function fixedTanh4(z: v128): v128 {
  const v = magnitude4(TANH_Q20, z, TANH_END);
  return v128.bitselect(i32x4.neg(v), v, i32x4.lt_s(z, i32x4.splat(0)));
}
