// SPDX-License-Identifier: MIT
// The Kernels table's GEMMs and convolutions (spec.ts): the integer and float32 GEMMs,
// im2col/col2im, the direct and implicit-GEMM conv passes, and exact integer Winograd
// F(2x2,3x3). ref/ implements them; the faster backends match it bit for bit on integers.

import type { IntArray } from '../tensor/dtype.js';
import type { AnyArray, ConvGeom, GemmShape } from './spec-types.js';

export interface ConvKernels {
  /** float32 GEMM with float32 accumulation. */
  gemm_f32(g: GemmShape, a: Float32Array, b: Float32Array, c: Float32Array): void;
  /**
   * Integer GEMM on int8/int16(/int32-stored narrow) mantissas. With an Int32Array C the
   * caller guarantees K * max|a| * max|b| < 2^31 (see ops/intgemm.ts); with a Float64Array C
   * the backend must produce the exact sums (it may split K into int32-safe chunks).
   */
  gemm_int(g: GemmShape, a: IntArray, b: IntArray, c: Int32Array | Float64Array): void;
  /**
   * `batch` independent gemm_f32 of shape g in one call (attention's per-(sample, head)
   * products): block i of a, b and c starts at element i*M*K, i*K*N and i*M*N; each block
   * gets the bits this backend's gemm_f32(g) gives it.
   */
  gemm_f32_batch(
    g: GemmShape,
    batch: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
  ): void;
  /**
   * `batch` independent gemm_int of shape g, blocks as gemm_f32_batch: exact, so the same
   * integers as one gemm_int per block. The caller's accumulator bound (and maxA, maxB) hold
   * for every block.
   */
  gemm_int_batch(
    g: GemmShape,
    batch: number,
    a: IntArray,
    b: IntArray,
    c: Int32Array | Float64Array,
  ): void;
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
   * with each filter's taps reversed (ops/conv-input-grad.ts rotatedFilter) without building that copy.
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
}
