// SPDX-License-Identifier: MIT
// Quantization kernels: float -> mantissas and mantissas -> mantissas (shift), with the
// xoshiro128** generator. Scalar loops here, SIMD bulk loops in quantize_simd.ts; both repeat
// src/quant/quantize.ts operation for operation in float64 (the same IEEE results), and
// stochastic rounding draws one 32-bit word per element in index order, so mantissas, counts
// and generator state all match the reference.
//
// Element kinds and rounding modes are the KIND_* and ROUND_* codes of codes.ts.

import {
  KIND_F32,
  KIND_I16,
  KIND_I32,
  KIND_I8,
  ROUND_NEAREST,
  ROUND_NEAREST_EVEN,
  ROUND_STOCHASTIC,
} from './codes';
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

export function rngIn(p: usize): void {
  s0 = load<u32>(p);
  s1 = load<u32>(p, 4);
  s2 = load<u32>(p, 8);
  s3 = load<u32>(p, 12);
}
/** Word i of the generator state loaded by rngIn. */
export function rngState(i: i32): u32 {
  return i == 0 ? s0 : i == 1 ? s1 : i == 2 ? s2 : s3;
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
function qNearestEven<S, O>(src: usize, n: i32, scale: f64, lo: f64, hi: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const v = ldv<S>(src, i) * scale;
    stq<O>(out, i, clampCount(nearest<f64>(v), v, lo, hi));
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
    if (mode == ROUND_STOCHASTIC) {
      simdRngSet(s0, s1, s2, s3);
      done = stochasticSimd<S, O>(src, n, false, scale, 0, 1, 1, lo, hi, out);
      s0 = simdRng(0);
      s1 = simdRng(1);
      s2 = simdRng(2);
      s3 = simdRng(3);
    } else
      done = quantizeSimd<S, O>(
        src,
        n,
        scale,
        mode == ROUND_NEAREST ? 0.5 : 0,
        mode == ROUND_NEAREST_EVEN,
        lo,
        hi,
        out,
      );
    sat += simdSat();
    und += simdUnd();
    src += <usize>done * sizeof<S>();
    out += <usize>done * sizeof<O>();
    n -= done;
  }
  if (mode == ROUND_NEAREST) qNearest<S, O>(src, n, scale, lo, hi, out);
  else if (mode == ROUND_STOCHASTIC) qStochastic<S, O>(src, n, scale, lo, hi, out);
  else if (mode == ROUND_NEAREST_EVEN) qNearestEven<S, O>(src, n, scale, lo, hi, out);
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
  if (ok == KIND_I8) quantizeTo<S, i8>(src, n, scale, lo, hi, mode, out);
  else if (ok == KIND_I16) quantizeTo<S, i16>(src, n, scale, lo, hi, mode, out);
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
  if (mode == ROUND_STOCHASTIC) rngIn(rng);
  if (sk == KIND_F32) quantizeFrom<f32>(src, n, scale, lo, hi, mode, out, ok);
  else quantizeFrom<f64>(src, n, scale, lo, hi, mode, out, ok);
  if (mode == ROUND_STOCHASTIC) rngOut(rng);
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
    if (mode == ROUND_STOCHASTIC) {
      simdRngSet(s0, s1, s2, s3);
      done = stochasticSimd<i32, O>(src, n, true, 1, s, div, rfac, lo, hi, out);
      s0 = simdRng(0);
      s1 = simdRng(1);
      s2 = simdRng(2);
      s3 = simdRng(3);
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
    sat += simdSat();
    und += simdUnd();
    src += <usize>done * 4;
    out += <usize>done * sizeof<O>();
    n -= done;
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
  sat = 0;
  und = 0;
  if (mode == ROUND_STOCHASTIC) rngIn(rng);
  if (sk == KIND_I8) requantizeFrom<i8>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else if (sk == KIND_I16) requantizeFrom<i16>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else if (sk == KIND_I32) requantizeFrom<i32>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  else requantizeFrom<f64>(src, n, s, div, half, rfac, lo, hi, mode, out, ok);
  if (mode == ROUND_STOCHASTIC) rngOut(rng);
  store<i32>(stats, sat);
  store<i32>(stats, und, 4);
}
