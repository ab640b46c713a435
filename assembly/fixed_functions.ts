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

/** nearest(v s) (round half up) clamped to [-lim, lim], from an exact integer v. */
// @ts-ignore: decorator
@inline
export function alignRound(v: f64, s: f64, lim: f64): i32 {
  const r = Math.floor(v * s + 0.5);
  return <i32>(r > lim ? lim : r < -lim ? -lim : r);
}
