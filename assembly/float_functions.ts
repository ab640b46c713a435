// SPDX-License-Identifier: MIT
// lowbit's own float64 exp, sigmoid and tanh (the algorithm, constants and error bounds are in
// src/kernels/ref/float-functions.ts; these are its operations in its order, so the same
// bits): no Math.exp, only f64 + - * /, comparisons and exact scaling by powers of two.

export const INVLN2: f64 = 1.4426950408889634;
export const LN2HI: f64 = 0.6931471803691238;
export const LN2LO: f64 = 1.9082149292705877e-10;
export const SHIFT: f64 = 6755399441055744.0;
export const EXP_HI: f64 = 709.782712893384;
export const EXP_LO: f64 = -745.1332191019411;
export const TANH_TINY: f64 = 3.725290298461914e-9;
export const TANH_HUGE: f64 = 22.0;

export const C2: f64 = 0.5;
export const C3: f64 = 0.16666666666666666;
export const C4: f64 = 0.041666666666666664;
export const C5: f64 = 0.008333333333333333;
export const C6: f64 = 0.001388888888888889;
export const C7: f64 = 0.0001984126984126984;
export const C8: f64 = 0.0000248015873015873;
export const C9: f64 = 0.0000027557319223985893;
export const C10: f64 = 2.755731922398589e-7;
export const C11: f64 = 2.505210838544172e-8;
export const C12: f64 = 2.08767569878681e-9;
export const C13: f64 = 1.6059043836821613e-10;

/** e^r - 1 for |r| <= ~0.35 (Horner, 1/n! for n = 2..13). */
// @ts-ignore: decorator
@inline
function em1(r: f64): f64 {
  let q = C13;
  q = C12 + r * q;
  q = C11 + r * q;
  q = C10 + r * q;
  q = C9 + r * q;
  q = C8 + r * q;
  q = C7 + r * q;
  q = C6 + r * q;
  q = C5 + r * q;
  q = C4 + r * q;
  q = C3 + r * q;
  q = C2 + r * q;
  return r + r * r * q;
}

/** 2^j for j in [-1022, 1023] (exact). */
// @ts-ignore: decorator
@inline
function pow2(j: i64): f64 {
  return reinterpret<f64>((j + 1023) << 52);
}

export function expF64(x: f64): f64 {
  if (x != x) return x;
  if (x > EXP_HI) return Infinity;
  if (x < EXP_LO) return 0;
  const k = x * INVLN2 + SHIFT - SHIFT;
  const r = x - k * LN2HI - k * LN2LO;
  const ki = <i64>k;
  const k1 = ki >> 1;
  return (1 + em1(r)) * pow2(k1) * pow2(ki - k1);
}

// @ts-ignore: decorator
@inline
export function sigmoidF64(x: f64): f64 {
  const e = expF64(x < 0 ? x : -x);
  return (x < 0 ? e : 1) / (1 + e);
}

export function tanhF64(x: f64): f64 {
  if (x != x) return x;
  const a = x < 0 ? -x : x;
  if (a < TANH_TINY) return x;
  let t: f64 = 1;
  if (a < TANH_HUGE) {
    const v = a * 2;
    const k = v * INVLN2 + SHIFT - SHIFT;
    const r = v - k * LN2HI - k * LN2LO;
    const s = pow2(<i64>k);
    const u = s * em1(r) + (s - 1);
    const d = u + 2;
    const e = u > 2 ? u - d + 2 : 2 - d + u;
    const q = u / d;
    t = q - (q * e) / d;
  }
  return x < 0 ? -t : t;
}
