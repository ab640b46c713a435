// SPDX-License-Identifier: MIT
// The optimizer exports of assembly/index.ts (assembly/optim.ts) with their typed signatures;
// kernel-exports.ts gathers every family.

import type { RoundCode } from './codes.js';
import type { F64, Flag, I32, Ptr } from './abi-args.js';

/** Optimizer kernels: float32 arrays of n elements, updated in place. */
export interface OptimExports {
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
