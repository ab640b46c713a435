// SPDX-License-Identifier: MIT
// The deterministic roundings of float32 -> int8/int16 quantize in float32 lanes (four
// elements per vector where quantize_simd.ts takes two float64 pairs), giving the float64
// reference's integers:
// - v = x * 2^-exp is exact in float32 when 2^-exp >= 1 (scaling up never loses a bit; a
//   product past the float32 range is +-Infinity, which saturates as the float64 product
//   does), and for 2^-exp < 1 exact unless it lands below 2^-126, where every rounding but
//   floor gives 0 from any |v| < 1/2 (floor of a negative product flushed to -0 would not
//   give -1: floor keeps the float64 lanes there).
// - nearest: floor(v + 1/2) = f + (v - f >= 1/2) with f = floor(v); v - f is exact in
//   float32 (Sterbenz) except for -1/2 < v < 0, where it rounds to a value in [1/2, 1] and
//   still gives f + 1 = 0, the right answer. The float32 sum v + 1/2 itself would round.
// - nearest-even and floor: one float32 rounding instruction, exact.
// Underflow (q == 0 from a nonzero value) tests x, not v: x != 0 iff the float64 product is.
// [lo, hi] fits int16, so both ends are exact float32 integers.

import { ROUND_FLOOR, ROUND_NEAREST, ROUND_NEAREST_EVEN } from './codes';

/** Whether quantizeF32 gives the reference's integers for this scale and rounding. */
export function f32LanesOk<O>(scale: f64, mode: i32): bool {
  if (sizeof<O>() > 2) return false;
  // 2^-100 .. 2^100: far inside both ranges, so x != 0 iff the float64 product is.
  const big = 1.2676506002282294e30; // 2^100
  if (mode == ROUND_NEAREST || mode == ROUND_NEAREST_EVEN)
    return scale >= 1 / big && scale <= big;
  return mode == ROUND_FLOOR && scale >= 1 && scale <= big;
}

let satOut = 0,
  undOut = 0;

/** Counts of the last quantizeF32 call: saturated, underflowed. */
export function f32Sat(): i32 {
  return satOut;
}
export function f32Und(): i32 {
  return undOut;
}

/** Rounds v (four float32) per mode; inlined into one loop per mode. */
// @ts-ignore: decorator
@inline
function round4(v: v128, mode: i32): v128 {
  if (mode == ROUND_NEAREST_EVEN) return f32x4.nearest(v);
  const f = f32x4.floor(v);
  if (mode != ROUND_NEAREST) return f;
  const up = f32x4.ge(f32x4.sub(v, f), f32x4.splat(0.5));
  return f32x4.add(f, v128.and(up, f32x4.splat(1)));
}

/** Four rounded elements at p, clamped to [l, h] and truncated to int32 (NaN to 0). */
// @ts-ignore: decorator
@inline
function four(p: usize, sc: v128, mode: i32, l: v128, h: v128): v128 {
  const x = v128.load(p);
  const q = round4(f32x4.mul(x, sc), mode);
  const z = f32x4.splat(0);
  // Masks (-1 per counted lane) of the reference's clampCount, summed by the caller.
  satM = v128.or(f32x4.gt(q, h), f32x4.lt(q, l));
  undM = v128.and(f32x4.eq(q, z), f32x4.ne(x, z));
  // pmax/pmin keep a NaN q as NaN; trunc_sat turns it into 0 like a typed-array store.
  return i32x4.trunc_sat_f32x4_s(f32x4.pmin(f32x4.pmax(q, l), h));
}
let satM = i32x4.splat(0),
  undM = i32x4.splat(0);

/** Sixteen elements per step: rounded, clamped, counted, narrowed to O, stored. */
// @ts-ignore: decorator
@inline
function loop<O>(src: usize, n: i32, sc: v128, mode: i32, l: v128, h: v128, out: usize): i32 {
  let sat = i32x4.splat(0),
    und = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = src + (<usize>i << 2);
    const r0 = four(p, sc, mode, l, h);
    sat = i32x4.add(sat, satM);
    und = i32x4.add(und, undM);
    const r1 = four(p + 16, sc, mode, l, h);
    sat = i32x4.add(sat, satM);
    und = i32x4.add(und, undM);
    const r2 = four(p + 32, sc, mode, l, h);
    sat = i32x4.add(sat, satM);
    und = i32x4.add(und, undM);
    const r3 = four(p + 48, sc, mode, l, h);
    sat = i32x4.add(sat, satM);
    und = i32x4.add(und, undM);
    const a = i16x8.narrow_i32x4_s(r0, r1);
    const b = i16x8.narrow_i32x4_s(r2, r3);
    if (sizeof<O>() == 2) {
      v128.store(out + (<usize>i << 1), a);
      v128.store(out + (<usize>i << 1), b, 16);
    } else v128.store(out + <usize>i, i8x16.narrow_i16x8_s(a, b));
  }
  // The masks are -1 per counted lane.
  satOut = -(
    i32x4.extract_lane(sat, 0) +
    i32x4.extract_lane(sat, 1) +
    i32x4.extract_lane(sat, 2) +
    i32x4.extract_lane(sat, 3)
  );
  undOut = -(
    i32x4.extract_lane(und, 0) +
    i32x4.extract_lane(und, 1) +
    i32x4.extract_lane(und, 2) +
    i32x4.extract_lane(und, 3)
  );
  return i;
}

/**
 * Elements [0, n & ~15) of float32 src rounded per mode (nearest, nearest-even, floor) into
 * O (int8 or int16), clamped to [lo, hi]; returns how many. Only where f32LanesOk holds.
 */
export function quantizeF32<O>(
  src: usize,
  n: i32,
  scale: f64,
  mode: i32,
  lo: f64,
  hi: f64,
  out: usize,
): i32 {
  const sc = f32x4.splat(<f32>scale),
    l = f32x4.splat(<f32>lo),
    h = f32x4.splat(<f32>hi);
  if (mode == ROUND_NEAREST) return loop<O>(src, n, sc, ROUND_NEAREST, l, h, out);
  if (mode == ROUND_NEAREST_EVEN) return loop<O>(src, n, sc, ROUND_NEAREST_EVEN, l, h, out);
  return loop<O>(src, n, sc, ROUND_FLOOR, l, h, out);
}
