// SPDX-License-Identifier: MIT
// The optimizers' elementwise kernels over whole float32 parameter tensors, bit-exact with
// src/kernels/ref/optim.ts: every value is loaded as float64, the operations run in float64
// in the reference's order, and each store into a float32 array rounds once (to nearest
// even), as a JavaScript store into a Float32Array does.
// Rounding modes are the ROUND_* codes of codes.ts.

import { ROUND_NEAREST, ROUND_NEAREST_EVEN, ROUND_STOCHASTIC } from './codes';
import { rngIn, rngState } from './quantize_common';

function ld(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + ((<usize>i) << 2));
}
function st(p: usize, i: i32, x: f64): void {
  store<f32>(p + ((<usize>i) << 2), <f32>x);
}

// Lane counters of the SIMD loop (globals: no managed objects in this module).
let satV = i64x2.splat(0);
let undV = i64x2.splat(0);

/** One f64x2 pair x (already scaled) rounded, clamped, counted, and unscaled. */
function gridPair(x: v128, mode: i32, lo: v128, hi: v128, unscale: v128): v128 {
  let q =
    mode == ROUND_NEAREST
      ? f64x2.floor(f64x2.add(x, f64x2.splat(0.5)))
      : mode == ROUND_NEAREST_EVEN
        ? f64x2.nearest(x)
        : f64x2.floor(x);
  satV = i64x2.sub(satV, v128.or(f64x2.gt(q, hi), f64x2.lt(q, lo)));
  undV = i64x2.sub(undV, v128.and(f64x2.eq(q, f64x2.splat(0)), f64x2.ne(x, f64x2.splat(0))));
  q = f64x2.pmin(f64x2.pmax(q, lo), hi);
  // NaN and -0 become +0 (all bits clear), as an integer array stores them
  q = v128.and(q, v128.and(f64x2.eq(q, q), f64x2.ne(q, f64x2.splat(0))));
  return f64x2.mul(q, unscale);
}

/** Elements [0, n & ~3) with a deterministic rounding; returns how many were done. */
function gridSimd(v: usize, n: i32, scale: f64, unscale: f64, lo: f64, hi: f64, mode: i32): i32 {
  satV = i64x2.splat(0);
  undV = i64x2.splat(0);
  const sc = f64x2.splat(scale),
    us = f64x2.splat(unscale),
    l = f64x2.splat(lo),
    h = f64x2.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = v + ((<usize>i) << 2);
    const x = v128.load(p);
    const x0 = f64x2.mul(f64x2.promote_low_f32x4(x), sc);
    const x1 = f64x2.mul(f64x2.promote_low_f32x4(i64x2.shuffle(x, x, 1, 0)), sc);
    const a = f32x4.demote_f64x2_zero(gridPair(x0, mode, l, h, us));
    const b = f32x4.demote_f64x2_zero(gridPair(x1, mode, l, h, us));
    v128.store(p, i64x2.shuffle(a, b, 0, 2));
  }
  return i;
}

/**
 * v = clamp(round(v * scale), lo, hi) * unscale in place (scale = 2^-exp, unscale = 2^exp),
 * with quantize's rounding, one draw per element for stochastic rounding (state at rng), and
 * stats = [saturated, underflow]. A NaN or -0 mantissa stores as +0, as in an integer array.
 */
export function round_to_grid_f32(
  v: usize,
  n: i32,
  scale: f64,
  unscale: f64,
  lo: f64,
  hi: f64,
  mode: i32,
  rng: usize,
  stats: usize,
): void {
  let sat = 0,
    und = 0,
    i = 0;
  if (mode == ROUND_STOCHASTIC) {
    rngIn(rng);
    // xoshiro128** state in locals for the loop (nextU32's steps, one draw per element)
    let a = rngState(0),
      b = rngState(1),
      c = rngState(2),
      d = rngState(3);
    for (; i < n; i++) {
      const w = rotl<u32>(b * 5, 7) * 9;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl<u32>(d, 11);
      const x = ld(v, i) * scale;
      let q = Math.floor(x + <f64>(w >>> 8) / 16777216.0);
      if (q > hi) {
        q = hi;
        sat++;
      } else if (q < lo) {
        q = lo;
        sat++;
      } else if (q == 0 && x != 0) und++;
      st(v, i, (q == q && q != 0 ? q : 0) * unscale);
    }
    store<u32>(rng, a);
    store<u32>(rng, b, 4);
    store<u32>(rng, c, 8);
    store<u32>(rng, d, 12);
  } else {
    i = gridSimd(v, n, scale, unscale, lo, hi, mode);
    sat = <i32>(i64x2.extract_lane(satV, 0) + i64x2.extract_lane(satV, 1));
    und = <i32>(i64x2.extract_lane(undV, 0) + i64x2.extract_lane(undV, 1));
    for (; i < n; i++) {
      const x = ld(v, i) * scale;
      let q =
        mode == ROUND_NEAREST
          ? Math.floor(x + 0.5)
          : mode == ROUND_NEAREST_EVEN
            ? nearest<f64>(x)
            : Math.floor(x);
      if (q > hi) {
        q = hi;
        sat++;
      } else if (q < lo) {
        q = lo;
        sat++;
      } else if (q == 0 && x != 0) und++;
      st(v, i, (q == q && q != 0 ? q : 0) * unscale);
    }
  }
  store<i32>(stats, sat);
  store<i32>(stats, und, 4);
}

