// SPDX-License-Identifier: MIT
// One LSTM step over a batch on the fixed-point path: the integer gate arithmetic (forward)
// and the float32 gate backward. Definitions, formats and error bounds are in
// src/kernels/ref/lstm.ts; these compute the same bits. Rows with t >= lens[n] (lens != 0)
// carry their state. Accumulator arguments take KIND_I32 or KIND_F64 elements.

import { KIND_F64 } from './codes';
import { alignRound, fixedSigmoid, fixedTanh } from './fixed_functions';

const Z_TERM_MAX: f64 = 16777216; // 2^24
const U: f64 = 1.0 / 32768;

// @ts-ignore: decorator
@inline
function accAt(p: usize, kind: i32, i: i32): f64 {
  return kind == KIND_F64 ? load<f64>(p + (<usize>i << 3)) : <f64>load<i32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function isLive(lens: usize, n: i32, t: i32): bool {
  return lens == 0 || t < load<i32>(lens + (<usize>n << 2));
}

/**
 * gx, gh (N,4H) accumulators (kinds kx, kh) at scales sx = 2^(ex+12), sh = 2^(eh+12); b12
 * (4H) i32 Q.12; hPrev (N,H) i16, cPrev (N,H) i32 -> act (N,4H) i16, tc, h (N,H) i16, c i32.
 */
export function lstm_fwd_fixed(
  N: i32,
  H: i32,
  t: i32,
  lens: usize,
  gx: usize,
  kx: i32,
  sx: f64,
  gh: usize,
  kh: i32,
  sh: f64,
  b12: usize,
  hPrev: usize,
  cPrev: usize,
  act: usize,
  tc: usize,
  h: usize,
  c: usize,
): void {
  const G = 4 * H;
  for (let n = 0; n < N; n++) {
    const r = n * H;
    if (!isLive(lens, n, t)) {
      memory.copy(h + (<usize>r << 1), hPrev + (<usize>r << 1), <usize>H << 1);
      memory.copy(c + (<usize>r << 2), cPrev + (<usize>r << 2), <usize>H << 2);
      memory.fill(tc + (<usize>r << 1), 0, <usize>H << 1);
      memory.fill(act + (<usize>(n * G) << 1), 0, <usize>G << 1);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const o = n * G + j;
      const zi =
        alignRound(accAt(gx, kx, o), sx, Z_TERM_MAX) +
        alignRound(accAt(gh, kh, o), sh, Z_TERM_MAX) +
        load<i32>(b12 + (<usize>j << 2));
      const zf =
        alignRound(accAt(gx, kx, o + H), sx, Z_TERM_MAX) +
        alignRound(accAt(gh, kh, o + H), sh, Z_TERM_MAX) +
        load<i32>(b12 + (<usize>(j + H) << 2));
      const zg =
        alignRound(accAt(gx, kx, o + 2 * H), sx, Z_TERM_MAX) +
        alignRound(accAt(gh, kh, o + 2 * H), sh, Z_TERM_MAX) +
        load<i32>(b12 + (<usize>(j + 2 * H) << 2));
      const zo =
        alignRound(accAt(gx, kx, o + 3 * H), sx, Z_TERM_MAX) +
        alignRound(accAt(gh, kh, o + 3 * H), sh, Z_TERM_MAX) +
        load<i32>(b12 + (<usize>(j + 3 * H) << 2));
      const i = fixedSigmoid(zi);
      const f = fixedSigmoid(zf);
      const g = fixedTanh(zg);
      const og = fixedSigmoid(zo);
      store<i16>(act + (<usize>o << 1), <i16>i);
      store<i16>(act + (<usize>(o + H) << 1), <i16>f);
      store<i16>(act + (<usize>(o + 2 * H) << 1), <i16>g);
      store<i16>(act + (<usize>(o + 3 * H) << 1), <i16>og);
      const cp = <i64>load<i32>(cPrev + (<usize>(r + j) << 2));
      let cn = (<i64>f * cp + <i64>(i * g) + 16384) >> 15;
      cn = cn > 2147483647 ? 2147483647 : cn < -2147483647 ? -2147483647 : cn;
      const th = fixedTanh(<i32>((cn + 4) >> 3));
      store<i32>(c + (<usize>(r + j) << 2), <i32>cn);
      store<i16>(tc + (<usize>(r + j) << 1), <i16>th);
      store<i16>(h + (<usize>(r + j) << 1), <i16>((og * th + 16384) >> 15));
    }
  }
}

/**
 * dhp (N,H) recurrent error of step t+1 (kind kd; dhp = 0: none) at `scale`, ey (N,H) f32 (or
 * 0); act, tc, cPrev from the forward; dh, dc (N,H) f32 in-out -> dz (N,4H) f32.
 */
export function lstm_bwd_f32(
  N: i32,
  H: i32,
  t: i32,
  lens: usize,
  dhp: usize,
  kd: i32,
  scale: f64,
  ey: usize,
  act: usize,
  tc: usize,
  cPrev: usize,
  dh: usize,
  dc: usize,
  dz: usize,
): void {
  const G = 4 * H;
  for (let n = 0; n < N; n++) {
    const r = n * H;
    if (dhp != 0 && isLive(lens, n, t + 1)) {
      for (let j = 0; j < H; j++)
        store<f32>(dh + (<usize>(r + j) << 2), <f32>(accAt(dhp, kd, r + j) * scale));
    }
    if (ey != 0) {
      for (let j = 0; j < H; j++) {
        const p = dh + (<usize>(r + j) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(ey + (<usize>(r + j) << 2)));
      }
    }
    if (!isLive(lens, n, t)) {
      memory.fill(dz + (<usize>(n * G) << 2), 0, <usize>G << 2);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const a = n * G + j;
      const i = <f32>(<f64>load<i16>(act + (<usize>a << 1)) * U);
      const f = <f32>(<f64>load<i16>(act + (<usize>(a + H) << 1)) * U);
      const g = <f32>(<f64>load<i16>(act + (<usize>(a + 2 * H) << 1)) * U);
      const o = <f32>(<f64>load<i16>(act + (<usize>(a + 3 * H) << 1)) * U);
      const th = <f32>(<f64>load<i16>(tc + (<usize>(r + j) << 1)) * U);
      const cp = <f64>load<i32>(cPrev + (<usize>(r + j) << 2)) * U;
      const d = load<f32>(dh + (<usize>(r + j) << 2));
      const dcp = dc + (<usize>(r + j) << 2);
      const dcj: f32 = load<f32>(dcp) + d * o * (<f32>1 - th * th);
      store<f32>(dz + (<usize>a << 2), dcj * g * i * (<f32>1 - i));
      store<f32>(dz + (<usize>(a + H) << 2), <f32>(<f64>dcj * cp) * f * (<f32>1 - f));
      store<f32>(dz + (<usize>(a + 2 * H) << 2), dcj * i * (<f32>1 - g * g));
      store<f32>(dz + (<usize>(a + 3 * H) << 2), d * th * o * (<f32>1 - o));
      store<f32>(dcp, dcj * f);
    }
  }
}
