// SPDX-License-Identifier: MIT
// Stochastic rounding of quantize with four xoshiro128** generators side by side in the lanes
// of one i32x4, where quantize_simd.ts steps one generator four times per four elements.
// Element i must get draw i of the one sequential stream, so lane j takes the contiguous
// quarter [j m, (j + 1) m) of the first 4m elements (m = (n >> 4) << 2) and starts at the
// state the stream has after j m draws (the wrapper jumps there: quant/rng-jump.ts). Lane 3
// ends where the stream is after 4m draws: the rest of the elements continue from there.
// The arithmetic per element is quantize_simd.ts's float64 one, or where the scale is >= 1
// an exact float32 one (lanes32), so the integers are the same.

import { pair, store4, toI32x4 } from './quantize_simd';
import { rngSet } from './quantize_common';

/** Elements each lane takes of n: a multiple of 4, and 0 below 16 elements. */
export function laneLength(n: i32): i32 {
  return (n >> 4) << 2;
}

let satOut = 0,
  undOut = 0;

/** Counts of the last stochasticLanes call: saturated, underflowed. */
export function lanesSat(): i32 {
  return satOut;
}
export function lanesUnd(): i32 {
  return undOut;
}

/** x * 5, x * 9 and rotl per 32-bit lane (shift-adds: cheaper than i32x4.mul). */
// @ts-ignore: decorator
@inline
function rotl4(x: v128, k: i32): v128 {
  return v128.or(i32x4.shl(x, k), i32x4.shr_u(x, 32 - k));
}
// @ts-ignore: decorator
@inline
function word(b: v128): v128 {
  const r = rotl4(i32x4.add(b, i32x4.shl(b, 2)), 7);
  return i32x4.add(r, i32x4.shl(r, 3));
}

/**
 * Elements [0, 4m) of q = floor(x * scale + (k >>> 8) / 2^24), m = laneLength(n), with the
 * four generator states at `rng` (lane j's four words at rng + 16 j); returns 4m and leaves
 * lane 3's final state as the quantize_common generator state (when 4m > 0).
 */
export function stochasticLanes<S, O>(
  src: usize,
  n: i32,
  scale: f64,
  lo: f64,
  hi: f64,
  out: usize,
  rng: usize,
): i32 {
  satOut = 0;
  undOut = 0;
  if (laneLength(n) == 0) return 0;
  // Float32 lanes where they give the float64 integers: see lanes32.
  const f32 = isFloat<S>() && sizeof<S>() == 4 && sizeof<O>() <= 2;
  if (f32 && scale >= 1 && scale <= 1.2676506002282294e30 /* 2^100 */)
    return lanes<S, O>(src, n, scale, lo, hi, out, rng, true);
  return lanes<S, O>(src, n, scale, lo, hi, out, rng, false);
}

