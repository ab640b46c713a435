// SPDX-License-Identifier: MIT
// BatchNorm kernels, SIMD128, bit-exact with src/kernels/ref/norm.ts: the elementwise forward
// (float64 arithmetic, float32 out; or integer g x + b); the per-channel sums are in
// norm_sums.ts, the input gradient in norm-backward.ts. Every array is (N, C, R): channel c's
// plane of sample n starts at element (n C + c) R. Bodies are generic over the element types;
// the exports dispatch on the kind codes of assembly/codes.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';
import {
  demote4,
  ld1,
  ld1i,
  ld2,
  ld4i,
  round32,
  storeMask4,
  storeMax4,
  maxAbs4,
  umax4,
} from './elems';

/**
 * y (f32) = g t + b, t = (x - mu) rs (rounded to f32 if xhat32), p (C, 4) = [mu, rs, g, b]
 * (f64); with relu, y > 0 ? y : 0 and mask bytes (mask 0 = none). amax (0 = none): f64 max |y|
 * of what was written (NaN if a y is NaN), so a dynamic-exponent site after it needs no scan.
 */
export function bn_forward(
  x: usize,
  kx: i32,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  xhat32: i32,
  relu: i32,
  mask: usize,
  y: usize,
  amax: usize,
): void {
  if (kx == KIND_I8) forward<i8>(x, N, C, R, p, xhat32, relu, mask, y, amax);
  else if (kx == KIND_I16) forward<i16>(x, N, C, R, p, xhat32, relu, mask, y, amax);
  else if (kx == KIND_I32) forward<i32>(x, N, C, R, p, xhat32, relu, mask, y, amax);
  else if (kx == KIND_F32) forward<f32>(x, N, C, R, p, xhat32, relu, mask, y, amax);
  else forward<f64>(x, N, C, R, p, xhat32, relu, mask, y, amax);
}

function forward<X>(
  x: usize,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  xhat32: i32,
  relu: i32,
  mask: usize,
  y: usize,
  amax: usize,
): void {
  const zero = f32x4.splat(0);
  let vm = zero;
  let sm: f32 = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const q = p + ((<usize>c) << 5);
      const mu = load<f64>(q),
        rs = load<f64>(q + 8),
        g = load<f64>(q + 16),
        b = load<f64>(q + 24);
      const vmu = f64x2.splat(mu),
        vrs = f64x2.splat(rs),
        vg = f64x2.splat(g),
        vb = f64x2.splat(b);
      const o = (<usize>n * C + c) * R;
      let r = 0;
      for (; r + 4 <= R; r += 4) {
        const i = o + r;
        let t0 = f64x2.mul(f64x2.sub(ld2<X>(x, i), vmu), vrs);
        let t1 = f64x2.mul(f64x2.sub(ld2<X>(x, i + 2), vmu), vrs);
        if (xhat32) {
          t0 = round32(t0);
          t1 = round32(t1);
        }
        let v = demote4(f64x2.add(f64x2.mul(vg, t0), vb), f64x2.add(f64x2.mul(vg, t1), vb));
        if (relu) {
          const m = f32x4.gt(v, zero);
          v = v128.and(v, m);
          if (mask) storeMask4(mask, i, m);
        }
        if (amax) vm = maxAbs4(vm, v);
        v128.store(y + (i << 2), v);
      }
      for (; r < R; r++) {
        const i = o + r;
        let t = (ld1<X>(x, i) - mu) * rs;
        if (xhat32) t = <f64>(<f32>t);
        let v = <f32>(g * t + b);
        if (relu) {
          const pos = v > 0;
          if (!pos) v = 0;
          if (mask) store<u8>(mask + i, pos ? 1 : 0);
        }
        if (amax) sm = max(sm, abs(v));
        store<f32>(y + (i << 2), v);
      }
    }
  if (amax) storeMax4(amax, vm, sm);
}

/**
 * y (int32) = g x + b on integer x (kind 0..2), p (C, 2) = [g, b] integer-valued f64 (the
 * caller bounds the result); relu and mask as bn_forward. amax (0 = none): f64 max |y| of what
 * was written (|-2^31| = 2^31: unsigned lanes).
 */
export function bn_affine_int(
  x: usize,
  kx: i32,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  relu: i32,
  mask: usize,
  y: usize,
  amax: usize,
): void {
  if (kx == KIND_I8) affineInt<i8>(x, N, C, R, p, relu, mask, y, amax);
  else if (kx == KIND_I16) affineInt<i16>(x, N, C, R, p, relu, mask, y, amax);
  else affineInt<i32>(x, N, C, R, p, relu, mask, y, amax);
}

function affineInt<X>(
  x: usize,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  relu: i32,
  mask: usize,
  y: usize,
  amax: usize,
): void {
  const zero = i32x4.splat(0);
  let vm = zero;
  let sm: u32 = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const q = p + ((<usize>c) << 4);
      const g = <i32>load<f64>(q),
        b = <i32>load<f64>(q + 8);
      const vg = i32x4.splat(g),
        vb = i32x4.splat(b);
      const o = (<usize>n * C + c) * R;
      let r = 0;
      for (; r + 4 <= R; r += 4) {
        const i = o + r;
        let v = i32x4.add(i32x4.mul(ld4i<X>(x, i), vg), vb);
        if (relu) {
          const m = i32x4.gt_s(v, zero);
          v = v128.and(v, m);
          if (mask) storeMask4(mask, i, m);
        }
        if (amax) vm = i32x4.max_u(vm, i32x4.abs(v));
        v128.store(y + (i << 2), v);
      }
      for (; r < R; r++) {
        const i = o + r;
        let v = g * ld1i<X>(x, i) + b;
        if (relu) {
          const pos = v > 0;
          if (!pos) v = 0;
          if (mask) store<u8>(mask + i, pos ? 1 : 0);
        }
        if (amax) sm = max(sm, <u32>(v < 0 ? -v : v));
        store<i32>(y + (i << 2), v);
      }
    }
  if (amax) store<f64>(amax, <f64>max(sm, umax4(vm)));
}
