// SPDX-License-Identifier: MIT
// One LSTM step over a batch on the fixed-point path: the integer gate arithmetic (forward;
// the float32 gate backward is lstm_backward.ts). Definitions, formats and error bounds are in
// src/kernels/ref/lstm.ts; these compute the same bits. Rows with t >= lens[n] (lens != 0)
// carry their state. Accumulator arguments take KIND_I32 or KIND_F64 elements.

import { KIND_F64 } from './codes';
import { fixedSigmoid, fixedSigmoid4, fixedTanh, fixedTanh4 } from './fixed_functions';

const Z_TERM_MAX: i64 = 16777216; // 2^24
/** One unit in the last place of a Q0.15 value. */
export const U: f64 = 1.0 / 32768;

// @ts-ignore: decorator
@inline
export function accAt(p: usize, kind: i32, i: i32): f64 {
  return kind == KIND_F64 ? load<f64>(p + (<usize>i << 3)) : <f64>load<i32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
export function isLive(lens: usize, n: i32, t: i32): bool {
  return lens == 0 || t < load<i32>(lens + (<usize>n << 2));
}

/**
 * nearest(v 2^s) (round half up) clamped to +-2^24: element i of an accumulator of type T
 * (i32: integer shifts; f64: the float64 formula of the reference, exact on integers).
 */
// @ts-ignore: decorator
@inline
function term<T>(p: usize, i: i32, s: i32, scale: f64): i32 {
  let r: i64;
  if (isInteger<T>()) {
    const v = <i64>load<T>(p + (<usize>i << alignof<T>()));
    const sr = min<i32>(-s, 62);
    r = s >= 0 ? v << <i64>min<i32>(s, 31) : (v + (<i64>1 << <i64>(sr - 1))) >> <i64>sr;
  } else {
    const f = Math.floor(<f64>load<T>(p + (<usize>i << alignof<T>())) * scale + 0.5);
    r = f > <f64>Z_TERM_MAX ? Z_TERM_MAX : f < -<f64>Z_TERM_MAX ? -Z_TERM_MAX : <i64>f;
  }
  return <i32>(r > Z_TERM_MAX ? Z_TERM_MAX : r < -Z_TERM_MAX ? -Z_TERM_MAX : r);
}

/** 2^z exactly, for |z| < 1000. */
// @ts-ignore: decorator
@inline
function pow2(z: i32): f64 {
  return reinterpret<f64>(<i64>(1023 + z) << 52);
}

/** Unit j of live row n: the four gates, c_t, tanh(c_t) and h_t (scalar). */
// @ts-ignore: decorator
@inline
function unit<TX, TH>(
  n: i32,
  j: i32,
  H: i32,
  gx: usize,
  zx: i32,
  sx: f64,
  gh: usize,
  zh: i32,
  sh: f64,
  b12: usize,
  cPrev: usize,
  act: usize,
  tc: usize,
  h: usize,
  c: usize,
): void {
  const o = n * 4 * H + j;
  const r = n * H + j;
  const zi = term<TX>(gx, o, zx, sx) + term<TH>(gh, o, zh, sh) + load<i32>(b12 + (<usize>j << 2));
  const zf =
    term<TX>(gx, o + H, zx, sx) +
    term<TH>(gh, o + H, zh, sh) +
    load<i32>(b12 + (<usize>(j + H) << 2));
  const zg =
    term<TX>(gx, o + 2 * H, zx, sx) +
    term<TH>(gh, o + 2 * H, zh, sh) +
    load<i32>(b12 + (<usize>(j + 2 * H) << 2));
  const zo =
    term<TX>(gx, o + 3 * H, zx, sx) +
    term<TH>(gh, o + 3 * H, zh, sh) +
    load<i32>(b12 + (<usize>(j + 3 * H) << 2));
  const i = fixedSigmoid(zi);
  const f = fixedSigmoid(zf);
  const g = fixedTanh(zg);
  const og = fixedSigmoid(zo);
  store<i16>(act + (<usize>o << 1), <i16>i);
  store<i16>(act + (<usize>(o + H) << 1), <i16>f);
  store<i16>(act + (<usize>(o + 2 * H) << 1), <i16>g);
  store<i16>(act + (<usize>(o + 3 * H) << 1), <i16>og);
  const cp = <i64>load<i32>(cPrev + (<usize>r << 2));
  let cn = (<i64>f * cp + <i64>(i * g) + 16384) >> 15;
  cn = cn > 2147483647 ? 2147483647 : cn < -2147483647 ? -2147483647 : cn;
  const th = fixedTanh(<i32>((cn + 4) >> 3));
  store<i32>(c + (<usize>r << 2), <i32>cn);
  store<i16>(tc + (<usize>r << 1), <i16>th);
  store<i16>(h + (<usize>r << 1), <i16>((og * th + 16384) >> 15));
}

/** A dead row carries its state: h, c copied; act and tc zero. */
// @ts-ignore: decorator
@inline
function carry(n: i32, H: i32, hPrev: usize, cPrev: usize, act: usize, tc: usize, h: usize, c: usize): void {
  const r = n * H;
  memory.copy(h + (<usize>r << 1), hPrev + (<usize>r << 1), <usize>H << 1);
  memory.copy(c + (<usize>r << 2), cPrev + (<usize>r << 2), <usize>H << 2);
  memory.fill(tc + (<usize>r << 1), 0, <usize>H << 1);
  memory.fill(act + (<usize>(n * 4 * H) << 1), 0, <usize>(4 * H) << 1);
}

function fwdRows<TX, TH>(
  N: i32,
  H: i32,
  t: i32,
  lens: usize,
  gx: usize,
  zx: i32,
  gh: usize,
  zh: i32,
  b12: usize,
  hPrev: usize,
  cPrev: usize,
  act: usize,
  tc: usize,
  h: usize,
  c: usize,
): void {
  const sx = pow2(zx);
  const sh = pow2(zh);
  for (let n = 0; n < N; n++) {
    if (!isLive(lens, n, t)) carry(n, H, hPrev, cPrev, act, tc, h, c);
    else
      for (let j = 0; j < H; j++)
        unit<TX, TH>(n, j, H, gx, zx, sx, gh, zh, sh, b12, cPrev, act, tc, h, c);
  }
}

/**
 * nearest(v 2^-sr) clamped to +-2^24 on four int32 lanes, -24 <= sr <= 31 (no overflow). sr <= 0
 * scales up exactly: v is clamped to +-2^(24+sr) first, past which v 2^-sr clamps anyway.
 */
// @ts-ignore: decorator
@inline
function termRight4(p: usize, sr: i32): v128 {
  const v = v128.load(p);
  if (sr <= 0) {
    const c = i32x4.splat(1 << (24 + sr));
    return i32x4.shl(i32x4.max_s(i32x4.min_s(v, c), i32x4.neg(c)), -sr);
  }
  const r = i32x4.shr_s(i32x4.add(i32x4.shr_s(v, sr - 1), i32x4.splat(1)), 1);
  return i32x4.max_s(i32x4.min_s(r, i32x4.splat(16777216)), i32x4.splat(-16777216));
}

/** Pre-activations of gate q for units j..j+3: both terms plus the bias, Q.12. */
// @ts-ignore: decorator
@inline
function z4(
  gx: usize,
  gh: usize,
  b12: usize,
  o: usize,
  j: i32,
  q: i32,
  H: i32,
  srx: i32,
  srh: i32,
): v128 {
  const p = (o + <usize>(q * H)) << 2;
  return i32x4.add(
    i32x4.add(termRight4(gx + p, srx), termRight4(gh + p, srh)),
    v128.load(b12 + (<usize>(j + q * H) << 2)),
  );
}

/** Four i32 lanes stored as int16 (values known to fit). */
// @ts-ignore: decorator
@inline
function store16x4(p: usize, v: v128): void {
  v128.store64_lane(p, i16x8.narrow_i32x4_s(v, v), 0);
}

/** c = clamp(floor((f cp + i g + 2^14) / 2^15)) on four lanes (int64 products). */
// @ts-ignore: decorator
@inline
function cell4(f: v128, cp: v128, ig: v128): v128 {
  const round = i64x2.splat(16384);
  const lo = i64x2.shr_s(
    i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(f, cp), i64x2.extend_low_i32x4_s(ig)), round),
    15,
  );
  const hi = i64x2.shr_s(
    i64x2.add(i64x2.add(i64x2.extmul_high_i32x4_s(f, cp), i64x2.extend_high_i32x4_s(ig)), round),
    15,
  );
  const top = i64x2.splat(2147483647);
  const bot = i64x2.splat(-2147483647);
  const l = v128.bitselect(top, v128.bitselect(bot, lo, i64x2.lt_s(lo, bot)), i64x2.gt_s(lo, top));
  const u = v128.bitselect(top, v128.bitselect(bot, hi, i64x2.lt_s(hi, bot)), i64x2.gt_s(hi, top));
  return i8x16.shuffle(l, u, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
}

