// SPDX-License-Identifier: MIT
// Quantization kernels: float -> mantissas, mantissas -> mantissas (shift), max |x|, and the
// xoshiro128** generator (scalar here; SIMD bulk loops for nearest/floor in quantize_simd.ts). They mirror src/quant/quantize.ts operation for operation in
// float64 (the same IEEE results), and stochastic rounding draws one 32-bit word per element
// in index order, so mantissas, counts and generator state all match the reference.
//
// Element kinds: 0 int8, 1 int16, 2 int32, 3 float32, 4 float64.
// Rounding modes: 0 nearest, 1 stochastic, 2 floor.

import {
  quantizeSimd,
  requantizeSimd,
  simdRng,
  simdRngSet,
  simdSat,
  simdUnd,
  stochasticSimd,
} from './quantize_simd';

// xoshiro128** state, loaded from and stored back to memory by each call.

let s0: u32 = 0,
  s1: u32 = 0,
  s2: u32 = 0,
  s3: u32 = 0;

function nextU32(): u32 {
  const r = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return r;
}

function rngIn(p: usize): void {
  s0 = load<u32>(p);
  s1 = load<u32>(p, 4);
  s2 = load<u32>(p, 8);
  s3 = load<u32>(p, 12);
}
function rngOut(p: usize): void {
  store<u32>(p, s0);
  store<u32>(p, s1, 4);
  store<u32>(p, s2, 8);
  store<u32>(p, s3, 12);
}

/** Element i of an array of T, as f64 (exact for every kind used). */
function ldv<T>(p: usize, i: usize): f64 {
  return <f64>load<T>(p + i * sizeof<T>());
}

/** Stores a clamped q (or NaN, which a typed-array store turns into 0) as O. */
function stq<O>(p: usize, i: usize, q: f64): void {
  const v = q != q ? 0 : <i32>q;
  store<O>(p + i * sizeof<O>(), <O>v);
}

// Counts of the last call go to `stats`: [saturated, underflow] as i32.
let sat = 0,
  und = 0;

/** Clamps q to [lo, hi], counting saturation, and underflow of a nonzero x to 0. */
function clampCount(q: f64, x: f64, lo: f64, hi: f64): f64 {
  if (q > hi) {
    sat++;
    return hi;
  }
  if (q < lo) {
    sat++;
    return lo;
  }
  if (q == 0 && x != 0) und++;
  return q;
}

/** Whether [lo, hi] fits O, so a saturating narrow equals a wrapping store. */
function fits<O>(lo: f64, hi: f64): bool {
  const bits = <f64>(8 * sizeof<O>() - 1);
  return lo >= -Math.pow(2, bits) && hi <= Math.pow(2, bits) - 1;
}

// One loop per (source type, output type, rounding): generics specialise the loads and
// stores, and the rounding is fixed per loop, so nothing is decided per element.
function qNearest<S, O>(src: usize, n: i32, scale: f64, lo: f64, hi: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const v = ldv<S>(src, i) * scale;
    stq<O>(out, i, clampCount(Math.floor(v + 0.5), v, lo, hi));
  }
}
function qStochastic<S, O>(src: usize, n: i32, scale: f64, lo: f64, hi: f64, out: usize): void {
  // Generator state and counts in locals (registers) for the loop; globals cost a memory trip.
  let a = s0,
    b = s1,
    c = s2,
    d = s3,
    ns = 0,
    nu = 0;
  for (let i = 0; i < n; i++) {
    const k = rotl<u32>(b * 5, 7) * 9; // xoshiro128** step, as nextU32()
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    const v = ldv<S>(src, i) * scale;
    let q = Math.floor(v + <f64>(k >>> 8) / 16777216.0);
    if (q > hi) {
      q = hi;
      ns++;
    } else if (q < lo) {
      q = lo;
      ns++;
    } else if (q == 0 && v != 0) nu++;
    stq<O>(out, i, q);
  }
  s0 = a;
  s1 = b;
  s2 = c;
  s3 = d;
  sat += ns;
  und += nu;
}
function qFloor<S, O>(src: usize, n: i32, scale: f64, lo: f64, hi: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const v = ldv<S>(src, i) * scale;
    stq<O>(out, i, clampCount(Math.floor(v), v, lo, hi));
  }
}

