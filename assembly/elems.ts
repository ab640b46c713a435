// SPDX-License-Identifier: MIT
// Element loads shared by the layer kernels, generic over the element type T (i8, i16, i32,
// f32, f64): each instance is a few instructions, which the optimizer inlines into the loops.
// The kernels' exports turn the element-kind codes of assembly/codes.ts into these types.

/** Elements i, i+1 as float64 lanes (exact for every type). */
export function ld2<T>(p: usize, i: usize): v128 {
  const q = p + i * sizeof<T>();
  if (isFloat<T>()) {
    if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(q));
    return v128.load(q);
  }
  if (sizeof<T>() == 1)
    return f64x2.convert_low_i32x4_s(
      i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load16_splat(q))),
    );
  if (sizeof<T>() == 2)
    return f64x2.convert_low_i32x4_s(i32x4.extend_low_i16x8_s(v128.load32_zero(q)));
  return f64x2.convert_low_i32x4_s(v128.load64_zero(q));
}

/** Element i as float64 (exact). */
export function ld1<T>(p: usize, i: usize): f64 {
  return <f64>load<T>(p + i * sizeof<T>());
}

/** Elements i..i+3 of an integer type as int32 lanes. */
export function ld4i<T>(p: usize, i: usize): v128 {
  const q = p + i * sizeof<T>();
  if (sizeof<T>() == 1)
    return i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(q)));
  if (sizeof<T>() == 2) return i32x4.extend_low_i16x8_s(v128.load64_zero(q));
  return v128.load(q);
}

/** Element i of an integer type as int32. */
export function ld1i<T>(p: usize, i: usize): i32 {
  return <i32>load<T>(p + i * sizeof<T>());
}

/** Mask bytes i, i+1 (0 or not) as all-ones / zero 64-bit lanes. */
export function mask2(m: usize, i: usize): v128 {
  const b = i64x2.extend_low_i32x4_s(
    i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load16_splat(m + i))),
  );
  return v128.not(i64x2.eq(b, i64x2.splat(0)));
}

/** Mask bytes i..i+3 as all-ones / zero 32-bit lanes. */
export function mask4(m: usize, i: usize): v128 {
  const b = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(m + i)));
  return v128.not(i32x4.eq(b, i32x4.splat(0)));
}

/** Two float64x2 as four float32 lanes, each rounded once. */
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
export function storeMask4(mask: usize, i: usize, m: v128): void {
  const h = i16x8.narrow_i32x4_s(m, m);
  v128.store32_lane(mask + i, v128.and(i8x16.narrow_i16x8_s(h, h), i8x16.splat(1)), 0);
}

/** Both float64 lanes rounded to float32 and back (x-hat through a float32 site). */
export function round32(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/**
 * Running max |v| per lane on float32 bit patterns: with the sign cleared, unsigned integer
 * order is the order of magnitudes (an infinity above every finite value, a NaN above both), so
 * one and + one max_u (V8's f32x4.max is a longer NaN-handling sequence).
 */
export function maxAbs4(vm: v128, v: v128): v128 {
  return i32x4.max_u(vm, v128.and(v, i32x4.splat(0x7fffffff)));
}

/**
 * Stores max(lanes of vm (maxAbs4's bit patterns, read as f32), s) as f64 at out: the largest
 * |y| a kernel wrote, exact; NaN if one was NaN (f32 max propagates it).
 */
export function storeMax4(out: usize, vm: v128, s: f32): void {
  const m = max(
    max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)),
    max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)),
  );
  store<f64>(out, <f64>max(m, s));
}

/** The largest of four unsigned int32 lanes. */
export function umax4(v: v128): u32 {
  const m = i32x4.max_u(
    v,
    i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
  );
  return max(<u32>i32x4.extract_lane(m, 0), <u32>i32x4.extract_lane(m, 1));
}
