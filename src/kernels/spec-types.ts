// SPDX-License-Identifier: MIT
// The argument shapes of the kernel specs (spec.ts): GEMM and convolution geometry, pooling
// windows, one LSTM step, one WAGEUBN Momentum step, and the array unions kernels take.

import type { MantArray } from '../tensor/dtype.js';

/**
 * C (M,N) = op(A) (M,K) x op(B) (K,N), all row-major and contiguous.
 * A is stored (M,K), or (K,M) when transA; B is stored (K,N), or (N,K) when transB.
 * C is overwritten (accumulate=false) or added to (accumulate=true).
 */
export interface GemmShape {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
  readonly accumulate?: boolean;
  /**
   * Optional, integer GEMMs: upper bounds on max |a| and max |b| that the caller already holds
   * (from the scan that chose a Float64Array C, ops/intgemm.ts). A backend may plan its exact
   * chunked sums from them instead of scanning the operands again; they must be true bounds.
   */
  readonly maxA?: number;
  readonly maxB?: number;
}

/** Geometry of a 2-D convolution over NCHW tensors (square or not, per axis). */
export interface ConvGeom {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly KH: number;
  readonly KW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly OH: number;
  readonly OW: number;
}

export type AnyArray = MantArray | Float32Array;

/** One step of an LSTM over a batch: N rows, H units, step t, valid lengths (null: all). */
export interface LstmStep {
  readonly N: number;
  readonly H: number;
  readonly t: number;
  /** Rows with t >= lens[n] carry their state. */
  readonly lens: Int32Array | null;
}

/** lowbit's own float64 functions (kernels/ref/float-functions.ts). */
export type FloatFn = 'exp' | 'sigmoid' | 'tanh';

/** An exact integer accumulator: int32, or float64 holding integers (a widened GEMM). */
export type AccArray = Int32Array | Float64Array;
/** Average pooling over P planes (H, W): KH x KW windows at strides SH, SW, output OH x OW. */
export interface PoolGeom {
  readonly P: number;
  readonly H: number;
  readonly W: number;
  readonly KH: number;
  readonly KW: number;
  readonly SH: number;
  readonly SW: number;
  readonly OH: number;
  readonly OW: number;
}

/** One step of WAGEUBN's integer Momentum on a parameter (see wageubn_momentum_f32). */
export interface WageubnStep {
  /** Fixed-point learning rate Q(lr, k_lr) and momentum coefficient Mom_q. */
  readonly lr: number;
  readonly mom: number;
  readonly decay: number;
  /** False for a parameter stored in float32 (plain float momentum). */
  readonly quantized: boolean;
  readonly kGC: number;
  readonly kAcc: number;
  /** Q_Acc rounds ties to even (else half up). */
  readonly accEven: boolean;
  readonly kWU: number;
  /** Stored values are clipped to [-lim, lim] (Infinity: no clip). */
  readonly lim: number;
}
