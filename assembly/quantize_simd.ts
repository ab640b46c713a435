// SPDX-License-Identifier: MIT
// SIMD128 loops for the deterministic roundings (nearest, floor, nearest-even) of quantize / requantize:
// four elements per step in f64x2 pairs, the same float64 operations as the scalar loops
// (so the same integers), saturation and underflow counted with lane masks.
// Only used when [lo, hi] fits the output type, so narrowing never saturates by itself.

let satV = i64x2.splat(0);
let undV = i64x2.splat(0);

/** Clamps a pair q to [lo, hi] and counts it; x is the pre-rounding value (underflow test). */
function clampPair(q: v128, x: v128, lo: v128, hi: v128): v128 {
  const sat = v128.or(f64x2.gt(q, hi), f64x2.lt(q, lo));
  const und = v128.and(f64x2.eq(q, f64x2.splat(0)), f64x2.ne(x, f64x2.splat(0)));
  satV = i64x2.sub(satV, sat);
  undV = i64x2.sub(undV, und);
  // pmax/pmin (one instruction each) keep a NaN q as NaN; it truncates to 0 like a typed-array store.
  return f64x2.pmin(f64x2.pmax(q, lo), hi);
}

/** Four clamped doubles (two pairs) -> four i32 in one vector. */
export function toI32x4(q0: v128, q1: v128): v128 {
  const a = i32x4.trunc_sat_f64x2_s_zero(q0);
  const b = i32x4.trunc_sat_f64x2_s_zero(q1);
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}

export function store4<O>(out: usize, i: usize, v: v128): void {
  if (sizeof<O>() == 4) v128.store(out + (i << 2), v);
  else if (sizeof<O>() == 2) v128.store64_lane(out + (i << 1), i16x8.narrow_i32x4_s(v, v), 0);
  else {
    const h = i16x8.narrow_i32x4_s(v, v);
    v128.store32_lane(out + i, i8x16.narrow_i16x8_s(h, h), 0);
  }
}

/** Elements i, i+1 (hi = false) or i+2, i+3 (hi = true) of an f32/f64/i32 array, as f64x2. */
export function pair<S>(src: usize, i: usize, hi: bool): v128 {
  if (sizeof<S>() == 8) return v128.load(src + ((i + (hi ? 2 : 0)) << 3));
  const x = v128.load64_zero(src + ((i + (hi ? 2 : 0)) << 2));
  return isFloat<S>() ? f64x2.promote_low_f32x4(x) : f64x2.convert_low_i32x4_s(x);
}

/**
 * Elements [0, n & ~3) of q = floor(x * scale + add), or nearest(x * scale) (ties to even)
 * when `even`; returns how many were done.
 */
export function quantizeSimd<S, O>(
  src: usize,
  n: i32,
  scale: f64,
  add: f64,
  even: bool,
  lo: f64,
  hi: f64,
  out: usize,
): i32 {
  satV = i64x2.splat(0);
  undV = i64x2.splat(0);
  const sc = f64x2.splat(scale),
    ad = f64x2.splat(add),
    l = f64x2.splat(lo),
    h = f64x2.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v0 = f64x2.mul(pair<S>(src, i, false), sc);
    const v1 = f64x2.mul(pair<S>(src, i, true), sc);
    const r0 = even ? f64x2.nearest(v0) : f64x2.floor(f64x2.add(v0, ad));
    const r1 = even ? f64x2.nearest(v1) : f64x2.floor(f64x2.add(v1, ad));
    store4<O>(out, i, toI32x4(clampPair(r0, v0, l, h), clampPair(r1, v1, l, h)));
  }
  return i;
}

/**
 * Elements [0, n & ~3) of q = floor((m + add) / div) for int32 m, or nearest(m / div) (ties
 * to even; m / div is exact) when `even`; returns how many.
 */
export function requantizeSimd<O>(
  src: usize,
  n: i32,
  div: f64,
  add: f64,
  even: bool,
  lo: f64,
  hi: f64,
  out: usize,
): i32 {
  satV = i64x2.splat(0);
  undV = i64x2.splat(0);
  const dv = f64x2.splat(div),
    ad = f64x2.splat(add),
    l = f64x2.splat(lo),
    h = f64x2.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const m0 = pair<i32>(src, i, false);
    const m1 = pair<i32>(src, i, true);
    const r0 = even
      ? f64x2.nearest(f64x2.div(m0, dv))
      : f64x2.floor(f64x2.div(f64x2.add(m0, ad), dv));
    const r1 = even
      ? f64x2.nearest(f64x2.div(m1, dv))
      : f64x2.floor(f64x2.div(f64x2.add(m1, ad), dv));
    store4<O>(out, i, toI32x4(clampPair(r0, m0, l, h), clampPair(r1, m1, l, h)));
  }
  return i;
}

