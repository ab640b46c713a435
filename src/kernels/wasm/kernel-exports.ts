// SPDX-License-Identifier: MIT
// The exports of assembly/index.ts with their typed signatures (the declaration of the kernel
// ABI; exports.ts checks a loaded module against it): GEMMs, conv data movers, quantizers,
// element-wise and Winograd kernels here, the other families in kernel-exports-*.ts.

import type { ElemKind, RoundCode } from './codes.js';
import type {
  F64,
  GemmDotArgs,
  GemmWideDotArgs,
  GemmF32Args,
  GemmIntArgs,
  GemmSmallMArgs,
  GemmWideArgs,
  I32,
  Ptr,
} from './abi-args.js';
import type { NormExports } from './kernel-exports-norm.js';
import type { OptimExports } from './kernel-exports-optim.js';
import type { SequenceExports } from './kernel-exports-sequence.js';

/** im2col/col2im: geometry (12 int32 words, ConvGeom order), source and destination. */
type ConvCopy = (geom: Ptr, src: Ptr, dst: Ptr) => void;

/** Every export: these and the families of kernel-exports-*.ts. */
export interface KernelExports extends SequenceExports, NormExports, OptimExports {
  /** First free byte after static data. */
  heap_base(): Ptr;

  /** Integer GEMM, route chosen by shape (dot, small-M or blocked). */
  gemm_i16_i32acc(...args: GemmIntArgs): void;
  gemm_i16_i32acc__blocked(...args: GemmIntArgs): void;
  gemm_i16_i32acc__smallm(...args: GemmSmallMArgs): void;
  gemm_i16_i32acc__dot(...args: GemmDotArgs): void;
  /** Exact integer GEMM into float64 C (chunked int32 sums, limbs for wide operands). */
  gemm_i16_f64acc(...args: GemmWideArgs): void;
  /** The exact wide GEMM's dot route: A B^T, rows read in place, one limb each. */
  gemm_i16_f64acc__dot(...args: GemmWideDotArgs): void;
  /** Scratch bytes of gemm_i16_i32acc and __blocked (enough for __smallm up to K = 8192). */
  gemm_int_scratch_bytes(): I32;
  gemm_smallm_scratch_bytes(K: I32): I32;
  gemm_f32(...args: GemmF32Args): void;
  gemm_f32_scratch_bytes(): I32;

  im2col_x8: ConvCopy;
  im2col_x16: ConvCopy;
  im2col_x32: ConvCopy;
  im2col_x64: ConvCopy;
  /** im2col of channels [c0, c1) only, es-byte elements: its own rows of col, nothing else. */
  im2col_rows(geom: Ptr, x: Ptr, col: Ptr, es: I32, c0: I32, c1: I32): void;
  col2im_f32: ConvCopy;
  col2im_f32_rows(geom: Ptr, col: Ptr, dx: Ptr, c0: I32, c1: I32): void;
  col2im_i32: ConvCopy;
  col2im_f64: ConvCopy;

  /** src (n of kind sk) * scale, rounded and clamped to [lo, hi] -> out (kind ok); stats [sat, und]. */
  quantize(
    src: Ptr,
    sk: ElemKind,
    n: I32,
    scale: F64,
    lo: F64,
    hi: F64,
    mode: RoundCode,
    out: Ptr,
    ok: ElemKind,
    rng: Ptr,
    stats: Ptr,
  ): void;
  /** src (n of kind sk) / 2^s rounded and clamped -> out (kind ok); stats [sat, und]. */
  requantize(
    src: Ptr,
    sk: ElemKind,
    n: I32,
    s: I32,
    div: F64,
    half: F64,
    rfac: F64,
    lo: F64,
    hi: F64,
    mode: RoundCode,
    out: Ptr,
    ok: ElemKind,
    rng: Ptr,
    stats: Ptr,
  ): void;
  /** WAGEUBN flag quantization (eq. 16) of src * pre * post, k-bit data (half = 2^(k-1)). */
  flag_quantize(
    src: Ptr,
    sk: ElemKind,
    n: I32,
    pre: F64,
    post: F64,
    half: F64,
    out: Ptr,
    ok: ElemKind,
    stats: Ptr,
  ): void;
  /** [min, max] of n elements of `kind` as two f64 at out. */
  minmax(src: Ptr, kind: ElemKind, n: I32, out: Ptr): void;
  /** sum |x| of n elements of `kind` in the reference's 16-lane order into l[0]; l: 16 f64. */
  sum_abs(src: Ptr, kind: ElemKind, n: I32, l: Ptr): void;
  /** c64 (f64) += c32 (i32), n elements. */
  add_i32_to_f64(c64: Ptr, c32: Ptr, n: I32): void;

