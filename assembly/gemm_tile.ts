// SPDX-License-Identifier: MIT
// The register tile of the blocked GEMM (gemm_blocked.ts), written once: MR x NR sums over the
// packed panels. O is the element of C: f32 multiplies float32 panels (f32x4 mul then add);
// i32 and f64 multiply int16 k pairs (i32x4.dot_i16x8_s) into int32 sums, stored as int32
// (wrapping like an Int32Array store: the caller bounds the sums) or added exactly into
// float64 C with a power-of-two scale (a limb pair's weight).

import { MR, NR } from './gemm_pack';

/** acc + a * b lane by lane: f32x4 for a float32 C, else int16 pair dot products. */
// @ts-ignore: decorator
@inline
function madd<O>(acc: v128, a: v128, b: v128): v128 {
  if (isFloat<O>() && sizeof<O>() == 4) return f32x4.add(acc, f32x4.mul(a, b));
  return i32x4.add(acc, i32x4.dot_i16x8_s(a, b));
}

/** x + y lane by lane, as f32x4 for a float32 C, else i32x4. */
// @ts-ignore: decorator
@inline
function vadd<O>(x: v128, y: v128): v128 {
  if (isFloat<O>()) return f32x4.add(x, y);
  return i32x4.add(x, y);
}

/**
 * MR x NR tile over kc2 panel steps of packed A (ap) and B (bp): k pairs of int16, or single k
 * of float32 when O = f32. O = i32 or f32: C (row stride ldc) is added to when `add`, else
 * overwritten (scale and L unused). O = f64: the tile's mr rows are mr / L rows of C,
 * each as L consecutive limb rows (weights 2^(8l)); C = (or += when `add`) scale * their
 * weighted sum, exact (int32 sums, power-of-two weights, results below 2^53).
 */
export function tile<O>(
  ap: usize,
  bp: usize,
  kc2: i32,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  add: bool,
  tmp: usize,
  scale: f64,
  L: i32,
): void {
  // All-zero bits: 0 as i32 and as f32.
  let c00 = i32x4.splat(0),
    c01 = i32x4.splat(0);
  let c10 = i32x4.splat(0),
    c11 = i32x4.splat(0);
  let c20 = i32x4.splat(0),
    c21 = i32x4.splat(0);
  let c30 = i32x4.splat(0),
    c31 = i32x4.splat(0);
  for (let p = 0; p < kc2; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a4 = v128.load(ap); // a(i,k) or (a(i,k), a(i,k+1)) for 4 rows; splat each by shuffle
    let a = i8x16.shuffle(a4, a4, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    c00 = madd<O>(c00, a, b0);
    c01 = madd<O>(c01, a, b1);
    a = i8x16.shuffle(a4, a4, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7);
    c10 = madd<O>(c10, a, b0);
    c11 = madd<O>(c11, a, b1);
    a = i8x16.shuffle(a4, a4, 8, 9, 10, 11, 8, 9, 10, 11, 8, 9, 10, 11, 8, 9, 10, 11);
    c20 = madd<O>(c20, a, b0);
    c21 = madd<O>(c21, a, b1);
    a = i8x16.shuffle(a4, a4, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15);
    c30 = madd<O>(c30, a, b0);
    c31 = madd<O>(c31, a, b1);
    ap += 16;
    bp += 32;
  }
  if (isFloat<O>() && sizeof<O>() == 8) {
    if (mr == MR && nr == NR && L <= 2) {
      // Full tiles without a spill: 4 rows of C, or 2 rows of 2 limbs each.
      const rs8 = (<usize>ldc) << 3;
      const z = i32x4.splat(0);
      if (L == 1) {
        row64(c, c00, c01, z, z, scale, add);
        row64(c + rs8, c10, c11, z, z, scale, add);
        row64(c + 2 * rs8, c20, c21, z, z, scale, add);
        row64(c + 3 * rs8, c30, c31, z, z, scale, add);
      } else {
        row64(c, c00, c01, c10, c11, scale, add);
        row64(c + rs8, c20, c21, c30, c31, scale, add);
      }
      return;
    }
    spill(tmp, c00, c01, c10, c11, c20, c21, c30, c31);
    addRows64(tmp, c, ldc, mr, nr, add, scale, L);
    return;
  }
  const rs = (<usize>ldc) << 2;
  if (mr == MR && nr == NR) {
    if (add) {
      c00 = vadd<O>(c00, v128.load(c));
      c01 = vadd<O>(c01, v128.load(c, 16));
      c10 = vadd<O>(c10, v128.load(c + rs));
      c11 = vadd<O>(c11, v128.load(c + rs, 16));
      c20 = vadd<O>(c20, v128.load(c + 2 * rs));
      c21 = vadd<O>(c21, v128.load(c + 2 * rs, 16));
      c30 = vadd<O>(c30, v128.load(c + 3 * rs));
      c31 = vadd<O>(c31, v128.load(c + 3 * rs, 16));
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + rs, c10);
    v128.store(c + rs, c11, 16);
    v128.store(c + 2 * rs, c20);
    v128.store(c + 2 * rs, c21, 16);
    v128.store(c + 3 * rs, c30);
    v128.store(c + 3 * rs, c31, 16);
    return;
  }
  if (nr == NR) {
    // Fewer rows (M not a multiple of MR, e.g. 6 output channels): full-width rows as vectors.
    if (add) {
      c00 = vadd<O>(c00, v128.load(c));
      c01 = vadd<O>(c01, v128.load(c, 16));
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    if (mr > 1) {
      if (add) {
        c10 = vadd<O>(c10, v128.load(c + rs));
        c11 = vadd<O>(c11, v128.load(c + rs, 16));
      }
      v128.store(c + rs, c10);
      v128.store(c + rs, c11, 16);
    }
    if (mr > 2) {
      if (add) {
        c20 = vadd<O>(c20, v128.load(c + 2 * rs));
        c21 = vadd<O>(c21, v128.load(c + 2 * rs, 16));
      }
      v128.store(c + 2 * rs, c20);
      v128.store(c + 2 * rs, c21, 16);
    }
    return;
  }
  // Ragged edge: spill the tile, then write only the valid mr x nr part.
  spill(tmp, c00, c01, c10, c11, c20, c21, c30, c31);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const cp = c + <usize>i * rs + ((<usize>j) << 2);
      const v = load<O>(tmp + ((i * NR + j) << 2));
      store<O>(cp, add ? load<O>(cp) + v : v);
    }
  }
}

