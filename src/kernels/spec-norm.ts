// SPDX-License-Identifier: MIT
// The Kernels table's normalisation passes (spec.ts): BatchNorm's exact per-channel sums, its
// forward on floats and on mantissas, its backward passes, WAGEUBN's quantized x-hat and
// flag-format error; LayerNorm's row forward and backward. ref/ implements them; the faster
// backends match it bit for bit on integers.

import type { IntArray, MantArray } from '../tensor/dtype.js';
import type { QuantStats } from '../quant/stats.js';
import type { AnyArray } from './spec-types.js';

export interface NormKernels {
  /**
   * BatchNorm's per-channel sums over a and b (N, C, R): out (C, 4) = [sa_hi, sa_lo, sab_hi,
   * sab_lo] with sa = sum of a and sab = sum of a * b (b null: a * a) over n and r, a taken as 0
   * where `mask` (N, C, R) is 0. Each sum is hi * 2^32 + lo. Integer a and b (int8/16/32
   * storage): exact, 0 <= lo < 2^32. Otherwise float64 sums of the stored numbers, hi = 0, in
   * one fixed order: element r of each plane goes to lane r mod 4, each lane sums in order n
   * then r, and the lanes combine as (l0 + l2) + (l1 + l3).
   */
  bn_sums(
    a: AnyArray,
    b: AnyArray | null,
    mask: Int8Array | null,
    N: number,
    C: number,
    R: number,
    out: Float64Array,
  ): void;
  /**
   * BatchNorm's elementwise forward over x (N, C, R) with p (C, 4) = [mu, rs, g, b] per channel:
   * t = (x - mu) * rs, rounded to float32 if `xhat32`; y = f32(g * t + b); float64 operations
   * in that order on x's stored number. With `relu`, then y = y > 0 ? y : 0, and `mask` (if
   * given) = y > 0 ? 1 : 0. Returns max |y| (maxAbs(y), taken while writing; NaN for NaN/Inf).
   */
  bn_forward(
    x: AnyArray,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    xhat32: boolean,
    relu: boolean,
    mask: Int8Array | null,
    y: Float32Array,
  ): number;
  /**
   * y (N, C, R) = g * x + b on integers with p (C, 2) = [g, b] integer-valued: x mantissas, y an
   * Int32Array (the caller bounds |g| max|x| + |b| by 2^31 - 1) or exact Float64Array integers
   * (bound 2^53). relu and mask as bn_forward.
   */
  bn_affine_int(
    x: MantArray,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    relu: boolean,
    mask: Int8Array | null,
    y: Int32Array | Float64Array,
  ): void;
  /**
   * Optional: bn_affine_int that also returns max |y| (taken while writing) for an Int32Array y,
   * NaN for a Float64Array y, so a dynamic-exponent site after it (the next conv's A, the
   * residual add's bound) needs no scan. Backends without it run bn_affine_int and scan.
   */
  bn_affine_int_max?(
    x: MantArray,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    relu: boolean,
    mask: Int8Array | null,
    y: Int32Array | Float64Array,
  ): number;
  /**
   * Optional: BatchNorm's x-hat rounded onto a grid in one pass (bn_forward with xhat32 and
   * [g, b] = [1, 0], then quantize with 'nearest' at exponent -log2(scale), without the
   * float32 x-hat between): out (N, C, R) = floor(f32((x - mu) * rs) * scale + 1/2) with
   * p (C, 2) = [mu, rs], float64 operations in that order on x's stored number, scale a power
   * of two. Stored clamped to int32 (NaN as 0). Returns min(max |that|, 2^31) (so >= 2^31: out
   * does not hold the rounded values), or NaN where one is NaN.
   */
  bn_xhat_int?(
    x: AnyArray,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    scale: number,
    out: Int32Array,
  ): number;
  /**
   * BatchNorm's input gradient over e and x (N, C, R) with p (C, 5) = [mu, rs, k, a, b]:
   * t = (x - mu) * rs, rounded to float32 if `xhat32`; dx = f32(k * ((e - a) - t * b)), float64
   * operations in that order on the stored numbers, e taken as 0 where `mask` is 0. Returns
   * max |dx| as bn_forward returns max |y|.
   */
  bn_backward(
    e: AnyArray,
    x: AnyArray,
    mask: Int8Array | null,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    xhat32: boolean,
    dx: Float32Array,
  ): number;
  /**
   * Optional: what bn_backward returns (max |dx|, NaN for NaN or an infinity), without writing
   * dx: the pass a flag-quantized error needs before bn_backward_flag.
   */
  bn_backward_max?(
    e: AnyArray,
    x: AnyArray,
    mask: Int8Array | null,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    xhat32: boolean,
  ): number;
  /**
   * Optional: flag_quantize(dx, 0, scExp, k, out) of bn_backward's float32 dx, without dx
   * between (BatchNorm's flag-quantized E2 in one pass after bn_backward_max).
   */
  bn_backward_flag?(
    e: AnyArray,
    x: AnyArray,
    mask: Int8Array | null,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    xhat32: boolean,
    scExp: number,
    k: number,
    out: IntArray,
  ): QuantStats;
  /**
   * LayerNorm's forward over the rows of x (R, D), x's stored numbers times `unit` (2^exp for
   * mantissas, 1 for floats) being the values. Per row, float64 operations in this order
   * (ref/layernorm.ts), sums in order d: s = sum x; mu = s / D; ss = sum (x - mu)(x - mu);
   * is = 1 / sqrt(((ss / D) unit) unit + eps); h = ((x - mu) unit) is; then xhat = f32(h),
   * y = f32(g h + b) from the unrounded h, invSigma[r] = is. Sums of integer x are exact (|x|
   * D < 2^53). g, b (D) f32; y, xhat (R, D) f32; invSigma (R) f64.
   */
  layernorm_forward(
    x: AnyArray,
    R: number,
    D: number,
    unit: number,
    eps: number,
    g: Float32Array,
    b: Float32Array,
    y: Float32Array,
    xhat: Float32Array,
    invSigma: Float64Array,
  ): void;
  /**
   * LayerNorm's backward from the incoming error e (R, D) (stored numbers times `unit`) and the
   * forward's xhat (R, D) f32 and invSigma (R) f64: rows in order r, per row in order d,
   * ed = e unit, dgb[d] += ed xhat, dgb[D + d] += ed, gd = ed g, m1 += gd, m2 += gd xhat; then
   * m1 /= D, m2 /= D and dx = f32(((gd - m1) - xhat m2) invSigma), all float64. dgb (2D) f64 is
   * overwritten: [dgamma (D), dbeta (D)] as float64 sums, from 0.
   */
  layernorm_backward(
    e: AnyArray,
    unit: number,
    xhat: Float32Array,
    invSigma: Float64Array,
    g: Float32Array,
    R: number,
    D: number,
    dx: Float32Array,
    dgb: Float64Array,
  ): void;
}
