// SPDX-License-Identifier: MIT
// Average pooling over P planes (H, W) with KH x KW windows at strides SH, SW (no padding),
// bit-exact with src/kernels/ref/avgpool.ts: integer window sums in int32 (the caller bounds
// the exact sum, so wrapping lanes still end on it), float sums in float64 in window order,
// scaled and rounded to float32 once. Global average pooling (one window per plane) takes
// SIMD paths; other windows are scalar. Generic bodies; kind codes from assembly/codes.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';
import { ld1, ld1i, ld4i } from './elems';

/** y (P, OH, OW): int32 window sums (intOut) of integer x, else f32(sum * scale). */
export function avgpool_fwd(
  x: usize,
  kx: i32,
  P: i32,
  H: i32,
  W: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  OH: i32,
  OW: i32,
  scale: f64,
  intOut: i32,
  y: usize,
): void {
  if (kx == KIND_I8) poolFwd<i8>(x, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, y);
  else if (kx == KIND_I16) poolFwd<i16>(x, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, y);
  else if (kx == KIND_I32) poolFwd<i32>(x, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, y);
  else if (kx == KIND_F32) poolFwd<f32>(x, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, y);
  else poolFwd<f64>(x, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, y);
}

function poolFwd<X>(
  x: usize,
  P: i32,
  H: i32,
  W: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  OH: i32,
  OW: i32,
  scale: f64,
  intOut: i32,
  y: usize,
): void {
  const plane = <usize>H * W;
  if (isInteger<X>() && intOut && KH == H && KW == W) {
    const n = <i32>plane;
    for (let p = 0; p < P; p++) {
      const o = <usize>p * plane;
      let acc = i32x4.splat(0);
      let r = 0;
      for (; r + 4 <= n; r += 4) acc = i32x4.add(acc, ld4i<X>(x, o + r));
      let s =
        i32x4.extract_lane(acc, 0) +
        i32x4.extract_lane(acc, 1) +
        i32x4.extract_lane(acc, 2) +
        i32x4.extract_lane(acc, 3);
      for (; r < n; r++) s += ld1i<X>(x, o + r);
      store<i32>(y + ((<usize>p) << 2), s);
    }
    return;
  }
  let o: usize = 0;
  for (let p = 0; p < P; p++) {
    const base = <usize>p * plane;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        if (intOut) {
          let s: i32 = 0;
          for (let kh = 0; kh < KH; kh++) {
            const r = base + <usize>(oh * SH + kh) * W + ow * SW;
            for (let kw = 0; kw < KW; kw++) s += ld1i<X>(x, r + kw);
          }
          store<i32>(y + (o << 2), s);
        } else {
          let s: f64 = 0;
          for (let kh = 0; kh < KH; kh++) {
            const r = base + <usize>(oh * SH + kh) * W + ow * SW;
            for (let kw = 0; kw < KW; kw++) s += ld1<X>(x, r + kw);
          }
          store<f32>(y + (o << 2), <f32>(s * scale));
        }
      }
  }
}

/**
 * dx (P, H, W) = sum of dy over the windows covering each element: int32 (intOut) from
 * integer dy, else f32(sum * scale) with the float64 sums kept in `scratch` (P H W f64).
 */
export function avgpool_bwd(
  dy: usize,
  kd: i32,
  P: i32,
  H: i32,
  W: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  OH: i32,
  OW: i32,
  scale: f64,
  intOut: i32,
  scratch: usize,
  dx: usize,
): void {
  if (kd == KIND_I8) poolBwd<i8>(dy, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, scratch, dx);
  else if (kd == KIND_I16)
    poolBwd<i16>(dy, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, scratch, dx);
  else if (kd == KIND_I32)
    poolBwd<i32>(dy, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, scratch, dx);
  else if (kd == KIND_F32)
    poolBwd<f32>(dy, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, scratch, dx);
  else poolBwd<f64>(dy, P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut, scratch, dx);
}

function poolBwd<D>(
  dy: usize,
  P: i32,
  H: i32,
  W: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  OH: i32,
  OW: i32,
  scale: f64,
  intOut: i32,
  scratch: usize,
  dx: usize,
): void {
  const plane = <usize>H * W;
  const total = <usize>P * plane;
  if (KH == H && KW == W) {
    // One window per plane: every element gets dy[p] once.
    const n = <i32>plane;
    for (let p = 0; p < P; p++) {
      const o = <usize>p * plane;
      let v: v128;
      let vi: i32 = 0;
      let vf: f32 = 0;
      if (intOut) {
        vi = ld1i<D>(dy, <usize>p);
        v = i32x4.splat(vi);
      } else {
        vf = <f32>((0 + ld1<D>(dy, <usize>p)) * scale);
        v = f32x4.splat(vf);
      }
      let r = 0;
      for (; r + 4 <= n; r += 4) v128.store(dx + ((o + r) << 2), v);
      for (; r < n; r++) {
        if (intOut) store<i32>(dx + ((o + r) << 2), vi);
        else store<f32>(dx + ((o + r) << 2), vf);
      }
    }
    return;
  }
  if (intOut) memory.fill(dx, 0, total << 2);
  else memory.fill(scratch, 0, total << 3);
  let o: usize = 0;
  for (let p = 0; p < P; p++) {
    const base = <usize>p * plane;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        for (let kh = 0; kh < KH; kh++) {
          const r = base + <usize>(oh * SH + kh) * W + ow * SW;
          for (let kw = 0; kw < KW; kw++) {
            const at = r + kw;
            if (intOut) store<i32>(dx + (at << 2), load<i32>(dx + (at << 2)) + ld1i<D>(dy, o));
            else store<f64>(scratch + (at << 3), load<f64>(scratch + (at << 3)) + ld1<D>(dy, o));
          }
        }
      }
  }
  if (!intOut)
    for (let i: usize = 0; i < total; i++)
      store<f32>(dx + (i << 2), <f32>(load<f64>(scratch + (i << 3)) * scale));
}
