// SPDX-License-Identifier: MIT
// The scaled elementwise add of residual connections, SIMD128, bit-exact with the reference
// (src/kernels/ref/layers.ts add_scaled): integer out = (a << sa) + (b << sb), exact (the caller
// bounds it); float32 out = f32(f32(a ka) + f32(b kb)), each term rounded once from float64.
// Optionally ReLU with a 1-byte mask. Generic bodies; kind codes from assembly/codes.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';
import { demote4, ld1, ld1i, ld2, ld4i, storeMask4, storeMax4, maxAbs4 } from './elems';

/** f32(x k) for elements i..i+3 (x k exact in float64, rounded once). */
function ldf4<T>(p: usize, k: f64, i: usize): v128 {
  if (isFloat<T>() && sizeof<T>() == 4) if (k == 1) return v128.load(p + (i << 2));
  const vk = f64x2.splat(k);
  return demote4(f64x2.mul(ld2<T>(p, i), vk), f64x2.mul(ld2<T>(p, i + 2), vk));
}

/**
 * out[i] = a[i] ka + b[i] kb over n elements. floatOut 0: int32 out from integer kinds,
 * (a << sa) + (b << sb) with ka = 2^sa, kb = 2^sb; 1: float32 out. relu != 0 applies ReLU and
 * writes mask bytes (mask 0 = none). amax (0 = none): f64 max |out| of a float32 out (NaN if
 * one is NaN).
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
  amax: usize,
): void {
  if (kindA == KIND_I8) addA<i8>(a, ka, sa, b, kindB, kb, sb, n, floatOut, relu, mask, out, amax);
  else if (kindA == KIND_I16)
    addA<i16>(a, ka, sa, b, kindB, kb, sb, n, floatOut, relu, mask, out, amax);
  else if (kindA == KIND_I32)
    addA<i32>(a, ka, sa, b, kindB, kb, sb, n, floatOut, relu, mask, out, amax);
  else if (kindA == KIND_F32)
    addA<f32>(a, ka, sa, b, kindB, kb, sb, n, floatOut, relu, mask, out, amax);
  else addA<f64>(a, ka, sa, b, kindB, kb, sb, n, floatOut, relu, mask, out, amax);
}

function addA<A>(
  a: usize,
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
  amax: usize,
): void {
  if (kindB == KIND_I8) add<A, i8>(a, ka, sa, b, kb, sb, n, floatOut, relu, mask, out, amax);
  else if (kindB == KIND_I16) add<A, i16>(a, ka, sa, b, kb, sb, n, floatOut, relu, mask, out, amax);
  else if (kindB == KIND_I32) add<A, i32>(a, ka, sa, b, kb, sb, n, floatOut, relu, mask, out, amax);
  else if (kindB == KIND_F32) add<A, f32>(a, ka, sa, b, kb, sb, n, floatOut, relu, mask, out, amax);
  else add<A, f64>(a, ka, sa, b, kb, sb, n, floatOut, relu, mask, out, amax);
}

function add<A, B>(
  a: usize,
  ka: f64,
  sa: i32,
  b: usize,
  kb: f64,
  sb: i32,
  n: i32,
  floatOut: i32,
  relu: i32,
  mask: usize,
  out: usize,
  amax: usize,
): void {
  let i = 0;
  if (floatOut || !isInteger<A>() || !isInteger<B>()) {
    const zero = f32x4.splat(0);
    let vm = zero;
    let sm: f32 = 0;
    for (; i + 4 <= n; i += 4) {
      const u = <usize>i;
      let v = f32x4.add(ldf4<A>(a, ka, u), ldf4<B>(b, kb, u));
      if (relu) {
        const m = f32x4.gt(v, zero);
        v = v128.and(v, m);
        if (mask) storeMask4(mask, u, m);
      }
      if (amax) vm = maxAbs4(vm, v);
      v128.store(out + (u << 2), v);
    }
    for (; i < n; i++) {
      const u = <usize>i;
      let v = <f32>(ld1<A>(a, u) * ka) + <f32>(ld1<B>(b, u) * kb);
      if (relu) {
        const pos = v > 0;
        if (!pos) v = 0;
        if (mask) store<u8>(mask + u, pos ? 1 : 0);
      }
      if (amax) sm = max(sm, abs(v));
      store<f32>(out + (u << 2), v);
    }
    if (amax) storeMax4(amax, vm, sm);
    return;
  }
  const zero = i32x4.splat(0);
  for (; i + 4 <= n; i += 4) {
    const u = <usize>i;
    let v = i32x4.add(i32x4.shl(ld4i<A>(a, u), sa), i32x4.shl(ld4i<B>(b, u), sb));
    if (relu) {
      const m = i32x4.gt_s(v, zero);
      v = v128.and(v, m);
      if (mask) storeMask4(mask, u, m);
    }
    v128.store(out + (u << 2), v);
  }
  for (; i < n; i++) {
    const u = <usize>i;
    let v = (ld1i<A>(a, u) << sa) + (ld1i<B>(b, u) << sb);
    if (relu) {
      const pos = v > 0;
      if (!pos) v = 0;
      if (mask) store<u8>(mask + u, pos ? 1 : 0);
    }
    store<i32>(out + (u << 2), v);
  }
}