/** Stores the 8 accumulators of a tile, row-major MR x NR (i32 or f32 lanes), at tmp. */
function spill(
  tmp: usize,
  c00: v128,
  c01: v128,
  c10: v128,
  c11: v128,
  c20: v128,
  c21: v128,
  c30: v128,
  c31: v128,
): void {
  v128.store(tmp, c00);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
}

/**
 * C rows (float64, row stride ldc) = (or += when `add`) scale * sum over l of 2^(8l) * limb row
 * l of the spilled int32 tile at tmp (MR x NR, row-major), for the mr / L rows of C.
 */
function addRows64(
  tmp: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  add: bool,
  scale: f64,
  L: i32,
): void {
  const rows = mr / L;
  for (let ri = 0; ri < rows; ri++) {
    const cr = c + ((<usize>ri * ldc) << 3);
    const t0 = tmp + <usize>(ri * L * NR * 4);
    if (nr == NR) {
      for (let j = 0; j < NR; j += 2) {
        let w = scale;
        let v = f64x2.splat(0);
        for (let l = 0; l < L; l++) {
          const q = f64x2.convert_low_i32x4_s(v128.load64_zero(t0 + <usize>((l * NR + j) * 4)));
          v = f64x2.add(v, f64x2.mul(f64x2.splat(w), q));
          w *= 256;
        }
        const cp = cr + ((<usize>j) << 3);
        v128.store(cp, add ? f64x2.add(v128.load(cp), v) : v);
      }
    } else {
      for (let j = 0; j < nr; j++) {
        let w = scale;
        let v: f64 = 0;
        for (let l = 0; l < L; l++) {
          v += w * <f64>load<i32>(t0 + <usize>((l * NR + j) * 4));
          w *= 256;
        }
        const cp = cr + ((<usize>j) << 3);
        store<f64>(cp, add ? load<f64>(cp) + v : v);
      }
    }
  }
}

/** Lanes 2, 3 of an i32x4 as lanes 0, 1 (for the second f64x2 conversion). */
function high2(v: v128): v128 {
  return i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
}

/**
 * One row of 8 f64 at p = (or += when `add`) scale * (lo + 256 * lo1, hi + 256 * hi1), the
 * int32 sums of a row's low and high limb (lo1 = hi1 = 0 for a whole row). Exact.
 */
function row64(p: usize, lo: v128, hi: v128, lo1: v128, hi1: v128, scale: f64, add: bool): void {
  const s = f64x2.splat(scale);
  const s1 = f64x2.splat(scale * 256);
  const v0 = f64x2.add(
    f64x2.mul(s, f64x2.convert_low_i32x4_s(lo)),
    f64x2.mul(s1, f64x2.convert_low_i32x4_s(lo1)),
  );
  const v1 = f64x2.add(
    f64x2.mul(s, f64x2.convert_low_i32x4_s(high2(lo))),
    f64x2.mul(s1, f64x2.convert_low_i32x4_s(high2(lo1))),
  );
  const v2 = f64x2.add(
    f64x2.mul(s, f64x2.convert_low_i32x4_s(hi)),
    f64x2.mul(s1, f64x2.convert_low_i32x4_s(hi1)),
  );
  const v3 = f64x2.add(
    f64x2.mul(s, f64x2.convert_low_i32x4_s(high2(hi))),
    f64x2.mul(s1, f64x2.convert_low_i32x4_s(high2(hi1))),
  );
  if (add) {
    v128.store(p, f64x2.add(v128.load(p), v0));
    v128.store(p, f64x2.add(v128.load(p, 16), v1), 16);
    v128.store(p, f64x2.add(v128.load(p, 32), v2), 32);
    v128.store(p, f64x2.add(v128.load(p, 48), v3), 48);
  } else {
    v128.store(p, v0);
    v128.store(p, v1, 16);
    v128.store(p, v2, 32);
    v128.store(p, v3, 48);
  }
}