  zero_bytes(p: Ptr, bytes: I32): void;
  relu_fwd(x: Ptr, y: Ptr, kind: ElemKind, n: I32, mask: Ptr): void;
  relu_bwd4(y: Ptr, ky: ElemKind, dy: Ptr, dx: Ptr, n: I32): void;
  swap_outer(src: Ptr, A: I32, B: I32, R: I32, es: I32, kind: ElemKind, bias: Ptr, out: Ptr): void;
  /** swap_outer over source rows [a0, a1) only (disjoint ranges run on worker threads). */
  swap_outer_rows(
    src: Ptr,
    A: I32,
    B: I32,
    R: I32,
    es: I32,
    kind: ElemKind,
    bias: Ptr,
    out: Ptr,
    a0: I32,
    a1: I32,
  ): void;
  maxpool_fwd(
    x: Ptr,
    kind: ElemKind,
    NC: I32,
    H: I32,
    W: I32,
    K: I32,
    S: I32,
    OH: I32,
    OW: I32,
    y: Ptr,
    arg: Ptr,
  ): void;
  maxpool_bwd(
    dy: Ptr,
    kind: ElemKind,
    arg: Ptr,
    NC: I32,
    H: I32,
    W: I32,
    K: I32,
    S: I32,
    OH: I32,
    OW: I32,
    dx: Ptr,
  ): void;
  col_sums(e: Ptr, kind: ElemKind, N: I32, C: I32, R: I32, out: Ptr): void;

  /** dst f32 = src * scale; c f64 += src * scale (n elements of kind `kind`). */
  scale_to_f32(src: Ptr, kind: ElemKind, n: I32, scale: F64, dst: Ptr): void;
  axpy_f64(src: Ptr, kind: ElemKind, n: I32, scale: F64, c: Ptr): void;
  /** out f64 (cols) = column sums of src f32 (rows, cols), rows in order. */
  sum_rows_f64(src: Ptr, rows: I32, cols: I32, out: Ptr): void;
  /** Winograd F(2x2,3x3) transforms (src/kernels/ref/winograd.ts); geom: 12 i32 words. */
  winograd_filter(w: Ptr, OC: I32, C: I32, U: Ptr): void;
  /** ps: elements between V's positions (ref/winograd.ts winogradStride). */
  /** Tiles of images [n0, n1) only. */
  winograd_input(geom: Ptr, x: Ptr, V: Ptr, ps: I32, scratch: Ptr, n0: I32, n1: I32): void;
  /** Fused conv of images n0..n1 from U (16, OC, C); bias: OC f64 integers or 0. */
  winograd_conv(
    geom: Ptr,
    x: Ptr,
    U: Ptr,
    OC: I32,
    bias: Ptr,
    y: Ptr,
    n0: I32,
    n1: I32,
    scratch: Ptr,
  ): void;
  winograd_conv_scratch_bytes(geom: Ptr, OC: I32): I32;
  /** Tiles of images [n0, n1) only. */
  winograd_error(geom: Ptr, OC: I32, e: Ptr, E: Ptr, ps: I32, scratch: Ptr, n0: I32, n1: I32): void;
  /** dU kind and dw kind: KIND_I32 or KIND_F64. */
  winograd_wgrad(dU: Ptr, kd: ElemKind, OC: I32, C: I32, dw: Ptr, kw: ElemKind): void;
  /** Scratch bytes of winograd_input / winograd_error for a geometry. */
  winograd_scratch_bytes(geom: Ptr): I32;
}

export type ExportName = keyof KernelExports;
/** The argument list of an export. */
export type ArgsOf<F extends ExportName> = Parameters<KernelExports[F]>;
