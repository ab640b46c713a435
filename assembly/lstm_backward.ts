// SPDX-License-Identifier: MIT
// The float32 gate backward of one LSTM step on the fixed-point path (lstm.ts is the forward).
// Definitions are in src/kernels/ref/lstm.ts; these compute the same bits. Rows with
// t >= lens[n] (lens != 0) get dz = 0 and keep their dh, dc. The recurrent error takes
// KIND_I32 or KIND_F64 elements.

import { KIND_F64 } from './codes';
import { accAt, isLive, U } from './lstm';

/** Four Q0.15 int16 values at p as float32 (exact). */
// @ts-ignore: decorator
@inline
function q16(p: usize, u: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v128.load64_zero(p))), u);
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
  const u = f32x4.splat(<f32>U);
  const one = f32x4.splat(1);
  const ud = f64x2.splat(U);
  const sd = f64x2.splat(scale);
  for (let n = 0; n < N; n++) {
    const r = n * H;
    if (dhp != 0 && isLive(lens, n, t + 1)) {
      let j = 0;
      if (kd != KIND_F64)
        for (; j + 4 <= H; j += 4) {
          const v = v128.load(dhp + (<usize>(r + j) << 2));
          const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_s(v), sd));
          const hi = f32x4.demote_f64x2_zero(
            f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(v, v, 2, 3, 0, 1)), sd),
          );
          v128.store(dh + (<usize>(r + j) << 2), i64x2.shuffle(lo, hi, 0, 2));
        }
      for (; j < H; j++)
        store<f32>(dh + (<usize>(r + j) << 2), <f32>(accAt(dhp, kd, r + j) * scale));
    }
    if (ey != 0) {
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const p = dh + (<usize>(r + j) << 2);
        v128.store(p, f32x4.add(v128.load(p), v128.load(ey + (<usize>(r + j) << 2))));
      }
      for (; j < H; j++) {
        const p = dh + (<usize>(r + j) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(ey + (<usize>(r + j) << 2)));
      }
    }
    if (!isLive(lens, n, t)) {
      memory.fill(dz + (<usize>(n * G) << 2), 0, <usize>G << 2);
      continue;
    }
    let j = 0;
    // Four units at a time: the same float32 operations lane by lane (dz_f's product with
    // c_{t-1} in float64, rounded to float32, as the scalar loop).
    for (; j + 4 <= H; j += 4) {
      const a = <usize>(n * G + j);
      const i = q16(act + (a << 1), u);
      const f = q16(act + ((a + <usize>H) << 1), u);
      const g = q16(act + ((a + <usize>(2 * H)) << 1), u);
      const o = q16(act + ((a + <usize>(3 * H)) << 1), u);
      const ro = <usize>(r + j);
      const th = q16(tc + (ro << 1), u);
      const cv = v128.load(cPrev + (ro << 2));
      const d = v128.load(dh + (ro << 2));
      const dcp = dc + (ro << 2);
      const dcj = f32x4.add(
        v128.load(dcp),
        f32x4.mul(f32x4.mul(d, o), f32x4.sub(one, f32x4.mul(th, th))),
      );
      v128.store(dz + (a << 2), f32x4.mul(f32x4.mul(f32x4.mul(dcj, g), i), f32x4.sub(one, i)));
      const cpLo = f64x2.mul(f64x2.convert_low_i32x4_s(cv), ud);
      const cpHi = f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(cv, cv, 2, 3, 0, 1)), ud);
      const dcLo = f64x2.promote_low_f32x4(dcj);
      const dcHi = f64x2.promote_low_f32x4(i32x4.shuffle(dcj, dcj, 2, 3, 0, 1));
      const pc = i64x2.shuffle(
        f32x4.demote_f64x2_zero(f64x2.mul(dcLo, cpLo)),
        f32x4.demote_f64x2_zero(f64x2.mul(dcHi, cpHi)),
        0,
        2,
      );
      v128.store(dz + ((a + <usize>H) << 2), f32x4.mul(f32x4.mul(pc, f), f32x4.sub(one, f)));
      v128.store(
        dz + ((a + <usize>(2 * H)) << 2),
        f32x4.mul(f32x4.mul(dcj, i), f32x4.sub(one, f32x4.mul(g, g))),
      );
      v128.store(
        dz + ((a + <usize>(3 * H)) << 2),
        f32x4.mul(f32x4.mul(f32x4.mul(d, th), o), f32x4.sub(one, o)),
      );
      v128.store(dcp, f32x4.mul(dcj, f));
    }
    for (; j < H; j++) {
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