// @ts-ignore: decorator
@inline
function lanes<S, O>(
  src: usize,
  n: i32,
  scale: f64,
  lo: f64,
  hi: f64,
  out: usize,
  rng: usize,
  f32: bool,
): i32 {
  const m = <usize>laneLength(n);
  let sat = i64x2.splat(0),
    und = i64x2.splat(0);
  // Rows = lanes' states; transposed, vector w holds word w of every lane.
  const s0 = v128.load(rng),
    s1 = v128.load(rng, 16),
    s2 = v128.load(rng, 32),
    s3 = v128.load(rng, 48);
  let a = lo4(lo2(s0, s1), lo2(s2, s3)),
    b = hi4(lo2(s0, s1), lo2(s2, s3)),
    c = lo4(hi2(s0, s1), hi2(s2, s3)),
    d = hi4(hi2(s0, s1), hi2(s2, s3));
  for (let i: usize = 0; i < m; i += 4) {
    // Four steps of every lane; w_s lane j = draw j m + i + s.
    const w0 = word(b);
    let u = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, u);
    d = rotl4(d, 11);
    const w1 = word(b);
    u = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, u);
    d = rotl4(d, 11);
    const w2 = word(b);
    u = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, u);
    d = rotl4(d, 11);
    const w3 = word(b);
    u = i32x4.shl(b, 9);
    c = v128.xor(c, a);
    d = v128.xor(d, b);
    b = v128.xor(b, c);
    a = v128.xor(a, d);
    c = v128.xor(c, u);
    d = rotl4(d, 11);
    // Transposed, r_j holds lane j's four draws in element order.
    const t0 = lo2(w0, w1),
      t1 = lo2(w2, w3),
      t2 = hi2(w0, w1),
      t3 = hi2(w2, w3);
    // Through memory: SIMD128 has 16 registers, too few to hold the four besides the rest.
    // The states' 64 bytes at rng are read, and each thread has its own: the draws go there.
    v128.store(rng, lo4(t0, t1));
    v128.store(rng, hi4(t0, t1), 16);
    v128.store(rng, lo4(t2, t3), 32);
    v128.store(rng, hi4(t2, t3), 48);
    for (let j: usize = 0; j < 4; j++) {
      const k = i32x4.shr_u(v128.load(rng + (j << 4)), 8); // 24 random bits per lane
      const at = j * m + i;
      if (f32) {
        const x = v128.load(src + (at << 2));
        const q = lanes32(x, k, scale, lo, hi);
        const l = f32x4.splat(<f32>lo),
          h = f32x4.splat(<f32>hi),
          z = f32x4.splat(0);
        sat = i32x4.add(sat, v128.or(f32x4.gt(q, h), f32x4.lt(q, l)));
        und = i32x4.add(und, v128.and(f32x4.eq(q, z), f32x4.ne(x, z)));
        const cq = f32x4.pmin(f32x4.pmax(q, l), h);
        store4<O>(out, at, i32x4.trunc_sat_f32x4_s(cq));
      } else {
        const sc = f64x2.splat(scale),
          l = f64x2.splat(lo),
          h = f64x2.splat(hi),
          z = f64x2.splat(0),
          inv = f64x2.splat(1.0 / 16777216.0);
        const khi = i8x16.shuffle(k, k, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
        const x0 = f64x2.mul(pair<S>(src, at, false), sc);
        const x1 = f64x2.mul(pair<S>(src, at, true), sc);
        // (k >>> 8) / 2^24 is exact, and so is its sum with x (the reference's float64 sum).
        const q0 = f64x2.floor(f64x2.add(x0, f64x2.mul(f64x2.convert_low_i32x4_u(k), inv)));
        const q1 = f64x2.floor(f64x2.add(x1, f64x2.mul(f64x2.convert_low_i32x4_u(khi), inv)));
        sat = i64x2.add(sat, v128.or(f64x2.gt(q0, h), f64x2.lt(q0, l)));
        sat = i64x2.add(sat, v128.or(f64x2.gt(q1, h), f64x2.lt(q1, l)));
        und = i64x2.add(und, v128.and(f64x2.eq(q0, z), f64x2.ne(x0, z)));
        und = i64x2.add(und, v128.and(f64x2.eq(q1, z), f64x2.ne(x1, z)));
        const c0 = f64x2.pmin(f64x2.pmax(q0, l), h);
        const c1 = f64x2.pmin(f64x2.pmax(q1, l), h);
        store4<O>(out, at, toI32x4(c0, c1));
      }
    }
  }
  rngSet(
    i32x4.extract_lane(a, 3),
    i32x4.extract_lane(b, 3),
    i32x4.extract_lane(c, 3),
    i32x4.extract_lane(d, 3),
  );
  // The masks are -1 per counted element (four int32 or two int64 lanes).
  if (f32) {
    satOut = -sum4(sat);
    undOut = -sum4(und);
  } else {
    satOut = -<i32>(i64x2.extract_lane(sat, 0) + i64x2.extract_lane(sat, 1));
    undOut = -<i32>(i64x2.extract_lane(und, 0) + i64x2.extract_lane(und, 1));
  }
  return <i32>(4 * m);
}

function sum4(v: v128): i32 {
  return (
    i32x4.extract_lane(v, 0) +
    i32x4.extract_lane(v, 1) +
    i32x4.extract_lane(v, 2) +
    i32x4.extract_lane(v, 3)
  );
}

/**
 * floor(x * scale + k / 2^24) for four float32 x and 24-bit k, exactly, in float32 lanes
 * (scale = 2^-exp >= 1 so v = x * scale is exact, or +-Infinity where the float64 product
 * saturates anyway; [lo, hi] within int16):
 * - v' = v clamped to [lo - 1, hi + 1] rounds to a value below lo / above hi exactly when v
 *   does, and keeps NaN (pmin/pmax), so the saturation counts and in-range q are unchanged;
 * - with f = floor(v'), floor(v' + k/2^24) = f + (k + D >= 2^24), D = floor(v' 2^24) - f 2^24,
 *   an integer in [0, 2^24) and exact in float32 (Sterbenz for |f| >= 1 and f = 0; for
 *   f = -1 the sum of an integer in [-2^24, 0) and 2^24). The float32 sum v + k/2^24 itself
 *   would round.
 * A NaN v gives a NaN q, stored as 0 with no count, as in the reference.
 */
// @ts-ignore: decorator
@inline
function lanes32(x: v128, k: v128, scale: f64, lo: f64, hi: f64): v128 {
  const two24 = f32x4.splat(16777216.0);
  const v = f32x4.mul(x, f32x4.splat(<f32>scale));
  const vc = f32x4.pmin(f32x4.pmax(v, f32x4.splat(<f32>(lo - 1))), f32x4.splat(<f32>(hi + 1)));
  const f = f32x4.floor(vc);
  const d = f32x4.sub(f32x4.floor(f32x4.mul(vc, two24)), f32x4.mul(f, two24));
  // k + D >= 2^24 as D >= 2^24 - k: k (24 bits) and 2^24 - k are exact float32 integers.
  const carry = f32x4.ge(d, f32x4.sub(two24, f32x4.convert_i32x4_s(k)));
  return f32x4.add(f, v128.and(carry, f32x4.splat(1)));
}

// Halves of a 4x4 int32 transpose: lo2 / hi2 interleave the low / high pairs of x and y,
// lo4 / hi4 join the low / high 64-bit halves.
// @ts-ignore: decorator
@inline
function lo2(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
}
// @ts-ignore: decorator
@inline
function hi2(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
}
// @ts-ignore: decorator
@inline
function lo4(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}
// @ts-ignore: decorator
@inline
function hi4(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
}
