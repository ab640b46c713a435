// SPDX-License-Identifier: MIT
// The native addon's instruction sets and the kernel functions of each, typed (argument orders:
// native/src/bind-*.cc), and the list a loaded build must have: the GEMMs, convolutions,
// quantizers and element-wise kernels here, the other families in float-passes.ts,
// sequence.ts and layernorm.ts.

import type { AnyArray, Kernels } from '../spec.js';
import type { IntArray, MantArray } from '../../tensor/dtype.js';
import type { RoundCode } from '../wasm/codes.js';
import { FLOAT_PASS_FUNCTIONS, type NativeFloatPasses } from './float-passes.js';
import { SEQUENCE_FUNCTIONS, type NativeSequence } from './sequence.js';
import { LAYERNORM_FUNCTIONS, type NativeLayernorm } from './layernorm.js';

/**
 * The instruction sets the addon's kernels are built for, fastest first, and a test path:
 * `avx512amx` is `avx512vnni` with the direct int8 convolutions on AMX tiles (where the CPU
 * has AMX-INT8 and Linux grants the tile state); `avx512vnni-emulated` runs the AVX-512 VNNI
 * integer GEMM path (tiles, layouts, offset correction) with a scalar microkernel on any AVX2
 * CPU; it is never picked by dispatch.
 */
export type NativeIsa = 'avx512amx' | 'avx512vnni' | 'avx2' | 'portable' | 'avx512vnni-emulated';
export const NATIVE_ISAS: readonly NativeIsa[] = ['avx512amx', 'avx512vnni', 'avx2', 'portable'];
/** Whether `isa` runs the AVX-512 kernels (avx512amx: every one of them but the AMX convs). */
export function isAvx512(isa: NativeIsa): boolean {
  return isa === 'avx512vnni' || isa === 'avx512amx';
}
export const NATIVE_TEST_ISAS: readonly NativeIsa[] = ['avx512vnni-emulated'];