function quantizeTo<S, O>(
  src: usize,
  n: i32,
  scale: f64,
  lo: f64,
  hi: f64,
  mode: i32,
  out: usize,
): void {
  if (fits<O>(lo, hi)) {
    // SIMD for the bulk, the scalar loop for the last n % 4 elements.
    let done = 0;
    if (mode == 1) {
      simdRngSet(s0, s1, s2, s3);
      done = stochasticSimd<S, O>(src, n, false, scale, 0, 1, 1, lo, hi, out);
      s0 = simdRng(0);
      s1 = simdRng(1);
      s2 = simdRng(2);
      s3 = simdRng(3);
    } else done = quantizeSimd<S, O>(src, n, scale, mode == 0 ? 0.5 : 0, lo, hi, out);
    sat += simdSat();
    und += simdUnd();
    src += <usize>done * sizeof<S>();
    out += <usize>done * sizeof<O>();
    n -= done;
  }
  if (mode == 0) qNearest<S, O>(src, n, scale, lo, hi, out);
  else if (mode == 1) qStochastic<S, O>(src, n, scale, lo, hi, out);
  else qFloor<S, O>(src, n, scale, lo, hi, out);
}

function quantizeFrom<S>(
  src: usize,
  n: i32,
  scale: f64,
  lo: f64,
  hi: f64,
  mode: i32,
  out: usize,
  ok: i32,
): void {
  if (ok == 0) quantizeTo<S, i8>(src, n, scale, lo, hi, mode, out);
  else if (ok == 1) quantizeTo<S, i16>(src, n, scale, lo, hi, mode, out);
  else quantizeTo<S, i32>(src, n, scale, lo, hi, mode, out);
}

/** out[i] = clamp(round(src[i] * scale)); src kind 3|4, out kind 0|1|2. */
export function quantize(
  src: usize,
  sk: i32,
  n: i32,
  scale: f64,
  lo: f64,
  hi: f64,
  mode: i32,
  out: usize,
  ok: i32,
  rng: usize,
  stats: usize,
): void {
  sat = 0;
  und = 0;
  if (mode == 1) rngIn(rng);
  if (sk == 3) quantizeFrom<f32>(src, n, scale, lo, hi, mode, out, ok);
  else quantizeFrom<f64>(src, n, scale, lo, hi, mode, out, ok);
  if (mode == 1) rngOut(rng);
  store<i32>(stats, sat);
  store<i32>(stats, und, 4);
}

// Requantization by s bits: div = 2^s, half = 2^(s-1), rfac = 2^(s-24) as the reference has them.
function rqNearest<S, O>(
  src: usize,
  n: i32,
  div: f64,
  half: f64,
  lo: f64,
  hi: f64,
  out: usize,
): void {
  for (let i = 0; i < n; i++) {
    const m = ldv<S>(src, i);
    stq<O>(out, i, clampCount(Math.floor((m + half) / div), m, lo, hi));
  }
}
function rqStochastic<S, O>(
  src: usize,
  n: i32,
  s: i32,
  div: f64,
  rfac: f64,
  lo: f64,
  hi: f64,
  out: usize,
): void {
  let a = s0,
    b = s1,
    c = s2,
    d = s3,
    ns = 0,
    nu = 0;
  for (let i = 0; i < n; i++) {
    const w = rotl<u32>(b * 5, 7) * 9; // xoshiro128** step, as nextU32()
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    const m = ldv<S>(src, i);
    const k = w >>> 8; // 24 random bits
    const r = s <= 24 ? <f64>(k >>> (24 - s)) : <f64>k * rfac;
    let q = Math.floor((m + r) / div);
    if (q > hi) {
      q = hi;
      ns++;
    } else if (q < lo) {
      q = lo;
      ns++;
    } else if (q == 0 && m != 0) nu++;
    stq<O>(out, i, q);
  }
  s0 = a;
  s1 = b;
  s2 = c;
  s3 = d;
  sat += ns;
  und += nu;
}
function rqFloor<S, O>(src: usize, n: i32, div: f64, lo: f64, hi: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const m = ldv<S>(src, i);
    stq<O>(out, i, clampCount(Math.floor(m / div), m, lo, hi));
  }
}
/** s <= 0: an exact left shift; stochastic rounding still takes its one draw per element. */
function rqExact<S, O>(
  src: usize,
  n: i32,
  div: f64,
  draw: bool,
  lo: f64,
  hi: f64,
  out: usize,
): void {
  for (let i = 0; i < n; i++) {
    const m = ldv<S>(src, i);
    if (draw) nextU32();
    stq<O>(out, i, clampCount(m / div, m, lo, hi));
  }
}

