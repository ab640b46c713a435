// SPDX-License-Identifier: MIT
// Bias handling shared by Linear and Conv2d. In the integer path the bias is rounded (nearest)
// to the accumulator's exponent and added as an integer, as integer inference engines do.

import { roundNearest } from '../quant/rounding.js';
import type { MantArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Kernels } from '../kernels/spec.js';

export interface IntBias {
  readonly mant: Float64Array;
  readonly maxAbs: number;
}

/** b (C) as integers at exponent `exp`: round(b * 2^-exp), round half up. */
export function biasAtExp(b: Float32Array, exp: number): IntBias {
  const mant = new Float64Array(b.length);
  const s = 2 ** -exp;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    mant[i] = roundNearest(b[i] * s);
    m = Math.max(m, Math.abs(mant[i]));
  }
  return { mant, maxAbs: m };
}

/**
 * y (N, C, R) += b[c] for every n and r (R = 1 for Linear, OH*OW for conv). Linear's rows (R =
 * 1) take one loop per storage type: a loop that sees several typed-array types is
 * megamorphic in V8, and the inner loop of one element costs as much again (640 x 128 float32:
 * 210 -> 83 us).
 */
export function addBiasRows(
  y: MantArray | Float32Array,
  b: ArrayLike<number>,
  N: number,
  C: number,
  R: number,
): void {
  if (R === 1 && y instanceof Float32Array) return rowsF32(y, b, N, C);
  if (R === 1 && y instanceof Int32Array) return rowsI32(y, b, N, C);
  if (R === 1 && y instanceof Float64Array) return rowsF64(y, b, N, C);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const bc = b[c];
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) y[o + r] += bc;
    }
}

function rowsF32(y: Float32Array, b: ArrayLike<number>, N: number, C: number): void {
  for (let n = 0, o = 0; n < N; n++) for (let c = 0; c < C; c++, o++) y[o] += b[c];
}

function rowsI32(y: Int32Array, b: ArrayLike<number>, N: number, C: number): void {
  for (let n = 0, o = 0; n < N; n++) for (let c = 0; c < C; c++, o++) y[o] += b[c];
}

function rowsF64(y: Float64Array, b: ArrayLike<number>, N: number, C: number): void {
  for (let n = 0, o = 0; n < N; n++) for (let c = 0; c < C; c++, o++) y[o] += b[c];
}

/** Sum of e (N, C, R) over n and r, as values (exact in float64, then float32). */
export function colSums(e: Tensor, N: number, C: number, R: number, k: Kernels): Float32Array {
  const src = e.kind === 'float' ? e.data : e.mant;
  const scale = e.kind === 'float' ? 1 : 2 ** e.exp;
  const sums = new Float64Array(C);
  k.col_sums(src, N, C, R, sums);
  const out = new Float32Array(C);
  for (let c = 0; c < C; c++) out[c] = sums[c] * scale;
  return out;
}
