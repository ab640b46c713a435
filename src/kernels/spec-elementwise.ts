// SPDX-License-Identifier: MIT
// The Kernels table's element-wise passes (spec.ts): the quantizers and their statistics, ReLU,
// layout swaps, pooling, the scaled add, and the conversions between accumulators and float32
// values. ref/ implements them; the faster backends match it bit for bit on integers.

import type { IntArray, MantArray } from '../tensor/dtype.js';
import type { Rng } from '../quant/rng.js';
import type { Rounding } from '../quant/rounding.js';
import type { QuantStats } from '../quant/stats.js';
import type { AccArray, AnyArray, PoolGeom } from './spec-types.js';

export interface ElementKernels {
  /**
   * Float values -> `bits`-bit mantissas at exponent `exp` (out may be wider than `bits`).
   * `symmetric` clamps to +-(2^(bits-1) - 1), leaving out -2^(bits-1) (WAGEUBN's clip).
   */
  quantize(
    values: Float32Array | Float64Array,
    exp: number,
    bits: number,
    rounding: Rounding,
    rng: Rng | null,
    out: IntArray,
    symmetric?: boolean,
  ): QuantStats;
  /** Mantissas at `fromExp` -> `bits`-bit mantissas at `toExp` (shift and round); `symmetric` as quantize. */
  requantize(
    mant: MantArray,
    fromExp: number,
    toExp: number,
    bits: number,
    rounding: Rounding,
    rng: Rng | null,
    out: IntArray,
    symmetric?: boolean,
  ): QuantStats;
  /** max |x|; throws on NaN/Inf. */
  maxAbs(x: AnyArray): number;
  /**
   * sum |x| in float64 in quant/sum-abs.ts's fixed order (16 lanes, combined pairwise): the
   * same bits on every backend. Integer x: the exact sum below 2^53. NaN if x holds NaN.
   */
  sum_abs(x: AnyArray): number;
  /**
   * How many elements have |x| >= t (NaN never counts; t <= 0 counts every element but NaN).
   * A quantizer that moves its exponent by overflow rate counts what would overflow one step finer.
   */
  count_abs_at_least(x: AnyArray, t: number): number;
  /** [min, max] of the elements of x and 0 (so [0, 0] for none); throws on NaN/Inf as maxAbs. */
  minMax(x: AnyArray): [number, number];
  /**
   * WAGEUBN's flag quantization (Yang et al. eq. 16) of the values x * 2^xExp (xExp = 0 for
   * float x) with scaling factor Sc = 2^scExp and k-bit data, half = 2^(k-1):
   *   u = (x * 2^xExp) * 2^-scExp;  |u| >= 1: out = clamp(floor(u + 1/2), +-(half-1)) * half
   *   else out = floor(u * half + 1/2)            (mantissas on the grid Sc / half)
   * Counts the large case's clipped values as saturated, nonzero values sent to 0 as underflow.
   */
  flag_quantize(x: AnyArray, xExp: number, scExp: number, k: number, out: IntArray): QuantStats;
  /**
   * y = x > 0 ? x : 0 elementwise, y of x's type (-0 and NaN give +0); with `mask`, also
   * mask = x > 0 ? 1 : 0 (what backward needs, one byte per element).
   */
  relu<T extends AnyArray>(x: T, y: T, mask?: Int8Array | null): void;
  /** dx = m > 0 ? dy : 0: ReLU's backward through its saved mask (or output) m. */
  relu_backward<T extends AnyArray>(m: AnyArray, dy: T, dx: T): void;
  /**
   * relu_backward that also returns max |dx| (taken while writing; NaN if dx holds NaN or an
   * infinity), so a dynamic-exponent site after it needs no scan of dx.
   */
  relu_backward_max<T extends AnyArray>(m: AnyArray, dy: T, dx: T): number;
  /**
   * out (B, A, R) = src (A, B, R): swaps the two outer axes (the GEMM layout (OC, N*OH*OW) <->
   * NCHW), adding bias[a] to every element of src row a when a bias is given: as an integer on
   * integer storage (the caller bounded the sum), as a float32 add on Float32Array storage.
   */
  swap_outer<T extends AnyArray>(
    src: T,
    A: number,
    B: number,
    R: number,
    bias: ArrayLike<number> | null,
    out: T,
  ): void;
  /**
   * Max pooling over NC planes (H, W) with K x K windows at stride S: y (NC, OH, OW) of x's
   * type, OH = floor((H - K) / S) + 1 (OW alike), and arg = kh*K + kw of each window's first
   * maximum (strict >; the 2x2 stride-2 case starts from the window's first element, others
   * from -Infinity).
   */
  maxpool<T extends AnyArray>(
    x: T,
    NC: number,
    H: number,
    W: number,
    K: number,
    S: number,
    y: T,
    arg: Uint8Array,
  ): void;
  /** dx (NC, H, W) = 0, then dx[window o's argmax] += dy[o], o in output order. */
  maxpool_backward<T extends AnyArray>(
    dy: T,
    arg: Uint8Array,
    NC: number,
    H: number,
    W: number,
    K: number,
    S: number,
    dx: T,
  ): void;
  /** out[c] = sum over n, r of e (N, C, R), added in float64 in order n then r. */
  col_sums(e: AnyArray, N: number, C: number, R: number, out: Float64Array): void;
  /**
   * out = a * ka + b * kb elementwise, ka and kb powers of two. Integer out (Int32Array, or a
   * Float64Array of exact integers) from integer-valued terms: exact, the caller bounds it.
   * Float32Array out: f32(f32(a * ka) + f32(b * kb)). With `relu`, out = out > 0 ? out : 0 and
   * `mask` (if given) = out > 0 ? 1 : 0. Returns max |out|: as bn_forward does for Float32Array
   * out, the exact max for Int32Array out (taken while writing), NaN for Float64Array out.
   */
  add_scaled(
    a: AnyArray,
    ka: number,
    b: AnyArray,
    kb: number,
    relu: boolean,
    mask: Int8Array | null,
    out: Int32Array | Float64Array | Float32Array,
  ): number;
  /**
   * Average pooling's window sums over P planes (H, W), KH x KW windows at strides SH, SW, no
   * padding: y (P, OH, OW), OH = floor((H - KH) / SH) + 1 (OW alike). Int32Array y: exact sums
   * of integer x (the caller bounds them; `scale` unused). Float32Array y: f32(s * scale), s
   * the float64 sum of the window in order kh, kw.
   */
  avgpool(x: AnyArray, g: PoolGeom, scale: number, y: Int32Array | Float32Array): void;
  /**
   * Adjoint of avgpool: dx (P, H, W) = the sum of dy over the windows that cover each element.
   * Int32Array dx: exact, from integer dy. Float32Array dx: f32(s * scale), s the float64 sum
   * (from 0) in output order.
   */
  avgpool_backward(dy: AnyArray, g: PoolGeom, scale: number, dx: Int32Array | Float32Array): void;
  /** dst[i] = float32(src[i] * scale) for i < dst.length (mantissas to values). */
  scale_to_f32(src: AnyArray, scale: number, dst: Float32Array): void;
  /** c[i] += src[i] * scale in float64, for i < c.length. */
  axpy_f64(src: AccArray, scale: number, c: Float64Array): void;
  /** out[c] = sum over r ascending of src[r * cols + c] in float64 (a row-major matrix). */
  sum_rows_f64(src: Float32Array, rows: number, cols: number, out: Float64Array): void;
}
