// SPDX-License-Identifier: MIT
// Element conversions the recurrent layers use between their GEMMs (reference): mantissas to
// scaled float32 values, a scaled accumulation into float64, column sums of a matrix.

import type { AccArray, AnyArray } from '../spec.js';

// src (>= dst.length) -> dst f32 = src * scale (the product in float64, rounded once)
export function scale_to_f32(src: AnyArray, scale: number, dst: Float32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = src[i] * scale;
}

// c f64 += src * scale
export function axpy_f64(src: AccArray, scale: number, c: Float64Array): void {
  for (let i = 0; i < c.length; i++) c[i] += src[i] * scale;
}

// src (rows, cols) f32 -> out (cols) f64, rows added in order
export function sum_rows_f64(
  src: Float32Array,
  rows: number,
  cols: number,
  out: Float64Array,
): void {
  out.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += src[r * cols + c];
}
