// SPDX-License-Identifier: MIT
// Element loads shared by the layer kernels: any element kind as float64 or int32 lanes, masks
// as lanes, float64 pairs rounded to float32 lanes. All inline.
//
// Element kinds: 0 int8, 1 int16, 2 int32, 3 float32, 4 float64.

/** Elements i, i+1 of an array of `kind` as float64 lanes (exact for every kind). */
// @ts-ignore: decorator
@inline
export function ld2(p: usize, kind: i32, i: usize): v128 {
  if (kind == 0)
    return f64x2.convert_low_i32x4_s(
      i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load16_splat(p + i))),
    );
  if (kind == 1)
    return f64x2.convert_low_i32x4_s(i32x4.extend_low_i16x8_s(v128.load32_zero(p + (i << 1))));
  if (kind == 2) return f64x2.convert_low_i32x4_s(v128.load64_zero(p + (i << 2)));
  if (kind == 3) return f64x2.promote_low_f32x4(v128.load64_zero(p + (i << 2)));
  return v128.load(p + (i << 3));
}

/** Element i of an array of `kind` as float64 (exact). */
// @ts-ignore: decorator
@inline
export function ld1(p: usize, kind: i32, i: usize): f64 {
  if (kind == 0) return <f64>load<i8>(p + i);
  if (kind == 1) return <f64>load<i16>(p + (i << 1));
  if (kind == 2) return <f64>load<i32>(p + (i << 2));
  if (kind == 3) return <f64>load<f32>(p + (i << 2));
  return load<f64>(p + (i << 3));
}

/** Element i of an integer array (kind 0..2). */
// @ts-ignore: decorator
@inline
export function ld1i(p: usize, kind: i32, i: usize): i32 {
  if (kind == 0) return <i32>load<i8>(p + i);
  if (kind == 1) return <i32>load<i16>(p + (i << 1));
  return load<i32>(p + (i << 2));
}

/** Elements i..i+3 of an integer array (kind 0..2) as int32 lanes. */
// @ts-ignore: decorator
@inline
export function ld4i(p: usize, kind: i32, i: usize): v128 {
  if (kind == 0)
    return i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(p + i)));
  if (kind == 1) return i32x4.extend_low_i16x8_s(v128.load64_zero(p + (i << 1)));
  return v128.load(p + (i << 2));
}

/** Mask bytes i, i+1 (0 or not) as all-ones / zero 64-bit lanes. */
// @ts-ignore: decorator
@inline
export function mask2(m: usize, i: usize): v128 {
  const b = i64x2.extend_low_i32x4_s(
    i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load16_splat(m + i))),
  );
  return v128.not(i64x2.eq(b, i64x2.splat(0)));
}

/** Mask bytes i..i+3 as all-ones / zero 32-bit lanes. */
// @ts-ignore: decorator
@inline
export function mask4(m: usize, i: usize): v128 {
  const b = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(m + i)));
  return v128.not(i32x4.eq(b, i32x4.splat(0)));
}

/** Two float64x2 as four float32 lanes, each rounded once. */
// @ts-ignore: decorator
@inline
export function demote4(lo: v128, hi: v128): v128 {
  return i8x16.shuffle(
    f32x4.demote_f64x2_zero(lo),
    f32x4.demote_f64x2_zero(hi),
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
  );
}

/** Stores the four 32-bit lanes of comparison mask m (all-ones or zero) as bytes 1 or 0. */
// @ts-ignore: decorator
@inline
export function storeMask4(mask: usize, i: usize, m: v128): void {
  const h = i16x8.narrow_i32x4_s(m, m);
  v128.store32_lane(mask + i, v128.and(i8x16.narrow_i16x8_s(h, h), i8x16.splat(1)), 0);
}
