// SPDX-License-Identifier: MIT
// BatchNorm's x-hat rounded onto a grid in one pass, bit-exact with bn_xhat_int of
// src/kernels/ref/norm.ts: out = floor(f32((x - mu) rs) scale + 1/2) in float64 operations in
// that order, stored clamped to int32 (NaN as 0), without the float32 x-hat between bn_forward
// and the site's quantize. Arrays are (N, C, R) as in norm.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';
import { ld1, ld2, round32 } from './elems';

/**
 * out (int32) of x (kind kx) with p (C, 2) = [mu, rs] (f64) and scale a power of two; res (2
 * f64) = [max |rounded value| (an infinity counts), 1 if one was NaN else 0].
 */
export function bn_xhat_int(
  x: usize,
  kx: i32,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  scale: f64,
  out: usize,
  res: usize,
): void {
  if (kx == KIND_I8) xhat<i8>(x, N, C, R, p, scale, out, res);
  else if (kx == KIND_I16) xhat<i16>(x, N, C, R, p, scale, out, res);
  else if (kx == KIND_I32) xhat<i32>(x, N, C, R, p, scale, out, res);
  else if (kx == KIND_F32) xhat<f32>(x, N, C, R, p, scale, out, res);
  else xhat<f64>(x, N, C, R, p, scale, out, res);
}

/** floor(f32((x - mu) rs) s + 1/2) of two lanes (float64). */
function round2(x: v128, mu: v128, rs: v128, s: v128): v128 {
  const t = round32(f64x2.mul(f64x2.sub(x, mu), rs));
  return f64x2.floor(f64x2.add(f64x2.mul(t, s), f64x2.splat(0.5)));
}

function xhat<X>(
  x: usize,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  scale: f64,
  out: usize,
  res: usize,
): void {
  const vs = f64x2.splat(scale);
  // pmax skips a NaN operand (a < NaN is false): NaNs are flagged apart.
  let vm = f64x2.splat(0);
  let vn = i64x2.splat(0);
  let sm: f64 = 0;
  let nan = false;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const q = p + ((<usize>c) << 4);
      const mu = load<f64>(q),
        rs = load<f64>(q + 8);
      const vmu = f64x2.splat(mu),
        vrs = f64x2.splat(rs);
      const o = (<usize>n * C + c) * R;
      let r = 0;
      for (; r + 4 <= R; r += 4) {
        const i = o + r;
        const v0 = round2(ld2<X>(x, i), vmu, vrs, vs);
        const v1 = round2(ld2<X>(x, i + 2), vmu, vrs, vs);
        vm = f64x2.pmax(vm, f64x2.pmax(f64x2.abs(v0), f64x2.abs(v1)));
        vn = v128.or(vn, v128.or(f64x2.ne(v0, v0), f64x2.ne(v1, v1)));
        // Integral lanes: truncation saturates to int32 and takes NaN to 0, the clamp.
        const a = i32x4.trunc_sat_f64x2_s_zero(v0);
        const b = i32x4.trunc_sat_f64x2_s_zero(v1);
        v128.store(
          out + (i << 2),
          i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
        );
      }
      for (; r < R; r++) {
        const i = o + r;
        const t = <f64>(<f32>((ld1<X>(x, i) - mu) * rs));
        const v = Math.floor(t * scale + 0.5);
        let w = 0;
        if (v != v) nan = true;
        else {
          sm = max(sm, Math.abs(v));
          w = v >= 2147483647 ? 2147483647 : v <= -2147483648 ? -2147483648 : <i32>v;
        }
        store<i32>(out + (i << 2), w);
      }
    }
  const m = max(sm, max(f64x2.extract_lane(vm, 0), f64x2.extract_lane(vm, 1)));
  const anyNaN = nan || i64x2.extract_lane(vn, 0) != 0 || i64x2.extract_lane(vn, 1) != 0;
  store<f64>(res, m);
  store<f64>(res + 8, anyNaN ? 1 : 0);
}
