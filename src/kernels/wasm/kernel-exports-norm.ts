// SPDX-License-Identifier: MIT
// The BatchNorm, residual-add and average-pool exports of assembly/index.ts with their typed
// signatures; kernel-exports.ts gathers every family.

import type { ElemKind } from './codes.js';
import type { F64, Flag, I32, Ptr } from './abi-args.js';

/** BatchNorm passes, the scaled add and average pooling (src/kernels/ref/norm.ts, avgpool.ts). */
export interface NormExports {
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
}