/** m = mu m + g + decay theta. */
export function sgd_momentum_f32(
  m: usize,
  g: usize,
  theta: usize,
  n: i32,
  mu: f64,
  decay: f64,
): void {
  for (let i = 0; i < n; i++) st(m, i, mu * ld(m, i) + ld(g, i) + decay * ld(theta, i));
}

/** u = lr x, or (withTheta) u = lr (x + decay theta). */
export function sgd_update_f32(
  u: usize,
  x: usize,
  n: i32,
  lr: f64,
  theta: usize,
  decay: f64,
  withTheta: bool,
): void {
  if (withTheta) for (let i = 0; i < n; i++) st(u, i, lr * (ld(x, i) + decay * ld(theta, i)));
  else for (let i = 0; i < n; i++) st(u, i, lr * ld(x, i));
}

/** a += b. */
export function add_inplace_f32(a: usize, b: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(a, i, ld(a, i) + ld(b, i));
}

/** a -= b. */
export function sub_inplace_f32(a: usize, b: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(a, i, ld(a, i) - ld(b, i));
}

/** acc -= before - theta. */
export function kahan_carry_f32(acc: usize, before: usize, theta: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(acc, i, ld(acc, i) - (ld(before, i) - ld(theta, i)));
}

/** gi = g + decay theta; m = b1 m + (1 - b1) gi; v = b2 v + (1 - b2) gi gi. */
export function adam_moments_f32(
  m: usize,
  v: usize,
  g: usize,
  theta: usize,
  n: i32,
  b1: f64,
  b2: f64,
  decay: f64,
): void {
  const c1 = 1 - b1,
    c2 = 1 - b2;
  for (let i = 0; i < n; i++) {
    const gi = ld(g, i) + decay * ld(theta, i);
    st(m, i, b1 * ld(m, i) + c1 * gi);
    st(v, i, b2 * ld(v, i) + c2 * gi * gi);
  }
}

/** u = lr clamp((m / c1) / (sqrt(v / c2) + eps), -bound, bound). */
export function adam_update_f32(
  u: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f64,
  c1: f64,
  c2: f64,
  eps: f64,
  bound: f64,
): void {
  for (let i = 0; i < n; i++) {
    const r = ld(m, i) / c1 / (Math.sqrt(ld(v, i) / c2) + eps);
    st(u, i, lr * Math.max(-bound, Math.min(bound, r)));
  }
}

/**
 * WAGEUBN's integer Momentum (ref: wageubn_momentum_f32); theta, g f32, acc f64. sGC, sAcc,
 * sWU are 2^(k-1) of the gradient, accumulator and storage widths.
 */
export function wageubn_momentum_f32(
  theta: usize,
  g: usize,
  acc: usize,
  n: i32,
  lr: f64,
  mom: f64,
  decay: f64,
  quantized: bool,
  sGC: f64,
  sAcc: f64,
  accEven: bool,
  sWU: f64,
  lim: f64,
): void {
  if (!quantized) {
    for (let i = 0; i < n; i++) {
      const pa = acc + ((<usize>i) << 3);
      const a = mom * load<f64>(pa) + ld(g, i) + decay * ld(theta, i);
      store<f64>(pa, a);
      st(theta, i, ld(theta, i) - lr * a);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const pa = acc + ((<usize>i) << 3);
    const gq = Math.floor((ld(g, i) + decay * ld(theta, i)) * sGC + 0.5) / sGC;
    const a = mom * load<f64>(pa) + gq;
    const t = Math.floor((ld(theta, i) - lr * a) * sWU + 0.5) / sWU;
    st(theta, i, Math.max(-lim, Math.min(lim, t)));
    const x = a * sAcc;
    store<f64>(pa, (accEven ? nearest<f64>(x) : Math.floor(x + 0.5)) / sAcc);
  }
}
