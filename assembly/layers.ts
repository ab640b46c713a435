// SPDX-License-Identifier: MIT
// Elementwise and layout kernels of the layers, SIMD128, same results as the reference loops:
// zeroing, ReLU forward/backward, and the outer-axes swap with bias of the conv epilogue.
// Element kinds are the KIND_* codes of codes.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8, kindBytes } from './codes';

/** Zeroes `bytes` bytes at p (workspace arrays: a bulk fill, fast on shared memory too). */
export function zero_bytes(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}

/**
 * y = x > 0 ? x : 0 over n elements of kind `kind` (so -0 and NaN give +0, as the reference's
 * zeroed output with only positives written). Lanes are independent: SIMD compare and mask.
 */
export function relu_fwd(x: usize, y: usize, kind: i32, n: i32, mask: usize): void {
  const es = kindBytes(kind);
  const per = 16 / es;
  let i = 0;
  for (; i + per <= n; i += per) {
    const o = <usize>i * es;
    const v = v128.load(x + o);
    let m: v128;
    if (kind == KIND_I8) m = i8x16.gt_s(v, i8x16.splat(0));
    else if (kind == KIND_I16) m = i16x8.gt_s(v, i16x8.splat(0));
    else if (kind == KIND_I32) m = i32x4.gt_s(v, i32x4.splat(0));
    else if (kind == KIND_F32) m = f32x4.gt(v, f32x4.splat(0));
    else m = f64x2.gt(v, f64x2.splat(0));
    v128.store(y + o, v128.and(v, m));
    if (mask != 0) storeMask(mask + <usize>i, m, kind);
  }
  for (; i < n; i++) {
    const o = <usize>i * es;
    if (mask != 0) {
      let pos = false;
      if (kind == KIND_I8) pos = load<i8>(x + o) > 0;
      else if (kind == KIND_I16) pos = load<i16>(x + o) > 0;
      else if (kind == KIND_I32) pos = load<i32>(x + o) > 0;
      else if (kind == KIND_F32) pos = load<f32>(x + o) > 0;
      else pos = load<f64>(x + o) > 0;
      store<i8>(mask + <usize>i, pos ? 1 : 0);
    }
    if (kind == KIND_I8) store<i8>(y + o, max<i8>(load<i8>(x + o), 0));
    else if (kind == KIND_I16) store<i16>(y + o, max<i16>(load<i16>(x + o), 0));
    else if (kind == KIND_I32) store<i32>(y + o, max<i32>(load<i32>(x + o), 0));
    else if (kind == KIND_F32) {
      const v = load<f32>(x + o);
      store<f32>(y + o, v > 0 ? v : 0);
    } else {
      const v = load<f64>(x + o);
      store<f64>(y + o, v > 0 ? v : 0);
    }
  }
}

/**
 * Stores the lanes of comparison mask m (all-ones or zero; lane width from `kind`) as bytes
 * 1 or 0 at p: 16, 8, 4 or 2 bytes.
 */
function storeMask(p: usize, m: v128, kind: i32): void {
  if (kind == KIND_I8) {
    v128.store(p, v128.and(m, i8x16.splat(1)));
  } else if (kind == KIND_I16) {
    const b = i8x16.narrow_i16x8_s(m, m);
    v128.store64_lane(p, v128.and(b, i8x16.splat(1)), 0);
  } else if (kind == KIND_I32 || kind == KIND_F32) {
    const h = i16x8.narrow_i32x4_s(m, m);
    const b = i8x16.narrow_i16x8_s(h, h);
    v128.store32_lane(p, v128.and(b, i8x16.splat(1)), 0);
  } else {
    store<u8>(p, <u8>(i64x2.extract_lane(m, 0) & 1));
    store<u8>(p + 1, <u8>(i64x2.extract_lane(m, 1) & 1));
  }
}

/**
 * dx = y > 0 ? dy : 0 over n elements: y the forward's int8 mask (kind 0) or its output
 * (int32 kind 2, float32 kind 3); dy and dx 4-byte (int32 or float32: bits copied or zeroed).
 */
export function relu_bwd4(y: usize, ky: i32, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    let m: v128;
    if (ky == KIND_I8) {
      const b = i16x8.extend_low_i8x16_s(v128.load32_zero(y + <usize>i));
      m = i32x4.gt_s(i32x4.extend_low_i16x8_s(b), i32x4.splat(0));
    } else if (ky == KIND_I32) m = i32x4.gt_s(v128.load(y + o), i32x4.splat(0));
    else m = f32x4.gt(v128.load(y + o), f32x4.splat(0));
    v128.store(dx + o, v128.and(v128.load(dy + o), m));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    let pos = false;
    if (ky == KIND_I8) pos = load<i8>(y + <usize>i) > 0;
    else if (ky == KIND_I32) pos = load<i32>(y + o) > 0;
    else pos = load<f32>(y + o) > 0;
    store<i32>(dx + o, pos ? load<i32>(dy + o) : 0);
  }
}

/**
 * out (B, A, R) = src (A, B, R) with the two outer axes swapped, element size es bytes.
 * With bias (f64 values at `bias`, one per a; 0 = none), kind 2 (int32) or 3 (float32) adds
 * bias[a] to every element of src row (a, b): int32 as the exact integer, float32 as a float32
 * add (the reference's y += b on a Float32Array).
 */
export function swap_outer(
  src: usize,
  A: i32,
  B: i32,
  R: i32,
  es: i32,
  kind: i32,
  bias: usize,
  out: usize,
): void {
  swap_outer_rows(src, A, B, R, es, kind, bias, out, 0, A);
}

/**
 * swap_outer for the source rows a in [a0, a1) only: each range writes its own elements of
 * out, so worker threads may run disjoint ranges of one swap.
 */
export function swap_outer_rows(
  src: usize,
  A: i32,
  B: i32,
  R: i32,
  es: i32,
  kind: i32,
  bias: usize,
  out: usize,
  a0: i32,
  a1: i32,
): void {
  const row = <usize>R * es;
  for (let a = a0; a < a1; a++) {
    for (let b = 0; b < B; b++) {
      const s = src + (<usize>a * B + b) * row;
      const d = out + (<usize>b * A + a) * row;
      if (bias == 0) {
        memory.copy(d, s, row);
        continue;
      }
      let r = 0;
      if (kind == KIND_I32) {
        const bi = <i32>load<f64>(bias + ((<usize>a) << 3));
        const bv = i32x4.splat(bi);
        for (; r + 4 <= R; r += 4) {
          const o = (<usize>r) << 2;
          v128.store(d + o, i32x4.add(v128.load(s + o), bv));
        }
        for (; r < R; r++) {
          const o = (<usize>r) << 2;
          store<i32>(d + o, load<i32>(s + o) + bi);
        }
      } else {
        const bf = <f32>load<f64>(bias + ((<usize>a) << 3));
        const bv = f32x4.splat(bf);
        for (; r + 4 <= R; r += 4) {
          const o = (<usize>r) << 2;
          v128.store(d + o, f32x4.add(v128.load(s + o), bv));
        }
        for (; r < R; r++) {
          const o = (<usize>r) << 2;
          store<f32>(d + o, load<f32>(s + o) + bf);
        }
      }
    }
  }
}