/** fwdRows<i32, i32> for right shifts -24..31 of both accumulators: four units per step. */
function fwdRowsSimd(
  N: i32,
  H: i32,
  t: i32,
  lens: usize,
  gx: usize,
  zx: i32,
  gh: usize,
  zh: i32,
  b12: usize,
  hPrev: usize,
  cPrev: usize,
  act: usize,
  tc: usize,
  h: usize,
  c: usize,
): void {
  const G = 4 * H;
  const srx = -zx;
  const srh = -zh;
  for (let n = 0; n < N; n++) {
    if (!isLive(lens, n, t)) {
      carry(n, H, hPrev, cPrev, act, tc, h, c);
      continue;
    }
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = <usize>(n * G + j);
      const r = <usize>(n * H + j);
      const i = fixedSigmoid4(z4(gx, gh, b12, o, j, 0, H, srx, srh));
      const f = fixedSigmoid4(z4(gx, gh, b12, o, j, 1, H, srx, srh));
      const g = fixedTanh4(z4(gx, gh, b12, o, j, 2, H, srx, srh));
      const og = fixedSigmoid4(z4(gx, gh, b12, o, j, 3, H, srx, srh));
      store16x4(act + (o << 1), i);
      store16x4(act + ((o + H) << 1), f);
      store16x4(act + ((o + 2 * H) << 1), g);
      store16x4(act + ((o + 3 * H) << 1), og);
      const cn = cell4(f, v128.load(cPrev + (r << 2)), i32x4.mul(i, g));
      const th = fixedTanh4(i32x4.shr_s(i32x4.add(i32x4.shr_s(cn, 2), i32x4.splat(1)), 1));
      v128.store(c + (r << 2), cn);
      store16x4(tc + (r << 1), th);
      store16x4(h + (r << 1), i32x4.shr_s(i32x4.add(i32x4.mul(og, th), i32x4.splat(16384)), 15));
    }
    for (; j < H; j++)
      unit<i32, i32>(n, j, H, gx, zx, 0, gh, zh, 0, b12, cPrev, act, tc, h, c);
  }
}

