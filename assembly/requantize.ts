// SPDX-License-Identifier: MIT
// Requantization kernel: mantissas -> mantissas shifted by s bits, rounded as the reference
// (src/quant/quantize.ts) rounds, with the generator and counts of quantize_common.ts. Scalar
// loops here, the int32 SIMD bulk in quantize_simd.ts; stochastic rounding draws one 32-bit
// word per element in index order, so mantissas, counts and generator state match.

import {
  KIND_I16,
  KIND_I32,
  KIND_I8,
  ROUND_NEAREST,
  ROUND_NEAREST_EVEN,
  ROUND_STOCHASTIC,
} from './codes';
import {
  clampCount,
  countsAdd,
  countsOut,
  countsReset,
  fits,
  ldv,
  nextU32,
  rngIn,
  rngOut,
  rngSet,
  rngState,
  stq,
} from './quantize_common';
import {
  requantizeSimd,
  simdRng,
  simdRngSet,
  simdSat,
  simdUnd,
  stochasticSimd,
  store4,
} from './quantize_simd';

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
  let a = rngState(0),
    b = rngState(1),
    c = rngState(2),
    d = rngState(3),
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
  rngSet(a, b, c, d);
  countsAdd(ns, nu);
}
function rqFloor<S, O>(src: usize, n: i32, div: f64, lo: f64, hi: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const m = ldv<S>(src, i);
    stq<O>(out, i, clampCount(Math.floor(m / div), m, lo, hi));
  }
}
/** Ties to even on m / 2^s, which is exact in float64. */
function rqNearestEven<S, O>(src: usize, n: i32, div: f64, lo: f64, hi: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const m = ldv<S>(src, i);
    stq<O>(out, i, clampCount(nearest<f64>(m / div), m, lo, hi));
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

let intSat = 0,
  intUnd = 0;

/**
 * Elements [0, n & ~3) of nearest requantization of int32 m by 1 <= s <= 31 bits in int32
 * lanes: floor((m + 2^(s-1)) / 2^s) = (m >> s) + bit s-1 of m (arithmetic shifts; m = q 2^s + r
 * with 0 <= r < 2^s rounds up iff r >= 2^(s-1)), the reference's float64 integers without a
 * float64 pass or an int32 overflow; clamped to [lo, hi] and counted as clampCount counts
 * (intSat, intUnd). Returns how many.
 */
function nearestInt<O>(src: usize, n: i32, s: i32, lo: i32, hi: i32, out: usize): i32 {
  const l = i32x4.splat(lo),
    h = i32x4.splat(hi),
    z = i32x4.splat(0),
    one = i32x4.splat(1);
  let sat = z,
    und = z;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const m = v128.load(src + ((<usize>i) << 2));
    const q = i32x4.add(i32x4.shr_s(m, s), v128.and(i32x4.shr_s(m, s - 1), one));
    // Masks are -1 per counted lane.
    sat = i32x4.sub(sat, v128.or(i32x4.gt_s(q, h), i32x4.lt_s(q, l)));
    und = i32x4.sub(und, v128.and(i32x4.eq(q, z), i32x4.ne(m, z)));
    store4<O>(out, i, i32x4.min_s(i32x4.max_s(q, l), h));
  }
  intSat =
    i32x4.extract_lane(sat, 0) +
    i32x4.extract_lane(sat, 1) +
    i32x4.extract_lane(sat, 2) +
    i32x4.extract_lane(sat, 3);
  intUnd =
    i32x4.extract_lane(und, 0) +
    i32x4.extract_lane(und, 1) +
    i32x4.extract_lane(und, 2) +
    i32x4.extract_lane(und, 3);
  return i;
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
    if (mode == ROUND_NEAREST && s <= 31) {
      done = nearestInt<O>(src, n, s, <i32>lo, <i32>hi, out);
      countsAdd(intSat, intUnd);
      src += <usize>done * 4;
      out += <usize>done * sizeof<O>();
      n -= done;
    } else if (mode == ROUND_STOCHASTIC) {
      simdRngSet(rngState(0), rngState(1), rngState(2), rngState(3));
      done = stochasticSimd<i32, O>(src, n, true, 1, s, div, rfac, lo, hi, out);
      rngSet(simdRng(0), simdRng(1), simdRng(2), simdRng(3));
    } else
      done = requantizeSimd<O>(
        src,
        n,
        div,
        mode == ROUND_NEAREST ? half : 0,
        mode == ROUND_NEAREST_EVEN,
        lo,
        hi,
        out,
      );
    if (mode != ROUND_NEAREST || s > 31) {
      countsAdd(simdSat(), simdUnd());
      src += <usize>done * 4;
      out += <usize>done * sizeof<O>();
      n -= done;
    }
  }
  if (s <= 0) rqExact<S, O>(src, n, div, mode == ROUND_STOCHASTIC, lo, hi, out);
  else if (mode == ROUND_NEAREST) rqNearest<S, O>(src, n, div, half, lo, hi, out);
  else if (mode == ROUND_STOCHASTIC) rqStochastic<S, O>(src, n, s, div, rfac, lo, hi, out);
  else if (mode == ROUND_NEAREST_EVEN) rqNearestEven<S, O>(src, n, div, lo, hi, out);
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
  if (ok == KIND_I8) requantizeTo<S, i8>(src, n, s, div, half, rfac, lo, hi, mode, out);
  else if (ok == KIND_I16) requantizeTo<S, i16>(src, n, s, div, half, rfac, lo, hi, mode, out);
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
  countsReset();
  if (mode == ROUND_STOCHASTIC) rngIn(rng);
  if (sk == KIND_I8) requantizeFrom<i8>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else if (sk == KIND_I16) requantizeFrom<i16>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else if (sk == KIND_I32) requantizeFrom<i32>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else requantizeFrom<f64>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  if (mode == ROUND_STOCHASTIC) rngOut(rng);
  countsOut(stats);
}
