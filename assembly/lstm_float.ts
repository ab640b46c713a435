// SPDX-License-Identifier: MIT
// One LSTM step on the float path and its backward (float32 arrays, float64 arithmetic,
// lowbit's own sigmoid and tanh), and float_fn_f64. Definitions are in
// src/kernels/ref/lstm-float.ts; these compute the same bits. Rows with t >= lens[n]
// (lens != 0) carry their state.

import { FN_EXP, FN_SIGMOID } from './codes';
import { expF64, sigmoidF64, tanhF64 } from './float_functions';
import { expX2, sigmoidX2, tanhX2 } from './float_functions_x2';
import { isLive } from './lstm';

/** Element i of a float32 array as f64. */
// @ts-ignore: decorator
@inline
function ld(p: usize, i: usize): f64 {
  return <f64>load<f32>(p + (i << 2));
}

// @ts-ignore: decorator
@inline
function st(p: usize, i: usize, v: f64): void {
  store<f32>(p + (i << 2), <f32>v);
}

/** Elements i, i+1 of a float32 array as two f64 lanes. */
// @ts-ignore: decorator
@inline
function ld2(p: usize, i: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p + (i << 2)));
}

// @ts-ignore: decorator
@inline
function st2(p: usize, i: usize, v: v128): void {
  v128.store64_lane(p + (i << 2), f32x4.demote_f64x2_zero(v), 0);
}

/** z of units j, j+1 of gate block q: (gx + gh) + bias. */
// @ts-ignore: decorator
@inline
function z2(gx: usize, gh: usize, bias: usize, a: usize, b: usize): v128 {
  return f64x2.add(f64x2.add(ld2(gx, a), ld2(gh, a)), ld2(bias, b));
}

/**
 * gx, gh (N,4H) f32 rows of step t, bias (4H), hPrev, cPrev (N,H) -> act (N,4H), tc, h, c
 * (N,H), all f32.
 */
export function lstm_fwd_float(
  N: i32,
  H: i32,
  t: i32,
  lens: usize,
  gx: usize,
  gh: usize,
  bias: usize,
  hPrev: usize,
  cPrev: usize,
  act: usize,
  tc: usize,
  h: usize,
  c: usize,
): void {
  const G = 4 * H;
  const hb = <usize>H;
  for (let n = 0; n < N; n++) {
    const r = <usize>(n * H);
    if (!isLive(lens, n, t)) {
      memory.copy(h + (r << 2), hPrev + (r << 2), hb << 2);
      memory.copy(c + (r << 2), cPrev + (r << 2), hb << 2);
      memory.fill(tc + (r << 2), 0, hb << 2);
      memory.fill(act + (<usize>(n * G) << 2), 0, <usize>G << 2);
      continue;
    }
    let j = 0;
    // Two units at a time: the scalar loop's operations lane by lane.
    for (; j + 2 <= H; j += 2) {
      const a = <usize>(n * G + j);
      const b = <usize>j;
      const i = sigmoidX2(z2(gx, gh, bias, a, b));
      const f = sigmoidX2(z2(gx, gh, bias, a + hb, b + hb));
      const g = tanhX2(z2(gx, gh, bias, a + 2 * hb, b + 2 * hb));
      const o = sigmoidX2(z2(gx, gh, bias, a + 3 * hb, b + 3 * hb));
      st2(act, a, i);
      st2(act, a + hb, f);
      st2(act, a + 2 * hb, g);
      st2(act, a + 3 * hb, o);
      const cn = f64x2.add(f64x2.mul(f, ld2(cPrev, r + b)), f64x2.mul(i, g));
      const th = tanhX2(cn);
      st2(c, r + b, cn);
      st2(tc, r + b, th);
      st2(h, r + b, f64x2.mul(o, th));
    }
    for (; j < H; j++) {
      const a = <usize>(n * G + j);
      const b = <usize>j;
      const i = sigmoidF64(ld(gx, a) + ld(gh, a) + ld(bias, b));
      const f = sigmoidF64(ld(gx, a + hb) + ld(gh, a + hb) + ld(bias, b + hb));
      const g = tanhF64(ld(gx, a + 2 * hb) + ld(gh, a + 2 * hb) + ld(bias, b + 2 * hb));
      const o = sigmoidF64(ld(gx, a + 3 * hb) + ld(gh, a + 3 * hb) + ld(bias, b + 3 * hb));
      st(act, a, i);
      st(act, a + hb, f);
      st(act, a + 2 * hb, g);
      st(act, a + 3 * hb, o);
      const cn = f * ld(cPrev, r + b) + i * g;
      const th = tanhF64(cn);
      st(c, r + b, cn);
      st(tc, r + b, th);
      st(h, r + b, o * th);
    }
  }
}