/**
 * gx, gh (N,4H) accumulators (kinds kx, kh: int32 or float64) onto Q.12 by 2^zx, 2^zh; b12
 * (4H) i32 Q.12; hPrev (N,H) i16, cPrev (N,H) i32 -> act (N,4H) i16, tc, h (N,H) i16, c i32.
 */
export function lstm_fwd_fixed(
  N: i32,
  H: i32,
  t: i32,
  lens: usize,
  gx: usize,
  kx: i32,
  zx: i32,
  gh: usize,
  kh: i32,
  zh: i32,
  b12: usize,
  hPrev: usize,
  cPrev: usize,
  act: usize,
  tc: usize,
  h: usize,
  c: usize,
): void {
  if (kx != KIND_F64 && kh != KIND_F64 && zx <= 24 && zx >= -31 && zh <= 24 && zh >= -31)
    fwdRowsSimd(N, H, t, lens, gx, zx, gh, zh, b12, hPrev, cPrev, act, tc, h, c);
  else if (kx == KIND_F64) {
    if (kh == KIND_F64)
      fwdRows<f64, f64>(N, H, t, lens, gx, zx, gh, zh, b12, hPrev, cPrev, act, tc, h, c);
    else fwdRows<f64, i32>(N, H, t, lens, gx, zx, gh, zh, b12, hPrev, cPrev, act, tc, h, c);
  } else if (kh == KIND_F64)
    fwdRows<i32, f64>(N, H, t, lens, gx, zx, gh, zh, b12, hPrev, cPrev, act, tc, h, c);
  else fwdRows<i32, i32>(N, H, t, lens, gx, zx, gh, zh, b12, hPrev, cPrev, act, tc, h, c);
}
