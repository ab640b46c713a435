// SPDX-License-Identifier: MIT
// Element conversions the recurrent layers use between their GEMMs: mantissas to scaled
// float32, and a scaled accumulation into float64. Same results as src/kernels/ref/convert.ts.

import { KIND_F32, KIND_F64, KIND_I16, KIND_I32, KIND_I8 } from './codes';

// @ts-ignore: decorator
@inline
function elem(p: usize, kind: i32, i: i32): f64 {
  if (kind == KIND_I8) return <f64>load<i8>(p + <usize>i);
  if (kind == KIND_I16) return <f64>load<i16>(p + (<usize>i << 1));
  if (kind == KIND_I32) return <f64>load<i32>(p + (<usize>i << 2));
  if (kind == KIND_F32) return <f64>load<f32>(p + (<usize>i << 2));
  return load<f64>(p + (<usize>i << 3));
}

/** dst[i] = f32(src[i] * scale), n elements of kind `kind` (dequantize into float32). */
export function scale_to_f32(src: usize, kind: i32, n: i32, scale: f64, dst: usize): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>(elem(src, kind, i) * scale));
}

/** c[i] += src[i] * scale in float64, n elements of kind `kind`. */
export function axpy_f64(src: usize, kind: i32, n: i32, scale: f64, c: usize): void {
  for (let i = 0; i < n; i++) {
    const p = c + (<usize>i << 3);
    store<f64>(p, load<f64>(p) + elem(src, kind, i) * scale);
  }
}