/**
 * dhp (N,H) the recurrent error of step t+1 (0: none), ey (N,H) (0: none); act, tc, cPrev
 * from the forward; dh, dc (N,H) in-out -> dz (N,4H); all f32.
 */
export function lstm_bwd_float(
  N: i32,
  H: i32,
  t: i32,
  lens: usize,
  dhp: usize,
  ey: usize,
  act: usize,
  tc: usize,
  cPrev: usize,
  dh: usize,
  dc: usize,
  dz: usize,
): void {
  const G = 4 * H;
  const hb = <usize>H;
  for (let n = 0; n < N; n++) {
    const r = <usize>(n * H);
    if (dhp != 0 && isLive(lens, n, t + 1)) memory.copy(dh + (r << 2), dhp + (r << 2), hb << 2);
    if (ey != 0) {
      // float32 sums, four at a time (each lane the scalar float32 add).
      let j: usize = 0;
      for (; j + 4 <= hb; j += 4) {
        const p = dh + ((r + j) << 2);
        v128.store(p, f32x4.add(v128.load(p), v128.load(ey + ((r + j) << 2))));
      }
      for (; j < hb; j++) {
        const p = dh + ((r + j) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(ey + ((r + j) << 2)));
      }
    }
    if (!isLive(lens, n, t)) {
      memory.fill(dz + (<usize>(n * G) << 2), 0, <usize>G << 2);
      continue;
    }
    const one = f64x2.splat(1);
    let j = 0;
    // Two units at a time: the scalar loop's operations, in its order, lane by lane.
    for (; j + 2 <= H; j += 2) {
      const a = <usize>(n * G + j);
      const u = r + <usize>j;
      const i = ld2(act, a);
      const f = ld2(act, a + hb);
      const g = ld2(act, a + 2 * hb);
      const o = ld2(act, a + 3 * hb);
      const th = ld2(tc, u);
      const d = ld2(dh, u);
      const dcj = f64x2.add(
        ld2(dc, u),
        f64x2.mul(f64x2.mul(d, o), f64x2.sub(one, f64x2.mul(th, th))),
      );
      st2(dz, a, f64x2.mul(f64x2.mul(f64x2.mul(dcj, g), i), f64x2.sub(one, i)));
      st2(dz, a + hb, f64x2.mul(f64x2.mul(f64x2.mul(dcj, ld2(cPrev, u)), f), f64x2.sub(one, f)));
      st2(dz, a + 2 * hb, f64x2.mul(f64x2.mul(dcj, i), f64x2.sub(one, f64x2.mul(g, g))));
      st2(dz, a + 3 * hb, f64x2.mul(f64x2.mul(f64x2.mul(d, th), o), f64x2.sub(one, o)));
      st2(dc, u, f64x2.mul(dcj, f));
    }
    for (; j < H; j++) {
      const a = <usize>(n * G + j);
      const u = r + <usize>j;
      const i = ld(act, a);
      const f = ld(act, a + hb);
      const g = ld(act, a + 2 * hb);
      const o = ld(act, a + 3 * hb);
      const th = ld(tc, u);
      const d = ld(dh, u);
      const dcj = ld(dc, u) + d * o * (1 - th * th);
      st(dz, a, dcj * g * i * (1 - i));
      st(dz, a + hb, dcj * ld(cPrev, u) * f * (1 - f));
      st(dz, a + 2 * hb, dcj * i * (1 - g * g));
      st(dz, a + 3 * hb, d * th * o * (1 - o));
      st(dc, u, dcj * f);
    }
  }
}

/** y[i] = fn(x[i]) for i < n, f64 (fn: FN_EXP, FN_SIGMOID, FN_TANH). */
export function float_fn_f64(fn: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const v = v128.load(x + (<usize>i << 3));
    const r = fn == FN_EXP ? expX2(v) : fn == FN_SIGMOID ? sigmoidX2(v) : tanhX2(v);
    v128.store(y + (<usize>i << 3), r);
  }
  for (; i < n; i++) {
    const v = load<f64>(x + (<usize>i << 3));
    const r = fn == FN_EXP ? expF64(v) : fn == FN_SIGMOID ? sigmoidF64(v) : tanhF64(v);
    store<f64>(y + (<usize>i << 3), r);
  }
}
