// SPDX-License-Identifier: MIT
// BatchNorm's per-channel sums, SIMD128, bit-exact with src/kernels/ref/norm.ts bn_sums: exact
// int64 pieces on integers (whole products where they cannot pass 2^63, else a high/low split of
// each), four float64 lanes by r mod 4 otherwise. Arrays are (N, C, R): channel c's plane of
// sample n starts at element (n C + c) R. The forward and affine kernels are in norm.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';
import { ld1, ld1i, ld2, ld4i, mask2, mask4, umax4 } from './elems';

const LO32: i64 = 0xffffffff;

/**
 * out (C, 4) = [sa_hi, sa_lo, sab_hi, sab_lo] of sa = sum a, sab = sum a b over n, r (a = 0
 * where mask is 0; mask 0 = none). Integer kinds: exact in int64 pieces; else float64 lanes.
 */
export function bn_sums(
  a: usize,
  ka: i32,
  b: usize,
  kb: i32,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  out: usize,
): void {
  if (ka == KIND_I8) sumsA<i8>(a, b, kb, mask, N, C, R, out);
  else if (ka == KIND_I16) sumsA<i16>(a, b, kb, mask, N, C, R, out);
  else if (ka == KIND_I32) sumsA<i32>(a, b, kb, mask, N, C, R, out);
  else if (ka == KIND_F32) sumsA<f32>(a, b, kb, mask, N, C, R, out);
  else sumsA<f64>(a, b, kb, mask, N, C, R, out);
}

function sumsA<A>(
  a: usize,
  b: usize,
  kb: i32,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  out: usize,
): void {
  if (kb == KIND_I8) sums<A, i8>(a, b, mask, N, C, R, out);
  else if (kb == KIND_I16) sums<A, i16>(a, b, mask, N, C, R, out);
  else if (kb == KIND_I32) sums<A, i32>(a, b, mask, N, C, R, out);
  else if (kb == KIND_F32) sums<A, f32>(a, b, mask, N, C, R, out);
  else sums<A, f64>(a, b, mask, N, C, R, out);
}

function sums<A, B>(a: usize, b: usize, mask: usize, N: i32, C: i32, R: i32, out: usize): void {
  if (isInteger<A>() && isInteger<B>()) sumsExact<A, B>(a, b, mask, N, C, R, out);
  else sumsFloat<A, B>(a, b, mask, N, C, R, out);
}

function sumsExact<A, B>(
  a: usize,
  b: usize,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  out: usize,
): void {
  for (let c = 0; c < C; c++)
    if (!sumsWide<A, B>(a, b, mask, N, C, R, c, out)) sumsSplit<A, B>(a, b, mask, N, C, R, c, out);
}

/** Largest |x| of an integer type (int32: 2^31). */
function typeMax<T>(): f64 {
  return Math.pow(2, <f64>(8 * sizeof<T>() - 1));
}

/**
 * Channel c's sums with each product added whole into int64 lanes: exact while the n = N R
 * products cannot pass 2^63, which holds by the types for int8/int16 operands and, for int32
 * ones, by max|a| max|b| (taken in the same pass, as unsigned lanes: |-2^31| = 2^31). Returns
 * false (nothing stored) where the check fails: the caller takes sumsSplit. Half the lane
 * operations of sumsSplit's high/low split of every product.
 */
function sumsWide<A, B>(
  a: usize,
  b: usize,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  c: i32,
  out: usize,
): bool {
  const n = <f64>N * <f64>R;
  const byType = n * typeMax<A>() * typeMax<B>() < 4.611686018427388e18; // 2^62
  const same = a == b && sizeof<A>() == sizeof<B>();
  let sa = i64x2.splat(0),
    sp = i64x2.splat(0),
    mxa = i32x4.splat(0),
    mxb = i32x4.splat(0);
  let ta: i64 = 0,
    tp: i64 = 0;
  let ma: u32 = 0,
    mb: u32 = 0;
  for (let m = 0; m < N; m++) {
    const o = (<usize>m * C + c) * R;
    let r = 0;
    for (; r + 4 <= R; r += 4) {
      const i = o + r;
      let va = ld4i<A>(a, i);
      if (mask) va = v128.and(va, mask4(mask, i));
      const vb = same ? va : ld4i<B>(b, i);
      sa = i64x2.add(sa, i64x2.add(i64x2.extend_low_i32x4_s(va), i64x2.extend_high_i32x4_s(va)));
      sp = i64x2.add(
        sp,
        i64x2.add(i64x2.extmul_low_i32x4_s(va, vb), i64x2.extmul_high_i32x4_s(va, vb)),
      );
      if (!byType) {
        mxa = i32x4.max_u(mxa, i32x4.abs(va));
        if (!same) mxb = i32x4.max_u(mxb, i32x4.abs(vb));
      }
    }
    for (; r < R; r++) {
      const i = o + r;
      const av: i64 = mask != 0 && load<u8>(mask + i) == 0 ? 0 : <i64>ld1i<A>(a, i);
      const bv = <i64>ld1i<B>(b, i);
      ta += av;
      tp += av * bv;
      ma = max(ma, <u32>(av < 0 ? -av : av));
      mb = max(mb, <u32>(bv < 0 ? -bv : bv));
    }
  }
  if (!byType) {
    if (same) mxb = mxa;
    ma = max(ma, umax4(mxa));
    mb = max(mb, umax4(mxb));
    if (n * <f64>ma * <f64>mb >= 4.611686018427388e18) return false;
  }
  ta += i64x2.extract_lane(sa, 0) + i64x2.extract_lane(sa, 1);
  tp += i64x2.extract_lane(sp, 0) + i64x2.extract_lane(sp, 1);
  const q = out + ((<usize>c) << 5);
  store<f64>(q, <f64>(ta >> 32));
  store<f64>(q + 8, <f64>(ta & LO32));
  store<f64>(q + 16, <f64>(tp >> 32));
  store<f64>(q + 24, <f64>(tp & LO32));
  return true;
}

