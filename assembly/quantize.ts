// SPDX-License-Identifier: MIT
// Quantization kernel: float -> mantissas (requantize.ts shifts mantissas -> mantissas), with
// the xoshiro128** generator of quantize_common.ts. Scalar loops here, SIMD bulk loops in
// quantize_simd.ts; both repeat src/quant/quantize.ts operation for operation in float64 (the
// same IEEE results), and stochastic rounding draws one 32-bit word per element in index
// order, so mantissas, counts and generator state all match the reference.
//
// Element kinds and rounding modes are the KIND_* and ROUND_* codes of codes.ts.

import {
  KIND_F32,
  KIND_I16,
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
  rngIn,
  rngOut,
  rngSet,
  rngState,
  stq,
} from './quantize_common';
import {
  quantizeSimd,
  simdRng,
  simdRngSet,
  simdSat,
  simdUnd,
  stochasticSimd,
} from './quantize_simd';
import { f32LanesOk, f32Sat, f32Und, quantizeF32 } from './quantize_f32';
import { lanesSat, lanesUnd, stochasticLanes } from './quantize_lanes';

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
  let a = rngState(0),
    b = rngState(1),
    c = rngState(2),
    d = rngState(3),
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
  rngSet(a, b, c, d);
  countsAdd(ns, nu);
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
  rng: usize,
): void {
  if (fits<O>(lo, hi)) {
    // SIMD for the bulk, the scalar loop for the last n % 4 elements.
    let done = 0;
    if (mode == ROUND_STOCHASTIC) {
      // Four generators in lanes for the first 4 laneLength(n) elements (the generator state
      // then stands after them), one generator stepped four times per vector for the rest.
      done = stochasticLanes<S, O>(src, n, scale, lo, hi, out, rng);
      countsAdd(lanesSat(), lanesUnd());
      src += <usize>done * sizeof<S>();
      out += <usize>done * sizeof<O>();
      n -= done;
      simdRngSet(rngState(0), rngState(1), rngState(2), rngState(3));
      done = stochasticSimd<S, O>(src, n, false, scale, 0, 1, 1, lo, hi, out);
      rngSet(simdRng(0), simdRng(1), simdRng(2), simdRng(3));
    } else {
      if (isFloat<S>() && sizeof<S>() == 4 && f32LanesOk<O>(scale, mode)) {
        // Float32 lanes for whole blocks of 16 (quantize_f32.ts), float64 pairs after.
        done = quantizeF32<O>(src, n, scale, mode, lo, hi, out);
        countsAdd(f32Sat(), f32Und());
        src += <usize>done * sizeof<S>();
        out += <usize>done * sizeof<O>();
        n -= done;
      }
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
    }
    countsAdd(simdSat(), simdUnd());
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
  rng: usize,
): void {
  if (ok == KIND_I8) quantizeTo<S, i8>(src, n, scale, lo, hi, mode, out, rng);
  else if (ok == KIND_I16) quantizeTo<S, i16>(src, n, scale, lo, hi, mode, out, rng);
  else quantizeTo<S, i32>(src, n, scale, lo, hi, mode, out, rng);
}

/**
 * out[i] = clamp(round(src[i] * scale)); src kind 3|4, out kind 0|1|2. For stochastic
 * rounding `rng` holds four generator states (64 bytes): the stream's state at draw 0 and at
 * draws m, 2m, 3m with m = laneLength(n) (quantize_lanes.ts); the final state is written over
 * the first (the 64 bytes are the call's scratch meanwhile).
 */
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
  countsReset();
  if (mode == ROUND_STOCHASTIC) rngIn(rng);
  if (sk == KIND_F32) quantizeFrom<f32>(src, n, scale, lo, hi, mode, out, ok, rng);
  else quantizeFrom<f64>(src, n, scale, lo, hi, mode, out, ok, rng);
  if (mode == ROUND_STOCHASTIC) rngOut(rng);
  countsOut(stats);
}