/** The kernel functions of one instruction set (argument orders: native/src/bind-*.cc). */
export interface NativeIsaKernels extends NativeFloatPasses, NativeSequence, NativeLayernorm {
  readonly isa: NativeIsa;
  gemmInt(
    M: number,
    N: number,
    K: number,
    a: IntArray,
    transA: boolean,
    b: IntArray,
    transB: boolean,
    c: Int32Array | Float64Array,
    accumulate: boolean,
    /** Upper bounds on max |a|, max |b| (GemmShape maxA, maxB), or -1: scanned. */
    maxA: number,
    maxB: number,
    /** Given: gemm_int_batch, this many contiguous blocks. */
    batch?: number,
  ): void;
  gemmF32(
    M: number,
    N: number,
    K: number,
    a: Float32Array,
    transA: boolean,
    b: Float32Array,
    transB: boolean,
    c: Float32Array,
    accumulate: boolean,
    /** Given: gemm_f32_batch, this many contiguous blocks. */
    batch?: number,
  ): void;
  /** c (M, N*OH*OW) = w (M, C*KH*KW) im2col(x) on int8/int16 mantissas into int32. */
  convGemmInt(geom: Float64Array, w: IntArray, M: number, x: IntArray, c: Int32Array): void;
  convGemmIntNchw(
    geom: Float64Array,
    w: IntArray,
    M: number,
    x: IntArray,
    y: Int32Array,
    bias: Float64Array | null,
  ): void;
  /** convGemmIntNchw into exact float64 y, for sums past int32 (maxW, maxX: the maxima). */
  convGemmIntF64Nchw(
    geom: Float64Array,
    w: IntArray,
    M: number,
    x: IntArray,
    y: Float64Array,
    bias: Float64Array | null,
    maxW: number,
    maxX: number,
  ): void;
  /** dw (M, C*KH*KW) (+)= e (M, N*OH*OW) im2col(x)^T, without the im2col matrix. */
  convWeightGradF32(
    geom: Float64Array,
    e: Float32Array,
    M: number,
    x: Float32Array,
    dw: Float32Array,
    accumulate: boolean,
    batchMajor?: boolean,
  ): void;
  /**
   * dw (M, C*KH*KW) = e (M, N*OH*OW) im2col(x)^T on int16 or int8 mantissas (e and x of one
   * type) without the im2col matrix (stride-1 'same' convs, avx512vnni and avx512amx only; e (N, M, OH*OW)
   * where batchMajor): int32 or exact float64 dw. maxE, maxX bound max |e|, max |x|. false:
   * not run here (dw untouched).
   */
  convWeightGradInt(
    geom: Float64Array,
    e: Int8Array | Int16Array,
    M: number,
    x: Int8Array | Int16Array,
    dw: Int32Array | Float64Array,
    batchMajor: boolean,
    maxE: number,
    maxX: number,
  ): boolean;
  /**
   * dx (N, C, H, W) of the conv geom from int8 e (N, OC, OH, OW) and int8 w (OC, C*KH*KW),
   * the transposed conv read from e's planes (stride 1 or 2, padding (K - 1) / 2, avx512vnni/amx
   * only); the caller keeps dx within int32. false: not run here (dx untouched). Absent from
   * addons built before it.
   */
  convInputGradInt8?(
    geom: Float64Array,
    e: Int8Array,
    OC: number,
    w: Int8Array,
    dx: Int32Array,
  ): boolean;
  /**
   * convGemmIntNchw's y for int8 w and int16 x by the int8 direct conv over x split into two
   * int8 halves (native/src/conv-i8-i16.h); the caller keeps y within int32. false: not run
   * here (y untouched; also where some x > 32639). Absent from addons built before it.
   */
  convI8I16?(
    geom: Float64Array,
    w: Int8Array,
    M: number,
    x: Int16Array,
    y: Int32Array,
    bias: Float64Array | null,
  ): boolean;
  /** convInputGradInt8 for int16 e, split likewise (e > 32639: false). Absent before it. */
  convInputGradI8I16?(
    geom: Float64Array,
    e: Int16Array,
    OC: number,
    w: Int8Array,
    dx: Int32Array,
  ): boolean;
  /**
   * y (N, M, OH*OW) = conv(x, w (M, C*KH*KW)): stride-1 'same' convs, avx512vnni and avx512amx only.
   * rotated: w is (C, M, KH*KW), read with its outer dims swapped and taps reversed.
   */
  convDirectF32(
    geom: Float64Array,
    w: Float32Array,
    M: number,
    x: Float32Array,
    y: Float32Array,
    rotated?: boolean,
  ): void;
  /** c (M, N*OH*OW) (+)= w (M, C*KH*KW) im2col(x), without the im2col matrix. */
  convGemmF32(
    geom: Float64Array,
    w: Float32Array,
    M: number,
    x: Float32Array,
    c: Float32Array,
    accumulate: boolean,
  ): void;
  /** counts receives [saturated, underflow]; state: xoshiro128** words (stochastic only). */
  quantize(
    values: Float32Array | Float64Array,
    scale: number,
    lo: number,
    hi: number,
    rounding: RoundCode,
    state: Uint32Array | null,
    out: IntArray,
    counts: Float64Array,
  ): void;
  requantize(
    mant: MantArray,
    shift: number,
    div: number,
    half: number,
    p24: number,
    lo: number,
    hi: number,
    rounding: RoundCode,
    state: Uint32Array | null,
    out: IntArray,
    counts: Float64Array,
  ): void;
  /** max |x|, NaN where x holds NaN or an infinity. */
  maxAbs(x: AnyArray): number;
  /** sum |x| in Kernels.sum_abs's lane order (NaN where x holds NaN). */
  sumAbs(x: AnyArray): number;
  /** Elements with |x| >= t (bind-convert.cc). */
  countAbsAtLeast(x: AnyArray, t: number): number;
  /** dst = float32(src * scale) over dst.length elements (bind-convert.cc). */
  scaleToF32(src: AnyArray, scale: number, dst: Float32Array): void;
  relu(x: AnyArray, y: AnyArray, mask: Int8Array | null): void;
  /** dx = m > 0 ? dy : 0; returns max |dx| when wantMax (NaN: NaN or an infinity), else NaN. */
  reluBackward(m: AnyArray, dy: AnyArray, dx: AnyArray, wantMax: boolean): number;
  swapOuter(
    src: AnyArray,
    A: number,
    B: number,
    R: number,
    bias: Float64Array | null,
    out: AnyArray,
  ): void;
  maxpool(
    x: AnyArray,
    NC: number,
    H: number,
    W: number,
    K: number,
    S: number,
    y: AnyArray,
    arg: Uint8Array,
  ): void;
  maxpoolBackward(
    dy: AnyArray,
    arg: Uint8Array,
    NC: number,
    H: number,
    W: number,
    K: number,
    S: number,
    dx: AnyArray,
  ): void;
  colSums(e: AnyArray, N: number, C: number, R: number, out: Float64Array): void;
  /** geom: N, C, H, W, KH, KW, strideH, strideW, padH, padW, OH, OW. */
  im2col(geom: Float64Array, x: AnyArray, col: AnyArray): void;
  col2im(geom: Float64Array, col: AnyArray, dx: AnyArray): void;
  /** BatchNorm's per-channel sums into out (C, 4). */
  bnSums: Kernels['bn_sums'];
  /** Returns max |y|, NaN where y holds NaN or an infinity. */
  bnForward: Kernels['bn_forward'];
  /** BatchNorm's integer affine y = g x + b; returns max |y| (Int32Array y), else NaN. */
  bnAffineInt: NonNullable<Kernels['bn_affine_int_max']>;
  /** BatchNorm's x-hat rounded to int32 mantissas (Kernels.bn_xhat_int). */
  bnXhatInt: NonNullable<Kernels['bn_xhat_int']>;
  /** bn_backward's max |dx| without dx. */
  bnBackwardMax: NonNullable<Kernels['bn_backward_max']>;
  /** Flag quantization (pre = 1, post = 2^-scExp, half, top) of bn_backward's dx; counts =
   * [saturated, underflow]. */
  bnBackwardFlag(
    e: AnyArray,
    x: AnyArray,
    mask: Int8Array | null,
    N: number,
    C: number,
    R: number,
    p: Float64Array,
    xhat32: boolean,
    post: number,
    half: number,
    top: number,
    out: IntArray,
    counts: Float64Array,
  ): void;
  /** Returns max |dx| as bnForward does. */
  bnBackward: Kernels['bn_backward'];
  /** Returns max |out| (float32 out), else NaN. */
  addScaled: Kernels['add_scaled'];
  /** out = [min, max] of x and 0 (-0 possible); false where x holds NaN or an infinity. */
  minMax(x: AnyArray, out: Float64Array): boolean;
  /** Flag quantization with pre = 2^xExp, post = 2^-scExp, half = 2^(k-1), top = half - 1. */
  flagQuantize(
    x: AnyArray,
    pre: number,
    post: number,
    half: number,
    top: number,
    out: IntArray,
    counts: Float64Array,
  ): void;
  /** v = clamp(round(v scale), lo, hi) unscale in place (Kernels.round_to_grid_f32). */
  roundToGrid(
    v: Float32Array,
    scale: number,
    unscale: number,
    lo: number,
    hi: number,
    rounding: RoundCode,
    state: Uint32Array | null,
    counts: Float64Array,
  ): void;
  /** The optimizers' updates (Kernels.sgd_momentum_f32, ...), the same argument orders. */
  sgdMomentum: Kernels['sgd_momentum_f32'];
  sgdUpdate: Kernels['sgd_update_f32'];
  /** a += sign b. */
  addInplace(a: Float32Array, b: Float32Array, sign: 1 | -1): void;
  /** acc -= before - theta, all float32 of one length. */
  kahanCarry: Kernels['kahan_carry_f32'];
  /** Kernels.wageubn_momentum_f32 with the scales sGC = 2^(kGC - 1), ... */
  wageubnMomentum(
    theta: Float32Array,
    g: Float32Array,
    acc: Float64Array,
    lr: number,
    mom: number,
    decay: number,
    quantized: boolean,
    sGC: number,
    sAcc: number,
    accEven: boolean,
    sWU: number,
    lim: number,
  ): void;
  /** y (N, OC, OH, OW) = Winograd conv of x (N, C, H, W) by U (16, OC, C) (+ bias). */
  winogradConv(
    geom: Float64Array,
    x: Int8Array,
    U: Int16Array,
    OC: number,
    bias: Float64Array | null,
    y: Int32Array,
  ): void;
}