/** Channel c's sums, every product split into its high and low words: exact for any values. */
function sumsSplit<A, B>(
  a: usize,
  b: usize,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  c: i32,
  out: usize,
): void {
  const lo32 = i64x2.splat(LO32);
  let sa = i64x2.splat(0);
  let slo = i64x2.splat(0);
  let shi = i64x2.splat(0);
  let ta: i64 = 0,
    tlo: i64 = 0,
    thi: i64 = 0;
  for (let n = 0; n < N; n++) {
    const o = (<usize>n * C + c) * R;
    let r = 0;
    for (; r + 4 <= R; r += 4) {
      const i = o + r;
      let va = ld4i<A>(a, i);
      if (mask) va = v128.and(va, mask4(mask, i));
      const vb = ld4i<B>(b, i);
      sa = i64x2.add(sa, i64x2.add(i64x2.extend_low_i32x4_s(va), i64x2.extend_high_i32x4_s(va)));
      // Products of int32 lanes are exact in int64; split each into its high word (signed)
      // and low 32 bits (unsigned), summed apart so neither sum can overflow.
      const p0 = i64x2.extmul_low_i32x4_s(va, vb);
      const p1 = i64x2.extmul_high_i32x4_s(va, vb);
      slo = i64x2.add(slo, i64x2.add(v128.and(p0, lo32), v128.and(p1, lo32)));
      shi = i64x2.add(shi, i64x2.add(i64x2.shr_s(p0, 32), i64x2.shr_s(p1, 32)));
    }
    for (; r < R; r++) {
      const i = o + r;
      const av: i64 = mask != 0 && load<u8>(mask + i) == 0 ? 0 : <i64>ld1i<A>(a, i);
      const p = av * <i64>ld1i<B>(b, i);
      ta += av;
      tlo += p & LO32;
      thi += p >> 32;
    }
  }
  ta += i64x2.extract_lane(sa, 0) + i64x2.extract_lane(sa, 1);
  tlo += i64x2.extract_lane(slo, 0) + i64x2.extract_lane(slo, 1);
  thi += i64x2.extract_lane(shi, 0) + i64x2.extract_lane(shi, 1) + (tlo >>> 32);
  const q = out + ((<usize>c) << 5);
  store<f64>(q, <f64>(ta >> 32));
  store<f64>(q + 8, <f64>(ta & LO32));
  store<f64>(q + 16, <f64>thi);
  store<f64>(q + 24, <f64>(tlo & LO32));
}

function sumsFloat<A, B>(
  a: usize,
  b: usize,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  out: usize,
): void {
  for (let c = 0; c < C; c++) {
    // Lanes 0, 1 and 2, 3 of the sums of a and of a b.
    let a01 = f64x2.splat(0),
      a23 = f64x2.splat(0),
      p01 = f64x2.splat(0),
      p23 = f64x2.splat(0);
    for (let n = 0; n < N; n++) {
      const o = (<usize>n * C + c) * R;
      let r = 0;
      for (; r + 4 <= R; r += 4) {
        const i = o + r;
        let x0 = ld2<A>(a, i);
        let x1 = ld2<A>(a, i + 2);
        if (mask) {
          x0 = v128.and(x0, mask2(mask, i));
          x1 = v128.and(x1, mask2(mask, i + 2));
        }
        a01 = f64x2.add(a01, x0);
        a23 = f64x2.add(a23, x1);
        p01 = f64x2.add(p01, f64x2.mul(x0, ld2<B>(b, i)));
        p23 = f64x2.add(p23, f64x2.mul(x1, ld2<B>(b, i + 2)));
      }
      // Tail: elements R - R % 4 .. R - 1 of the plane go to lanes 0, 1, 2; lanes without an
      // element add +0, which leaves a sum that started at +0 unchanged.
      if (r < R) {
        const i = o + r;
        const rest = R - r;
        let x1: f64 = 0,
          x2: f64 = 0,
          y1: f64 = 0,
          y2: f64 = 0;
        const x0: f64 = mask != 0 && load<u8>(mask + i) == 0 ? 0 : ld1<A>(a, i);
        const y0 = ld1<B>(b, i);
        if (rest > 1) {
          x1 = mask != 0 && load<u8>(mask + i + 1) == 0 ? 0 : ld1<A>(a, i + 1);
          y1 = ld1<B>(b, i + 1);
        }
        if (rest > 2) {
          x2 = mask != 0 && load<u8>(mask + i + 2) == 0 ? 0 : ld1<A>(a, i + 2);
          y2 = ld1<B>(b, i + 2);
        }
        a01 = f64x2.add(a01, f64x2.replace_lane(f64x2.splat(x0), 1, x1));
        p01 = f64x2.add(p01, f64x2.replace_lane(f64x2.splat(x0 * y0), 1, x1 * y1));
        a23 = f64x2.replace_lane(a23, 0, f64x2.extract_lane(a23, 0) + x2);
        p23 = f64x2.replace_lane(p23, 0, f64x2.extract_lane(p23, 0) + x2 * y2);
      }
    }
    const sa = f64x2.add(a01, a23);
    const sp = f64x2.add(p01, p23);
    const q = out + ((<usize>c) << 5);
    store<f64>(q, 0);
    store<f64>(q + 8, f64x2.extract_lane(sa, 0) + f64x2.extract_lane(sa, 1));
    store<f64>(q + 16, 0);
    store<f64>(q + 24, f64x2.extract_lane(sp, 0) + f64x2.extract_lane(sp, 1));
  }
}
