// SPDX-License-Identifier: MIT
// Element conversions the recurrent layers use between their GEMMs (reference): mantissas to
// scaled float32 values, and a scaled accumulation into float64.

import type { AccArray, AnyArray } from '../spec.js';

// src (>= dst.length) -> dst f32 = src * scale (the product in float64, rounded once)
export function scale_to_f32(src: AnyArray, scale: number, dst: Float32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = src[i] * scale;
}

// c f64 += src * scale
export function axpy_f64(src: AccArray, scale: number, c: Float64Array): void {
  for (let i = 0; i < c.length; i++) c[i] += src[i] * scale;
}
