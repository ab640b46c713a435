// SPDX-License-Identifier: MIT
// Reductions and the float64 accumulation of int32 GEMM chunks: min/max of any element kind
// (for max |x| and for the overflow-safe chunk depth), and c64 += c32.
// Element kinds are the KIND_* codes of codes.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';

/** Element i of an array of T, as f64 (exact for every kind used). */
function ldv<T>(p: usize, i: usize): f64 {
  return <f64>load<T>(p + i * sizeof<T>());
}

function hmin16(v: v128): f64 {
  v = i16x8.min_s(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  v = i16x8.min_s(v, i8x16.shuffle(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  v = i16x8.min_s(v, i8x16.shuffle(v, v, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
  return <f64>i16x8.extract_lane_s(v, 0);
}
function hmax16(v: v128): f64 {
  v = i16x8.max_s(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  v = i16x8.max_s(v, i8x16.shuffle(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  v = i16x8.max_s(v, i8x16.shuffle(v, v, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
  return <f64>i16x8.extract_lane_s(v, 0);
}

/**
 * Smallest and largest element of src (kind 0..4) as f64 at out[0], out[1]. For floats a NaN
 * anywhere makes a result NaN (f32x4/f64x2 min and max propagate it); the caller then finds it.
 */
export function minmax(src: usize, kind: i32, n: i32, out: usize): void {
  let mn: f64 = 0,
    mx: f64 = 0;
  let i = 0;
  if (kind == KIND_I8) {
    let a = i8x16.splat(0),
      b = i8x16.splat(0);
    for (; i + 16 <= n; i += 16) {
      const v = v128.load(src + i);
      a = i8x16.min_s(a, v);
      b = i8x16.max_s(b, v);
    }
    mn = hmin16(i16x8.min_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_high_i8x16_s(a)));
    mx = hmax16(i16x8.max_s(i16x8.extend_low_i8x16_s(b), i16x8.extend_high_i8x16_s(b)));
  } else if (kind == KIND_I16) {
    let a = i16x8.splat(0),
      b = i16x8.splat(0);
    for (; i + 8 <= n; i += 8) {
      const v = v128.load(src + ((<usize>i) << 1));
      a = i16x8.min_s(a, v);
      b = i16x8.max_s(b, v);
    }
    mn = hmin16(a);
    mx = hmax16(b);
  } else if (kind == KIND_I32) {
    let a = i32x4.splat(0),
      b = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(src + ((<usize>i) << 2));
      a = i32x4.min_s(a, v);
      b = i32x4.max_s(b, v);
    }
    mn = <f64>(
      min(
        min(i32x4.extract_lane(a, 0), i32x4.extract_lane(a, 1)),
        min(i32x4.extract_lane(a, 2), i32x4.extract_lane(a, 3)),
      )
    );
    mx = <f64>(
      max(
        max(i32x4.extract_lane(b, 0), i32x4.extract_lane(b, 1)),
        max(i32x4.extract_lane(b, 2), i32x4.extract_lane(b, 3)),
      )
    );
  } else if (kind == KIND_F32) {
    let a = f32x4.splat(0),
      b = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(src + ((<usize>i) << 2));
      a = f32x4.min(a, v);
      b = f32x4.max(b, v);
    }
    mn = <f64>(
      min(
        min(f32x4.extract_lane(a, 0), f32x4.extract_lane(a, 1)),
        min(f32x4.extract_lane(a, 2), f32x4.extract_lane(a, 3)),
      )
    );
    mx = <f64>(
      max(
        max(f32x4.extract_lane(b, 0), f32x4.extract_lane(b, 1)),
        max(f32x4.extract_lane(b, 2), f32x4.extract_lane(b, 3)),
      )
    );
  } else {
    let a = f64x2.splat(0),
      b = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const v = v128.load(src + ((<usize>i) << 3));
      a = f64x2.min(a, v);
      b = f64x2.max(b, v);
    }
    mn = min(f64x2.extract_lane(a, 0), f64x2.extract_lane(a, 1));
    mx = max(f64x2.extract_lane(b, 0), f64x2.extract_lane(b, 1));
  }
  for (; i < n; i++) {
    const v =
      kind == KIND_I8
        ? ldv<i8>(src, i)
        : kind == KIND_I16
          ? ldv<i16>(src, i)
          : kind == KIND_I32
            ? ldv<i32>(src, i)
            : kind == KIND_F32
              ? ldv<f32>(src, i)
              : ldv<f64>(src, i);
    mn = min(mn, v); // Math.min semantics: NaN propagates
    mx = max(mx, v);
  }
  store<f64>(out, mn);
  store<f64>(out, mx, 8);
}

/** c64[i] += c32[i] for i < n (exact: int32 chunks summed into float64 below 2^53). */
export function add_i32_to_f64(c64: usize, c32: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const p = c64 + ((<usize>i) << 3);
    v128.store(
      p,
      f64x2.add(v128.load(p), f64x2.convert_low_i32x4_s(v128.load64_zero(c32 + ((<usize>i) << 2)))),
    );
  }
  for (; i < n; i++) {
    const p = c64 + ((<usize>i) << 3);
    store<f64>(p, load<f64>(p) + <f64>load<i32>(c32 + ((<usize>i) << 2)));
  }
}