function requantizeTo<S, O>(
  src: usize,
  n: i32,
  s: i32,
  div: f64,
  half: f64,
  rfac: f64,
  lo: f64,
  hi: f64,
  mode: i32,
  out: usize,
): void {
  if (sizeof<S>() == 4 && !isFloat<S>() && s > 0 && fits<O>(lo, hi)) {
    // int32 accumulators, the common case: SIMD for the bulk.
    let done = 0;
    if (mode == 1) {
      simdRngSet(s0, s1, s2, s3);
      done = stochasticSimd<i32, O>(src, n, true, 1, s, div, rfac, lo, hi, out);
      s0 = simdRng(0);
      s1 = simdRng(1);
      s2 = simdRng(2);
      s3 = simdRng(3);
    } else done = requantizeSimd<O>(src, n, div, mode == 0 ? half : 0, lo, hi, out);
    sat += simdSat();
    und += simdUnd();
    src += <usize>done * 4;
    out += <usize>done * sizeof<O>();
    n -= done;
  }
  if (s <= 0) rqExact<S, O>(src, n, div, mode == 1, lo, hi, out);
  else if (mode == 0) rqNearest<S, O>(src, n, div, half, lo, hi, out);
  else if (mode == 1) rqStochastic<S, O>(src, n, s, div, rfac, lo, hi, out);
  else rqFloor<S, O>(src, n, div, lo, hi, out);
}

function requantizeFrom<S>(
  src: usize,
  n: i32,
  s: i32,
  div: f64,
  half: f64,
  rfac: f64,
  lo: f64,
  hi: f64,
  mode: i32,
  out: usize,
  ok: i32,
): void {
  if (ok == 0) requantizeTo<S, i8>(src, n, s, div, half, rfac, lo, hi, mode, out);
  else if (ok == 1) requantizeTo<S, i16>(src, n, s, div, half, rfac, lo, hi, mode, out);
  else requantizeTo<S, i32>(src, n, s, div, half, rfac, lo, hi, mode, out);
}

/** out[i] = clamp(round(src[i] / 2^s)); src kind 0..2 or 4, out kind 0..2. */
export function requantize(
  src: usize,
  sk: i32,
  n: i32,
  s: i32,
  div: f64,
  half: f64,
  rfac: f64,
  lo: f64,
  hi: f64,
  mode: i32,
  out: usize,
  ok: i32,
  rng: usize,
  stats: usize,
): void {
  sat = 0;
  und = 0;
  if (mode == 1) rngIn(rng);
  if (sk == 0) requantizeFrom<i8>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else if (sk == 1) requantizeFrom<i16>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else if (sk == 2) requantizeFrom<i32>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else requantizeFrom<f64>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  if (mode == 1) rngOut(rng);
  store<i32>(stats, sat);
  store<i32>(stats, und, 4);
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
  if (kind == 0) {
    let a = i8x16.splat(0),
      b = i8x16.splat(0);
    for (; i + 16 <= n; i += 16) {
      const v = v128.load(src + i);
      a = i8x16.min_s(a, v);
      b = i8x16.max_s(b, v);
    }
    mn = hmin16(i16x8.min_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_high_i8x16_s(a)));
    mx = hmax16(i16x8.max_s(i16x8.extend_low_i8x16_s(b), i16x8.extend_high_i8x16_s(b)));
  } else if (kind == 1) {
    let a = i16x8.splat(0),
      b = i16x8.splat(0);
    for (; i + 8 <= n; i += 8) {
      const v = v128.load(src + ((<usize>i) << 1));
      a = i16x8.min_s(a, v);
      b = i16x8.max_s(b, v);
    }
    mn = hmin16(a);
    mx = hmax16(b);
  } else if (kind == 2) {
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
  } else if (kind == 3) {
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
      kind == 0
        ? ldv<i8>(src, i)
        : kind == 1
          ? ldv<i16>(src, i)
          : kind == 2
            ? ldv<i32>(src, i)
            : kind == 3
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
