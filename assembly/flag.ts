// SPDX-License-Identifier: MIT
// WAGEUBN's flag quantization (Yang et al. eq. 16) over a whole tensor, bit-exact with
// src/kernels/ref/flag.ts: the same float64 operations per element (u = (x * pre) * post,
// floor(u + 1/2) clamped to +-(half - 1) in the large case, floor(u * half + 1/2) in the small
// one), two elements per f64x2 step, a scalar loop for the last n % 4.
// Element kinds are the KIND_* codes of codes.ts.

import { KIND_F32, KIND_F64, KIND_I16, KIND_I32, KIND_I8 } from './codes';
import { pair, store4, toI32x4 } from './quantize_simd';

let sat = 0,
  und = 0;

/** Stores q (NaN as 0, as a typed-array store does) as O. */
function stq<O>(p: usize, i: usize, q: f64): void {
  const v = q != q ? 0 : <i32>q;
  store<O>(p + i * sizeof<O>(), <O>v);
}

function flagScalar<S, O>(
  src: usize,
  from: i32,
  n: i32,
  pre: f64,
  post: f64,
  half: f64,
  out: usize,
): void {
  const top = half - 1;
  for (let i = from; i < n; i++) {
    const v = <f64>load<S>(src + <usize>i * sizeof<S>()) * pre;
    const u = v * post;
    let m: f64;
    if (Math.abs(u) >= 1) {
      const r = Math.floor(u + 0.5);
      const c = r > top ? top : r < -top ? -top : r;
      if (c != r) sat++;
      m = c * half;
    } else m = Math.floor(u * half + 0.5);
    if (m == 0 && v != 0) und++;
    stq<O>(out, i, m);
  }
}

// Lane counters of the SIMD loop (globals: no managed objects in this module).
let satV = i64x2.splat(0);
let undV = i64x2.splat(0);

/** One f64x2 pair of values v -> flag mantissas, counted into satV / undV. */
function flagPair(v: v128, post: v128, half: v128, top: v128, ntop: v128): v128 {
  const u = f64x2.mul(v, post);
  const large = f64x2.ge(f64x2.abs(u), f64x2.splat(1));
  const r = f64x2.floor(f64x2.add(u, f64x2.splat(0.5)));
  const c = f64x2.pmin(f64x2.pmax(r, ntop), top);
  const ml = f64x2.mul(c, half);
  const ms = f64x2.floor(f64x2.add(f64x2.mul(u, half), f64x2.splat(0.5)));
  const m = v128.bitselect(ml, ms, large);
  satV = i64x2.sub(satV, v128.and(large, f64x2.ne(c, r)));
  undV = i64x2.sub(undV, v128.and(f64x2.eq(m, f64x2.splat(0)), f64x2.ne(v, f64x2.splat(0))));
  return m;
}

/** Elements i, i+1 (hi = false) or i+2, i+3 (hi = true) of any source kind, as f64x2. */
function pairOf<S>(src: usize, i: i32, hi: bool): v128 {
  if (sizeof<S>() >= 4) return pair<S>(src, i, hi);
  // int8 / int16: four elements sign-extended to i32 lanes, then the low or high two
  const q =
    sizeof<S>() == 2
      ? i32x4.extend_low_i16x8_s(v128.load64_zero(src + ((<usize>i) << 1)))
      : i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(src + <usize>i)));
  return f64x2.convert_low_i32x4_s(hi ? i64x2.shuffle(q, q, 1, 0) : q);
}

/** Elements [0, n & ~3) of any source kind; returns how many were done. */
function flagSimd<S, O>(src: usize, n: i32, pre: f64, post: f64, half: f64, out: usize): i32 {
  satV = i64x2.splat(0);
  undV = i64x2.splat(0);
  const pr = f64x2.splat(pre),
    po = f64x2.splat(post),
    h = f64x2.splat(half),
    t = f64x2.splat(half - 1),
    nt = f64x2.splat(1 - half);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const m0 = flagPair(f64x2.mul(pairOf<S>(src, i, false), pr), po, h, t, nt);
    const m1 = flagPair(f64x2.mul(pairOf<S>(src, i, true), pr), po, h, t, nt);
    store4<O>(out, i, toI32x4(m0, m1));
  }
  sat += <i32>(i64x2.extract_lane(satV, 0) + i64x2.extract_lane(satV, 1));
  und += <i32>(i64x2.extract_lane(undV, 0) + i64x2.extract_lane(undV, 1));
  return i;
}

function flagTo<S, O>(src: usize, n: i32, pre: f64, post: f64, half: f64, out: usize): void {
  const done = flagSimd<S, O>(src, n, pre, post, half, out);
  flagScalar<S, O>(src, done, n, pre, post, half, out);
}

function flagFrom<S>(
  src: usize,
  n: i32,
  pre: f64,
  post: f64,
  half: f64,
  out: usize,
  ok: i32,
): void {
  if (ok == KIND_I8) flagTo<S, i8>(src, n, pre, post, half, out);
  else if (ok == KIND_I16) flagTo<S, i16>(src, n, pre, post, half, out);
  else flagTo<S, i32>(src, n, pre, post, half, out);
}

/**
 * out[i] = flag mantissa of src[i] * pre * post with k-bit data (half = 2^(k-1)); src of kind
 * sk, out of kind ok (wide enough for (half - 1) * half); stats = [saturated, underflow].
 */
export function flag_quantize(
  src: usize,
  sk: i32,
  n: i32,
  pre: f64,
  post: f64,
  half: f64,
  out: usize,
  ok: i32,
  stats: usize,
): void {
  sat = 0;
  und = 0;
  if (sk == KIND_F32) flagFrom<f32>(src, n, pre, post, half, out, ok);
  else if (sk == KIND_F64) flagFrom<f64>(src, n, pre, post, half, out, ok);
  else if (sk == KIND_I32) flagFrom<i32>(src, n, pre, post, half, out, ok);
  else if (sk == KIND_I16) flagFrom<i16>(src, n, pre, post, half, out, ok);
  else flagFrom<i8>(src, n, pre, post, half, out, ok);
  store<i32>(stats, sat);
  store<i32>(stats, und, 4);
}
