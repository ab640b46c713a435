// SPDX-License-Identifier: MIT
// lowbit's own float64 exp, sigmoid and tanh: one algorithm of IEEE basic operations (+ - * /,
// comparisons, exact scaling by powers of two; no Math.exp, no FMA, no library call), so the
// float LSTM's gates are the same bits on every engine. assembly/float_functions.ts and
// native/src/float-fn-impl.h repeat it operation for operation.
//
// em1(r) = e^r - 1 on |r| <= ln2/2 (+ a rounding of x/ln2): the Taylor polynomial
//   r + r^2 (1/2! + r (1/3! + ... + r (1/13!))), Horner, coefficients 1/n! rounded once.
//   Truncation < 1.2e-17 |r| (0.11 ulp); the rounding errors add < 0.8 ulp.
// exp(x): k = nearest(x / ln2) (by adding and subtracting 1.5 * 2^52), r = (x - k LN2HI) -
//   k LN2LO (LN2HI has 32 significant bits, so k LN2HI and the difference are exact for
//   |k| < 2^21), exp(x) = 2^k (1 + em1(r)). The scaling is (y 2^(k>>1)) 2^(k - (k>>1)):
//   the first product is exact (normal), so a subnormal result is rounded once. x > 709.78...
//   gives +Inf, x < -745.13... gives 0 (the results past those round there), NaN gives NaN.
//   Error < 1 ulp (measured at most 0.94 ulp over [-745, 709.7]).
// sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0, e = exp(-|x|) (never
//   overflows; tiny results keep exp's accuracy): < 2.5 ulp (measured 2.26).
// tanh(x): x itself for |x| < 2^-28 (the cubic term is below 2^-57 |x|), +-1 for |x| >= 22,
//   else u = expm1(2|x|) = 2^k em1(r) + (2^k - 1) (k, r as exp's of 2|x|: no cancellation near
//   0, where k = 0 and u = em1(2|x|)), d = u + 2 with its rounding error e (Fast2Sum), and
//   tanh = sign(x) (q - q e / d), q = u / d. < 2.5 ulp (measured 2.09 near 0.21, where
//   Math.tanh of V8 measured 2.03). -0 -> -0, NaN -> NaN.
// Measured against 200-bit values (mpmath) on 10^5-point sweeps; the tests compare with
// Math.exp and Math.tanh (themselves within 1 and 2.1 ulp) within 2 and 4 ulp.

/** 1/ln2, ln2 split into LN2HI (32 significant bits) + LN2LO, and 1.5 * 2^52. */
const INVLN2 = 1.4426950408889634;
const LN2HI = 0.6931471803691238;
const LN2LO = 1.9082149292705877e-10;
const SHIFT = 6755399441055744;
/** exp overflows above EXP_HI and rounds to 0 below EXP_LO. */
export const EXP_HI = 709.782712893384;
export const EXP_LO = -745.1332191019411;
/** tanh(x) = x below TANH_TINY, +-1 from TANH_HUGE on. */
const TANH_TINY = 3.725290298461914e-9; // 2^-28
const TANH_HUGE = 22;

// 1/n!, n = 2..13.
const C2 = 0.5;
const C3 = 0.16666666666666666;
const C4 = 0.041666666666666664;
const C5 = 0.008333333333333333;
const C6 = 0.001388888888888889;
const C7 = 0.0001984126984126984;
const C8 = 0.0000248015873015873;
const C9 = 0.0000027557319223985893;
const C10 = 2.755731922398589e-7;
const C11 = 2.505210838544172e-8;
const C12 = 2.08767569878681e-9;
const C13 = 1.6059043836821613e-10;

/** 2^j for j in [-538, 512] at POW2[j + 538], by exact doubling and halving. */
const POW2_MIN = -538;
const POW2 = (() => {
  const t = new Float64Array(512 - POW2_MIN + 1);
  for (let j = 0, p = 1; j <= 512; j++, p *= 2) t[j - POW2_MIN] = p;
  for (let j = -1, p = 0.5; j >= POW2_MIN; j--, p *= 0.5) t[j - POW2_MIN] = p;
  return t;
})();

/** e^r - 1 for |r| <= ~0.35. */
function em1(r: number): number {
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

/** y 2^k for an integer k in [-1076, 1025], rounded once. */
function scale2(y: number, k: number): number {
  const k1 = Math.floor(k / 2); // k >> 1 (k is a small integer)
  return y * POW2[k1 - POW2_MIN] * POW2[k - k1 - POW2_MIN];
}

/** lowbit's exp (float64). */
export function expF64(x: number): number {
  if (x !== x) return x;
  if (x > EXP_HI) return Infinity;
  if (x < EXP_LO) return 0;
  const k = x * INVLN2 + SHIFT - SHIFT;
  const r = x - k * LN2HI - k * LN2LO;
  return scale2(1 + em1(r), k);
}

/** lowbit's sigmoid: with e = exp(-|x|), 1 / (1 + e) for x >= 0, e / (1 + e) below. */
export function sigmoidF64(x: number): number {
  const e = expF64(x < 0 ? x : -x);
  return (x < 0 ? e : 1) / (1 + e);
}

/** lowbit's tanh (float64). */
export function tanhF64(x: number): number {
  if (x !== x) return x;
  const a = x < 0 ? -x : x;
  if (a < TANH_TINY) return x;
  let t = 1;
  if (a < TANH_HUGE) {
    const v = a * 2;
    const k = v * INVLN2 + SHIFT - SHIFT;
    const r = v - k * LN2HI - k * LN2LO;
    const s = POW2[k - POW2_MIN];
    const u = s * em1(r) + (s - 1);
    // u / (u + 2) with the rounding error e of d = u + 2 (exact, Fast2Sum) taken back out:
    // u / (d + e) = q - q e / d to well below an ulp, q = u / d.
    const d = u + 2;
    const e = u > 2 ? u - d + 2 : 2 - d + u;
    const q = u / d;
    t = q - (q * e) / d;
  }
  return x < 0 ? -t : t;
}
