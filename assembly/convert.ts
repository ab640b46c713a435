// SPDX-License-Identifier: MIT
// Element conversions the recurrent layers use between their GEMMs: mantissas to scaled
// float32, a scaled accumulation into float64, and column sums of a row-major float32 matrix.
// Same results as src/kernels/ref/convert.ts.

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

function scaleTo<T>(src: usize, n: i32, scale: f64, dst: usize): void {
  for (let i = 0; i < n; i++)
    store<f32>(dst + (<usize>i << 2), <f32>(<f64>load<T>(src + (<usize>i << alignof<T>())) * scale));
}

/** dst[i] = f32(src[i] * scale), n elements of kind `kind` (dequantize into float32). */
export function scale_to_f32(src: usize, kind: i32, n: i32, scale: f64, dst: usize): void {
  if (kind == KIND_I8) scaleTo<i8>(src, n, scale, dst);
  else if (kind == KIND_I16) scaleTo<i16>(src, n, scale, dst);
  else if (kind == KIND_I32) scaleTo<i32>(src, n, scale, dst);
  else if (kind == KIND_F32) scaleTo<f32>(src, n, scale, dst);
  else scaleTo<f64>(src, n, scale, dst);
}

/** c[i] += src[i] * scale in float64, n elements of kind `kind` (int32: two lanes at a time). */
export function axpy_f64(src: usize, kind: i32, n: i32, scale: f64, c: usize): void {
  let i = 0;
  if (kind == KIND_I32) {
    const s = f64x2.splat(scale);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(src + (<usize>i << 2));
      const p = c + (<usize>i << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.mul(f64x2.convert_low_i32x4_s(v), s)));
      const hi = i32x4.shuffle(v, v, 2, 3, 0, 1);
      v128.store(p + 16, f64x2.add(v128.load(p + 16), f64x2.mul(f64x2.convert_low_i32x4_s(hi), s)));
    }
  }
  for (; i < n; i++) {
    const p = c + (<usize>i << 3);
    store<f64>(p, load<f64>(p) + elem(src, kind, i) * scale);
  }
}

/** out[c] = sum over r ascending of src[r * cols + c] in float64 (src float32, rows x cols). */
export function sum_rows_f64(src: usize, rows: i32, cols: i32, out: usize): void {
  memory.fill(out, 0, <usize>cols << 3);
  for (let r = 0; r < rows; r++) {
    const row = src + ((<usize>r * cols) << 2);
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const p = out + (<usize>c << 3);
      const v = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>c << 2)));
      v128.store(p, f64x2.add(v128.load(p), v));
    }
    for (; c < cols; c++) {
      const p = out + (<usize>c << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>c << 2)));
    }
  }
}
