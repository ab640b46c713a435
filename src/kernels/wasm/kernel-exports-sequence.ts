// SPDX-License-Identifier: MIT
// The sequence-model exports of assembly/index.ts (LSTM steps, float functions, attention's
// softmax, LayerNorm) with their typed signatures; kernel-exports.ts gathers every family.

import type { ElemKind } from './codes.js';
import type { F64, I32, Ptr } from './abi-args.js';

/** LSTM, softmax and LayerNorm kernels (src/kernels/ref/lstm*.ts, softmax.ts, layernorm.ts). */
export interface SequenceExports {
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
}