/** Every function a kernels object must have (a stale build lacks some). */
export const KERNEL_FUNCTIONS: readonly (keyof NativeIsaKernels)[] = [
  'gemmInt',
  'gemmF32',
  'convGemmF32',
  'convDirectF32',
  'convGemmInt',
  'convGemmIntNchw',
  'convGemmIntF64Nchw',
  'convWeightGradF32',
  'convWeightGradInt',
  'quantize',
  'requantize',
  'maxAbs',
  'sumAbs',
  'countAbsAtLeast',
  'scaleToF32',
  'relu',
  'reluBackward',
  'swapOuter',
  'maxpool',
  'maxpoolBackward',
  'colSums',
  'im2col',
  'col2im',
  'winogradConv',
  'bnSums',
  'bnForward',
  'bnAffineInt',
  'bnXhatInt',
  'bnBackwardMax',
  'bnBackwardFlag',
  'bnBackward',
  'addScaled',
  'minMax',
  'flagQuantize',
  'roundToGrid',
  'sgdMomentum',
  'sgdUpdate',
  'addInplace',
  'wageubnMomentum',
  'kahanCarry',
  ...FLOAT_PASS_FUNCTIONS,
  ...SEQUENCE_FUNCTIONS,
  ...LAYERNORM_FUNCTIONS,
];
