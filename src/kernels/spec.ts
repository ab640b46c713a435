// SPDX-License-Identifier: MIT
// Kernel specs: the typed operations every backend provides. Declared once here; `ref/`
// implements them in plain TypeScript (the definition of correct) and faster backends must
// match it bit for bit on integers. Kernels know nothing of schemes or layers.

import type { DType, DTypeMap, IntArray, MantArray } from '../tensor/dtype.js';
import type { Rng } from '../quant/rng.js';
import type { Rounding } from '../quant/rounding.js';
import type { QuantStats } from '../quant/stats.js';

import type {
  AccArray,
  AnyArray,
  ConvGeom,
  FloatFn,
  GemmShape,
  LstmStep,
  PoolGeom,
  WageubnStep,
} from './spec-types.js';

export type {
  AccArray,
  AnyArray,
  ConvGeom,
  FloatFn,
  GemmShape,
  LstmStep,
  PoolGeom,
  WageubnStep,
} from './spec-types.js';

export interface Kernels {
  readonly name: string;
  /** float32 GEMM with float32 accumulation. */
  gemm_f32(g: GemmShape, a: Float32Array, b: Float32Array, c: Float32Array): void;
  /**
   * Integer GEMM on int8/int16(/int32-stored narrow) mantissas. With an Int32Array C the
   * caller guarantees K * max|a| * max|b| < 2^31 (see ops/intgemm.ts); with a Float64Array C
   * the backend must produce the exact sums (it may split K into int32-safe chunks).
   */
  gemm_int(g: GemmShape, a: IntArray, b: IntArray, c: Int32Array | Float64Array): void;
  /**
   * im2col over a whole batch: x (N,C,H,W) -> col (C*KH*KW, N*OH*OW), zero padding.
   * Works on any element type (mantissas or floats).
   */
  im2col<T extends AnyArray>(geom: ConvGeom, x: T, col: T): void;
  /**
   * Optional: y (M, N*OH*OW) = w (M, C*KH*KW) x im2col(x) for float32 x (N, C, H, W), without
   * materializing the im2col matrix; the same bits as im2col then gemm_f32 (M, N*OH*OW,
   * C*KH*KW) on this backend.
   */
  /**
   * Optional: y (M, N*OH*OW) = w (M, C*KH*KW) x im2col(x) on int8/int16 mantissas into int32,
   * without materializing the im2col matrix. The caller guarantees C*KH*KW * max|w| * max|x|
   * < 2^31 (as for gemm_int with an Int32Array C).
   */
  conv_gemm_int?(geom: ConvGeom, w: IntArray, M: number, x: IntArray, y: Int32Array): void;
  /**
   * Optional: conv_gemm_int written as NCHW, y (N, M, OH*OW), plus bias[m] (integers, or null)
   * on channel m: the result of conv_gemm_int then swap_outer(c, M, N, OH*OW, bias, y), without
   * the (M, N*OH*OW) array. The caller keeps C*KH*KW * max|w| * max|x| + max|bias| < 2^31.
   */
  conv_gemm_int_nchw?(
    geom: ConvGeom,
    w: IntArray,
    M: number,
    x: IntArray,
    bias: ArrayLike<number> | null,
    y: Int32Array,
  ): void;
  /**
   * Optional: conv_gemm_int_nchw's y as exact float64, for sums past int32 (int16 w and x):
   * y (N, M, OH*OW) = the im2col + gemm_int float64 product with its outer axes swapped, plus
   * bias[m], without the (C*KH*KW, N*OH*OW) im2col matrix. maxW, maxX: max |w| and max |x|
   * (the caller's; C*KH*KW * maxW * maxX + max|bias| <= 2^53).
   */
  conv_gemm_int_f64_nchw?(
    geom: ConvGeom,
    w: IntArray,
    M: number,
    x: IntArray,
    bias: ArrayLike<number> | null,
    y: Float64Array,
    maxW: number,
    maxX: number,
  ): void;
  /**
   * Optional: dw (M, C*KH*KW) = e (M, N*OH*OW) x im2col(x)^T for float32 x (N, C, H, W) (a
   * conv's weight gradient from its error rows) without materializing the im2col matrix;
   * within float32 rounding of im2col then gemm_f32 (its own summation order). batchMajor
   * (where weightGradBatchMajorF32 takes g): e given as (N, M, OH*OW) instead.
   */
  conv_weight_grad_f32?(
    geom: ConvGeom,
    e: Float32Array,
    M: number,
    x: Float32Array,
    dw: Float32Array,
    batchMajor?: boolean,
  ): void;
  /**
   * Optional: whether conv_weight_grad_f32 takes e batch-major, (N, M, OH*OW) as the layer's
   * error comes, for geometry g (batchMajor true; absent: never): the same bits as its rows.
   */
  weightGradBatchMajorF32?(g: ConvGeom): boolean;
  /**
   * Optional: dw (M, C*KH*KW) = e x im2col(x)^T on int16 (or, where weightGradIntDirect takes
   * them, int8) mantissas, x (N, C, H, W), e batch-major (N, M, OH*OW) as the layer's error
   * comes, without the im2col matrix: the exact sums of gemm_int (M, C*KH*KW, N*OH*OW,
   * transB) on e's rows and im2col(x), into the dw the caller allocated from the same bound
   * (int32, or float64). e and x of one type. maxE, maxX: max |e|, max |x|. Returns false (dw
   * untouched) where this backend does not run g or these values (the caller then takes
   * im2col and gemm_int).
   */
  conv_weight_grad_int?(
    geom: ConvGeom,
    e: Int8Array | Int16Array,
    M: number,
    x: Int8Array | Int16Array,
    dw: Int32Array | Float64Array,
    maxE: number,
    maxX: number,
  ): boolean;
  /**
   * Optional: dx (N, C, H, W) of the conv g from int8 e (N, OC, OH, OW) and int8 w (OC,
   * C*KH*KW), without a dcol matrix: the integers of gemm_int (C*KH*KW, N*OH*OW, OC, transA)
   * then col2im. The caller keeps every dx within int32 (from the operand types). Returns
   * false (dx untouched) where this backend does not run g.
   */
  conv_input_grad_int8?(
    geom: ConvGeom,
    e: Int8Array,
    OC: number,
    w: Int8Array,
    dx: Int32Array,
  ): boolean;
  /**
   * Optional: conv_gemm_int_nchw's y (N, M, OH*OW) (+ bias[m]) for int8 w and int16 x, where
   * this backend runs g and these values: the same integers. The caller keeps every y within
   * int32 (by the types or by max |w| and max |x|). Returns false (y untouched) elsewhere.
   */
  conv_int8_int16?(
    geom: ConvGeom,
    w: Int8Array,
    M: number,
    x: Int16Array,
    bias: ArrayLike<number> | null,
    y: Int32Array,
  ): boolean;
  /**
   * Optional: conv_input_grad_int8's dx for int16 e (N, OC, OH, OW), where this backend runs g
   * and these values: the same integers. The caller keeps every dx within int32 (by the types
   * or by max |w| and max |e|). Returns false (dx untouched) elsewhere.
   */
  conv_input_grad_int8_int16?(
    geom: ConvGeom,
    e: Int16Array,
    OC: number,
    w: Int8Array,
    dx: Int32Array,
  ): boolean;
  /**
   * Optional: whether conv_weight_grad_int runs geometry g on e and x of `bytes`-byte
   * mantissas (absent: int16 only, where conv_weight_grad_int is present). A layer whose
   * backward will take it need not keep its forward's im2col matrix.
   */
  weightGradIntDirect?(g: ConvGeom, bytes: 1 | 2): boolean;
  /**
   * Optional: y (N, M, OH*OW) = conv(x (N, C, H, W), w (M, C*KH*KW)) in float32 for the
   * geometries preferConvDirectF32 takes (stride-1 'same' convs), straight into the
   * batch-major layout (no im2col matrix, no layout swap); the same bits as im2col then
   * gemm_f32 on these kernels, rows swapped (A, B, R) -> (B, A, R). rotated: w is the filter
   * (C, M, KH*KW) of the conv whose input gradient this conv computes, read as (M, C, KH*KW)
   * with each filter's taps reversed (ops/conv.ts rotatedFilter) without building that copy.
   */
  conv_direct_f32?(
    geom: ConvGeom,
    w: Float32Array,
    M: number,
    x: Float32Array,
    y: Float32Array,
    rotated?: boolean,
  ): void;
  /** Optional: whether conv_direct_f32 runs geometry g (absent: never). */
  preferConvDirectF32?(g: ConvGeom): boolean;
  conv_gemm_f32?(
    geom: ConvGeom,
    w: Float32Array,
    M: number,
    x: Float32Array,
    y: Float32Array,
  ): void;
  /** Adjoint of im2col: col (C*KH*KW, N*OH*OW) summed into dx (N,C,H,W) (dx zeroed first). */
  col2im<T extends Float32Array | Int32Array | Float64Array>(geom: ConvGeom, col: T, dx: T): void;
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
  // Exact integer Winograd F(2x2,3x3) for 3x3 stride-1 convs over int8 mantissas (the
  // definitions, layouts and bounds: ref/winograd.ts; ops/winograd.ts chains them with GEMMs).
  /** U (16, OC, C) int16 = G' w G'^T of w (OC, C, 3, 3) int8. */
  winograd_filter(w: Int8Array, OC: number, C: number, U: Int16Array): void;
  /** V (16, C, T) int16 = B^T d B of every 4x4 input tile of x (N, C, H, W) int8. */
  winograd_input(g: ConvGeom, x: Int8Array, V: Int16Array): void;
  /**
   * y (N, OC, OH, OW) int32 = conv(x (N, C, H, W) int8, w) (+ bias[oc], integers) from
   * U = winograd_filter(w): the direct conv's sums (the caller bounds them to int32).
   */
  winograd_conv(
    g: ConvGeom,
    x: Int8Array,
    U: Int16Array,
    OC: number,
    bias: ArrayLike<number> | null,
    y: Int32Array,
  ): void;
  /** E (16, OC, T) int16 = A e A^T of every 2x2 tile of e (N, OC, OH, OW) int8. */
  winograd_error(g: ConvGeom, OC: number, e: Int8Array, E: Int16Array): void;
  /** dw (OC, C, 3, 3) = G'^T dU G' / 4 of dU (16, OC, C). */
  winograd_wgrad(
    dU: Int32Array | Float64Array,
    OC: number,
    C: number,
    dw: Int32Array | Float64Array,
  ): void;
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
  // The optimizers' arithmetic over whole float32 parameter tensors (src/optim/), in float64
  // with one float32 rounding per store, as written in src/kernels/ref/optim.ts.
  /** v = clamp(round(v 2^-exp)) 2^exp in place: quantize then dequantize, same draws and counts. */
  round_to_grid_f32(
    v: Float32Array,
    exp: number,
    bits: number,
    rounding: Rounding,
    rng: Rng | null,
    symmetric?: boolean,
  ): QuantStats;
  /** m = mu m + g + decay theta. */
  sgd_momentum_f32(
    m: Float32Array,
    g: Float32Array,
    theta: Float32Array,
    mu: number,
    decay: number,
  ): void;
  /** u = lr x, or with theta u = lr (x + decay theta). */
  sgd_update_f32(
    u: Float32Array,
    x: Float32Array,
    lr: number,
    theta: Float32Array | null,
    decay: number,
  ): void;
  /** a += b. */
  add_inplace_f32(a: Float32Array, b: Float32Array): void;
  /** a -= b. */
  sub_inplace_f32(a: Float32Array, b: Float32Array): void;
  /** acc -= before - theta (the lazy update's carry). */
  kahan_carry_f32(acc: Float32Array, before: Float32Array, theta: Float32Array): void;
  /** gi = g + decay theta; m = b1 m + (1 - b1) gi; v = b2 v + (1 - b2) gi gi. */
  adam_moments_f32(
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    theta: Float32Array,
    b1: number,
    b2: number,
    decay: number,
  ): void;
  /** u = lr clamp((m / c1) / (sqrt(v / c2) + eps), -bound, bound). */
  adam_update_f32(
    u: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    c1: number,
    c2: number,
    eps: number,
    bound: number,
  ): void;
  /** WAGEUBN's integer Momentum: theta, g (n) f32, acc (n) f64 updated in place. */
  wageubn_momentum_f32(
    theta: Float32Array,
    g: Float32Array,
    acc: Float64Array,
    step: WageubnStep,
  ): void;
  /**
   * One LSTM step's gate arithmetic in fixed point (formats, rounding and error bound in
   * ref/lstm.ts): gx, gh (N,4H) the two GEMMs' accumulators, scaled onto Q.12 by 2^zx and
   * 2^zh (zx = their exponent + 12), b12 (4H) the bias in Q.12, hPrev (N,H) Q0.15, cPrev
   * (N,H) Q.15 ->
   * act (N,4H) gates i,f,g,o, tc = tanh(c_t), h (N,H) Q0.15, c (N,H) Q.15.
   */
  lstm_fwd_fixed(
    s: LstmStep,
    gx: AccArray,
    zx: number,
    gh: AccArray,
    zh: number,
    b12: Int32Array,
    hPrev: Int16Array,
    cPrev: Int32Array,
    act: Int16Array,
    tc: Int16Array,
    h: Int16Array,
    c: Int32Array,
  ): void;
  /**
   * Its backward in float32 (ref/lstm.ts): dh = dhp * scale on rows live at t+1 (dhp null:
   * kept), dh += ey (null: none), then dz (N,4H) and dc from the saved act, tc and cPrev.
   */
  lstm_bwd_f32(
    s: LstmStep,
    dhp: AccArray | null,
    scale: number,
    ey: Float32Array | null,
    act: Int16Array,
    tc: Int16Array,
    cPrev: Int32Array,
    dh: Float32Array,
    dc: Float32Array,
    dz: Float32Array,
  ): void;
  /**
   * One LSTM step's gates on the float path (arithmetic in ref/lstm-float.ts): gx, gh (N,4H)
   * the two GEMMs' rows of step t, bias (4H), hPrev, cPrev (N,H) -> act (N,4H) gates i,f,g,o,
   * tc = tanh(c_t), h, c (N,H); all float32, float64 inside, lowbit's own sigmoid and tanh.
   */
  lstm_fwd_float(
    s: LstmStep,
    gx: Float32Array,
    gh: Float32Array,
    bias: Float32Array,
    hPrev: Float32Array,
    cPrev: Float32Array,
    act: Float32Array,
    tc: Float32Array,
    h: Float32Array,
    c: Float32Array,
  ): void;
  /**
   * Its backward (ref/lstm-float.ts): dh = dhp on rows live at t+1 (dhp null: kept), dh += ey
   * (null: none), then dz (N,4H) and dc from the saved act, tc and cPrev; all float32.
   */
  lstm_bwd_float(
    s: LstmStep,
    dhp: Float32Array | null,
    ey: Float32Array | null,
    act: Float32Array,
    tc: Float32Array,
    cPrev: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    dz: Float32Array,
  ): void;
  /** y[i] = fn(x[i]) for i < y.length with lowbit's float64 exp, sigmoid, tanh. */
  float_fn_f64(fn: FloatFn, x: Float64Array, y: Float64Array): void;
  /**
   * Attention's softmax in fixed point over rows of scores (ref/softmax.ts): the first
   * `valid` columns, scaled by `mult` = 2^(exp+12)/sqrt(H) -> p (rows, cols) Q0.15.
   */
  softmax_fixed(
    scores: AccArray,
    rows: number,
    cols: number,
    valid: number,
    mult: number,
    p: Int16Array,
  ): void;
  /** ds = p (dp dpScale - sum p dp dpScale) scale, float64 rounded to float32 once. */
  softmax_bwd(
    p: Int16Array,
    dp: AccArray | Float32Array,
    dpScale: number,
    rows: number,
    cols: number,
    scale: number,
    ds: Float32Array,
  ): void;
  /** dst[i] = float32(src[i] * scale) for i < dst.length (mantissas to values). */
  scale_to_f32(src: AnyArray, scale: number, dst: Float32Array): void;
  /** c[i] += src[i] * scale in float64, for i < c.length. */
  axpy_f64(src: AccArray, scale: number, c: Float64Array): void;
  /** out[c] = sum over r ascending of src[r * cols + c] in float64 (a row-major matrix). */
  sum_rows_f64(src: Float32Array, rows: number, cols: number, out: Float64Array): void;
  /**
   * Optional: runs the kernels on `n` threads (results are the same bits for every n);
   * resolves once the threads are ready.
   */
  setThreads?(n: number): Promise<void>;
  /**
   * Optional: whether a 3x3 stride-1 int8 conv pass ('forward' or 'inputGrad') should run as
   * exact Winograd (winograd_conv) rather than im2col + gemm_int on these kernels (absent:
   * Winograd). Both give the same integers; the faster route depends on the instruction set
   * (ops/winograd.ts winogradFor). g: the conv's geometry (for either pass).
   */
  preferWinograd?(g: ConvGeom, pass: 'forward' | 'inputGrad'): boolean;
  /**
   * Optional: whether the float32 input gradient of a stride-1 'same' conv runs as a forward
   * conv of the error (ops/conv.ts convInputGradF32: im2col of e, one GEMM of depth
   * OC*KH*KW, a layout swap) instead of dcol = W^T e' and col2im: the same sums in another
   * order, without the dcol matrix KH*KW times larger than dx. Absent: false.
   */
  preferInputGradAsConvF32?(g: ConvGeom): boolean;
  /** Optional: what the kernels run on, for messages (e.g. "avx2, 2 threads"). */
  describe?(): string;
  /**
   * Optional: an array of `n` elements for the tensors of training step `step`, placed where
   * this backend's kernels use it in place (WASM memory: no copies in or out); zeroed unless
   * `zeroed` is false (the caller then overwrites every element). It stays valid until an
   * array for another step is asked for, so only a step's own tensors may live there. Absent
   * (or null) means: allocate ordinarily. Use kernels/step-array.ts `stepArray`.
   */
  stepArray?<D extends DType>(
    dtype: D,
    n: number,
    step: number,
    zeroed?: boolean,
  ): DTypeMap[D] | null;
}
