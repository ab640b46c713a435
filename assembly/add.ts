// SPDX-License-Identifier: MIT
// The scaled elementwise add of residual connections, SIMD128, bit-exact with the reference
// (src/kernels/ref/layers.ts add_scaled): integer out = (a << sa) + (b << sb), exact (the caller
// bounds it); float32 out = f32(f32(a ka) + f32(b kb)), each term rounded once from float64.
// Optionally ReLU with a 1-byte mask.
//
// Element kinds: 0 int8, 1 int16, 2 int32, 3 float32, 4 float64.

import { demote4, ld1, ld1i, ld2, ld4i, storeMask4 } from './elems';

/** f32(x k) for elements i..i+3 (x k exact in float64, rounded once). */
// @ts-ignore: decorator
@inline
function ldf4(p: usize, kind: i32, k: f64, i: usize): v128 {
  if (kind == 3 && k == 1) return v128.load(p + (i << 2));
  const vk = f64x2.splat(k);
  return demote4(f64x2.mul(ld2(p, kind, i), vk), f64x2.mul(ld2(p, kind, i + 2), vk));
}

/**
 * out[i] = a[i] ka + b[i] kb over n elements. floatOut 0: int32 out from integer kinds,
 * (a << sa) + (b << sb) with ka = 2^sa, kb = 2^sb; 1: float32 out. relu != 0 applies ReLU and
 * writes mask bytes (mask 0 = none).
 */
export function add_scaled(
  a: usize,
  kindA: i32,
  ka: f64,
  sa: i32,
  b: usize,
  kindB: i32,
  kb: f64,
  sb: i32,
  n: i32,
  floatOut: i32,
  relu: i32,
  mask: usize,
  out: usize,
): void {
  let i = 0;
  if (floatOut) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const u = <usize>i;
      let v = f32x4.add(ldf4(a, kindA, ka, u), ldf4(b, kindB, kb, u));
      if (relu) {
        const m = f32x4.gt(v, zero);
        v = v128.and(v, m);
        if (mask) storeMask4(mask, u, m);
      }
      v128.store(out + (u << 2), v);
    }
    for (; i < n; i++) {
      const u = <usize>i;
      let v = <f32>(ld1(a, kindA, u) * ka) + <f32>(ld1(b, kindB, u) * kb);
      if (relu) {
        const pos = v > 0;
        if (!pos) v = 0;
        if (mask) store<u8>(mask + u, pos ? 1 : 0);
      }
      store<f32>(out + (u << 2), v);
    }
    return;
  }
  const zero = i32x4.splat(0);
  for (; i + 4 <= n; i += 4) {
    const u = <usize>i;
    let v = i32x4.add(i32x4.shl(ld4i(a, kindA, u), sa), i32x4.shl(ld4i(b, kindB, u), sb));
    if (relu) {
      const m = i32x4.gt_s(v, zero);
      v = v128.and(v, m);
      if (mask) storeMask4(mask, u, m);
    }
    v128.store(out + (u << 2), v);
  }
  for (; i < n; i++) {
    const u = <usize>i;
    let v = (ld1i(a, kindA, u) << sa) + (ld1i(b, kindB, u) << sb);
    if (relu) {
      const pos = v > 0;
      if (!pos) v = 0;
      if (mask) store<u8>(mask + u, pos ? 1 : 0);
    }
    store<i32>(out + (u << 2), v);
  }
}
