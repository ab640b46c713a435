// SPDX-License-Identifier: MIT
// The Kernels table's optimizer arithmetic (spec.ts) over whole float32 parameter tensors
// (src/optim/): float64 with one float32 rounding per store, as written in ref/optim.ts.

import type { Rng } from '../quant/rng.js';
import type { Rounding } from '../quant/rounding.js';
import type { QuantStats } from '../quant/stats.js';
import type { WageubnStep } from './spec-types.js';

export interface OptimKernels {
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
}