/** Counts of the last SIMD loop: saturated, underflowed. */
export function simdSat(): i32 {
  return <i32>(i64x2.extract_lane(satV, 0) + i64x2.extract_lane(satV, 1));
}
export function simdUnd(): i32 {
  return <i32>(i64x2.extract_lane(undV, 0) + i64x2.extract_lane(undV, 1));
}

// xoshiro128** state for the stochastic loops, kept in locals while a loop runs.
let r0: u32 = 0,
  r1: u32 = 0,
  r2: u32 = 0,
  r3: u32 = 0;

/** Sets / reads the generator state the stochastic SIMD loops use. */
export function simdRngSet(a: u32, b: u32, c: u32, d: u32): void {
  r0 = a;
  r1 = b;
  r2 = c;
  r3 = d;
}
export function simdRng(i: i32): u32 {
  return i == 0 ? r0 : i == 1 ? r1 : i == 2 ? r2 : r3;
}

/**
 * Elements [0, n & ~3) of stochastic rounding, four draws per step in element order.
 * requant = false: q = floor(x * scale + (k >>> 8) / 2^24) on float x (quantize);
 * requant = true:  q = floor((m + r) / div), r = k' >>> (24 - s) or k' * rfac, on int32 m.
 */
export function stochasticSimd<S, O>(
  src: usize,
  n: i32,
  requant: bool,
  scale: f64,
  s: i32,
  div: f64,
  rfac: f64,
  lo: f64,
  hi: f64,
  out: usize,
): i32 {
  satV = i64x2.splat(0);
  undV = i64x2.splat(0);
  const sc = f64x2.splat(scale),
    dv = f64x2.splat(div),
    rf = f64x2.splat(rfac),
    l = f64x2.splat(lo),
    h = f64x2.splat(hi),
    inv = f64x2.splat(1.0 / 16777216.0);
  let a = r0,
    b = r1,
    c = r2,
    d = r3;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    // Four xoshiro128** steps (nextU32), unrolled so the state stays in registers.
    const w0 = rotl<u32>(b * 5, 7) * 9;
    let t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    const w1 = rotl<u32>(b * 5, 7) * 9;
    t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    const w2 = rotl<u32>(b * 5, 7) * 9;
    t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    const w3 = rotl<u32>(b * 5, 7) * 9;
    t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    let k = i32x4.replace_lane(i32x4.splat(w0), 1, w1);
    k = i32x4.replace_lane(i32x4.replace_lane(k, 2, w2), 3, w3);
    k = i32x4.shr_u(k, 8); // 24 random bits per lane
    const khi = i8x16.shuffle(k, k, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    let q0: v128, q1: v128, x0: v128, x1: v128;
    if (!requant) {
      x0 = f64x2.mul(pair<S>(src, i, false), sc);
      x1 = f64x2.mul(pair<S>(src, i, true), sc);
      // (k >>> 8) / 2^24: exact, as in the reference.
      q0 = f64x2.floor(f64x2.add(x0, f64x2.mul(f64x2.convert_low_i32x4_u(k), inv)));
      q1 = f64x2.floor(f64x2.add(x1, f64x2.mul(f64x2.convert_low_i32x4_u(khi), inv)));
    } else {
      x0 = pair<i32>(src, i, false);
      x1 = pair<i32>(src, i, true);
      let ra: v128, rb: v128;
      if (s <= 24) {
        ra = f64x2.convert_low_i32x4_u(i32x4.shr_u(k, 24 - s));
        rb = f64x2.convert_low_i32x4_u(i32x4.shr_u(khi, 24 - s));
      } else {
        ra = f64x2.mul(f64x2.convert_low_i32x4_u(k), rf);
        rb = f64x2.mul(f64x2.convert_low_i32x4_u(khi), rf);
      }
      q0 = f64x2.floor(f64x2.div(f64x2.add(x0, ra), dv));
      q1 = f64x2.floor(f64x2.div(f64x2.add(x1, rb), dv));
    }
    store4<O>(out, i, toI32x4(clampPair(q0, x0, l, h), clampPair(q1, x1, l, h)));
  }
  r0 = a;
  r1 = b;
  r2 = c;
  r3 = d;
  return i;
}
