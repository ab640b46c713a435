// SPDX-License-Identifier: MIT
// The exports of assembly/index.ts with their typed signatures (the declaration of the kernel
// ABI; exports.ts checks a loaded module against it).

import type { ElemKind, RoundCode } from './codes.js';
import type {
  F64,
  Flag,
  GemmDotArgs,
  GemmWideDotArgs,
  GemmF32Args,
  GemmIntArgs,
  GemmSmallMArgs,
  GemmWideArgs,
  I32,
  Ptr,
} from './abi-args.js';

/** im2col/col2im: geometry (12 int32 words, ConvGeom order), source and destination. */
type ConvCopy = (geom: Ptr, src: Ptr, dst: Ptr) => void;

export interface KernelExports {
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

  /** One fixed-point LSTM step (src/kernels/ref/lstm.ts); lens = 0: every row live. */
  lstm_fwd_fixed(
    N: I32,
    H: I32,
    t: I32,
    lens: Ptr,
    gx: Ptr,
    kx: ElemKind,
    zx: I32,
    gh: Ptr,
    kh: ElemKind,
    zh: I32,
    b12: Ptr,
    hPrev: Ptr,
    cPrev: Ptr,
    act: Ptr,
    tc: Ptr,
    h: Ptr,
    c: Ptr,
  ): void;
  /** Its float32 backward; dhp = 0 or ey = 0: absent. */
  lstm_bwd_f32(
    N: I32,
    H: I32,
    t: I32,
    lens: Ptr,
    dhp: Ptr,
    kd: ElemKind,
    scale: F64,
    ey: Ptr,
    act: Ptr,
    tc: Ptr,
    cPrev: Ptr,
    dh: Ptr,
    dc: Ptr,
    dz: Ptr,
  ): void;
  /** One float-path LSTM step (src/kernels/ref/lstm-float.ts); lens = 0: every row live. */
  lstm_fwd_float(
    N: I32,
    H: I32,
    t: I32,
    lens: Ptr,
    gx: Ptr,
    gh: Ptr,
    bias: Ptr,
    hPrev: Ptr,
    cPrev: Ptr,
    act: Ptr,
    tc: Ptr,
    h: Ptr,
    c: Ptr,
  ): void;
  /** Its backward; dhp = 0 or ey = 0: absent. */
  lstm_bwd_float(
    N: I32,
    H: I32,
    t: I32,
    lens: Ptr,
    dhp: Ptr,
    ey: Ptr,
    act: Ptr,
    tc: Ptr,
    cPrev: Ptr,
    dh: Ptr,
    dc: Ptr,
    dz: Ptr,
  ): void;
  /** y = fn(x) over n f64 (fn: codes.ts FN_*). */
  float_fn_f64(fn: I32, x: Ptr, y: Ptr, n: I32): void;
  /** Attention's fixed-point softmax over rows (src/kernels/ref/softmax.ts). */
  softmax_fixed(
    scores: Ptr,
    ks: ElemKind,
    rows: I32,
    cols: I32,
    valid: I32,
    validRows: Ptr,
    mult: F64,
    p: Ptr,
  ): void;
  softmax_bwd(
    p: Ptr,
    dp: Ptr,
    kd: ElemKind,
    dpScale: F64,
    rows: I32,
    cols: I32,
    scale: F64,
    ds: Ptr,
  ): void;
  /** LayerNorm's row forward (src/kernels/ref/layernorm.ts): x (R, D) of kind kx. */
  layernorm_forward(
    x: Ptr,
    kx: ElemKind,
    R: I32,
    D: I32,
    unit: F64,
    eps: F64,
    g: Ptr,
    b: Ptr,
    y: Ptr,
    xhat: Ptr,
    inv: Ptr,
  ): void;
  /** Its backward: dx (R, D) f32 and dgb (2D) f64 = [dgamma, dbeta] sums, overwritten. */
  layernorm_backward(
    e: Ptr,
    ke: ElemKind,
    unit: F64,
    xhat: Ptr,
    inv: Ptr,
    g: Ptr,
    R: I32,
    D: I32,
    dx: Ptr,
    dgb: Ptr,
  ): void;
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
  /** BatchNorm's x-hat grid mantissas (int32 out); res: [max |value|, NaN seen] f64. */
  bn_xhat_int(
    x: Ptr,
    kx: ElemKind,
    N: I32,
    C: I32,
    R: I32,
    p: Ptr,
    scale: F64,
    out: Ptr,
    res: Ptr,
  ): void;
  /** Tiles of images [n0, n1) only. */
  winograd_error(geom: Ptr, OC: I32, e: Ptr, E: Ptr, ps: I32, scratch: Ptr, n0: I32, n1: I32): void;
  /** dU kind and dw kind: KIND_I32 or KIND_F64. */
  winograd_wgrad(dU: Ptr, kd: ElemKind, OC: I32, C: I32, dw: Ptr, kw: ElemKind): void;
  /** Scratch bytes of winograd_input / winograd_error for a geometry. */
  winograd_scratch_bytes(geom: Ptr): I32;
  /** BatchNorm sums over (N, C, R): out (C, 4) f64 [sa_hi, sa_lo, sab_hi, sab_lo]. */
  bn_sums(
    a: Ptr,
    ka: ElemKind,
    b: Ptr,
    kb: ElemKind,
    mask: Ptr,
    N: I32,
    C: I32,
    R: I32,
    out: Ptr,
  ): void;
  /** y (f32) = g t + b, t = (x - mu) rs, p (C, 4) f64; optional ReLU and mask. */
  bn_forward(
    x: Ptr,
    kx: ElemKind,
    N: I32,
    C: I32,
    R: I32,
    p: Ptr,
    xhat32: Flag,
    relu: Flag,
    mask: Ptr,
    y: Ptr,
    /** f64 max |y| written here (0: not computed). */
    amax: Ptr,
  ): void;
  /** y (i32) = g x + b on integer x, p (C, 2) f64; optional ReLU and mask. */
  bn_affine_int(
    x: Ptr,
    kx: ElemKind,
    N: I32,
    C: I32,
    R: I32,
    p: Ptr,
    relu: Flag,
    mask: Ptr,
    y: Ptr,
    /** f64 max |y| written here (0: not computed). */
    amax: Ptr,
  ): void;
  /** dx (f32) = k ((e - a) - t b), t = (x - mu) rs, p (C, 5) f64; e masked. */
  bn_backward(
    e: Ptr,
    ke: ElemKind,
    x: Ptr,
    kx: ElemKind,
    mask: Ptr,
    N: I32,
    C: I32,
    R: I32,
    p: Ptr,
    xhat32: Flag,
    dx: Ptr,
    /** f64 max |dx| written here (0: not computed). */
    amax: Ptr,
  ): void;
  /** out = a ka + b kb (int32 by shifts sa, sb, or float32); optional ReLU and mask. */
  add_scaled(
    a: Ptr,
    kindA: ElemKind,
    ka: F64,
    sa: I32,
    b: Ptr,
    kindB: ElemKind,
    kb: F64,
    sb: I32,
    n: I32,
    floatOut: Flag,
    relu: Flag,
    mask: Ptr,
    out: Ptr,
    /** f64 max |out| of a float32 out written here (0: not computed). */
    amax: Ptr,
  ): void;
  /** Average-pool window sums over P planes: int32 (intOut) or f32(sum * scale). */
  avgpool_fwd(
    x: Ptr,
    kx: ElemKind,
    P: I32,
    H: I32,
    W: I32,
    KH: I32,
    KW: I32,
    SH: I32,
    SW: I32,
    OH: I32,
    OW: I32,
    scale: F64,
    intOut: Flag,
    y: Ptr,
  ): void;
  /** Adjoint of avgpool_fwd; float sums in `scratch` (P H W f64) unless global or intOut. */
  avgpool_bwd(
    dy: Ptr,
    kd: ElemKind,
    P: I32,
    H: I32,
    W: I32,
    KH: I32,
    KW: I32,
    SH: I32,
    SW: I32,
    OH: I32,
    OW: I32,
    scale: F64,
    intOut: Flag,
    scratch: Ptr,
    dx: Ptr,
  ): void;
  // Optimizer kernels (assembly/optim.ts): float32 arrays of n elements, updated in place.
  round_to_grid_f32(
    v: Ptr,
    n: I32,
    scale: F64,
    unscale: F64,
    lo: F64,
    hi: F64,
    mode: RoundCode,
    rng: Ptr,
    stats: Ptr,
  ): void;
  sgd_momentum_f32(m: Ptr, g: Ptr, theta: Ptr, n: I32, mu: F64, decay: F64): void;
  sgd_update_f32(u: Ptr, x: Ptr, n: I32, lr: F64, theta: Ptr, decay: F64, withTheta: Flag): void;
  add_inplace_f32(a: Ptr, b: Ptr, n: I32): void;
  sub_inplace_f32(a: Ptr, b: Ptr, n: I32): void;
  kahan_carry_f32(acc: Ptr, before: Ptr, theta: Ptr, n: I32): void;
  adam_moments_f32(m: Ptr, v: Ptr, g: Ptr, theta: Ptr, n: I32, b1: F64, b2: F64, decay: F64): void;
  adam_update_f32(
    u: Ptr,
    m: Ptr,
    v: Ptr,
    n: I32,
    lr: F64,
    c1: F64,
    c2: F64,
    eps: F64,
    bound: F64,
  ): void;
  /** theta, g f32, acc f64; sGC, sAcc, sWU = 2^(k-1) of each width; lim clips theta. */
  wageubn_momentum_f32(
    theta: Ptr,
    g: Ptr,
    acc: Ptr,
    n: I32,
    lr: F64,
    mom: F64,
    decay: F64,
    quantized: Flag,
    sGC: F64,
    sAcc: F64,
    accEven: Flag,
    sWU: F64,
    lim: F64,
  ): void;
}

export type ExportName = keyof KernelExports;
/** The argument list of an export. */
export type ArgsOf<F extends ExportName> = Parameters<KernelExports[F]>;
