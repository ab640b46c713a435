// SPDX-License-Identifier: MIT
// Packing for the blocked integer GEMM: op(A) into MR-row panels and op(B) into NR-column
// panels of int16 k pairs (k, k+1), the layout i32x4.dot_i16x8_s multiplies. T is the stored
// element (i8, i16, or i32 holding narrow values). A limb (sh, mask) packs ((v >> sh) & mask)
// instead of v, so wide operands split into int16-sized limbs: v = sum_l limb_l << 8l with
// low limbs (v >> 8l) & 255 and the top one v >> 8l (sign kept). Whole values: sh 0, mask -1.

import { KIND_I16, KIND_I8 } from './codes';

export const MR = 4;
export const NR = 8;

/** One element of A or B (its limb) as i32. */
function ld<T>(p: usize, idx: usize, sh: i32, mask: i32): i32 {
  return ((<i32>load<T>(p + idx * sizeof<T>())) >> sh) & mask;
}

/** 8 consecutive elements at p (their limbs) as i16x8. */
function row8<T>(p: usize, sh: i32, mask: i32): v128 {
  if (sizeof<T>() == 1) return v128.load8x8_s(p);
  if (sizeof<T>() == 2) return v128.and(i16x8.shr_s(v128.load(p), sh), i16x8.splat(<i16>mask));
  const m = i32x4.splat(mask);
  const lo = v128.and(i32x4.shr_s(v128.load(p), sh), m);
  const hi = v128.and(i32x4.shr_s(v128.load(p, 16), sh), m);
  return i16x8.narrow_i32x4_s(lo, hi);
}

/** 4 consecutive elements at p (their limbs) as the low four i16 lanes. */
function row4<T>(p: usize, sh: i32, mask: i32): v128 {
  if (sizeof<T>() == 1) return i16x8.extend_low_i8x16_s(v128.load32_zero(p));
  if (sizeof<T>() == 2)
    return v128.and(i16x8.shr_s(v128.load64_zero(p), sh), i16x8.splat(<i16>mask));
  const v = v128.and(i32x4.shr_s(v128.load(p), sh), i32x4.splat(mask));
  return i16x8.narrow_i32x4_s(v, v);
}

/**
 * Four rows (ldBytes apart) of 8 consecutive k: four k pairs per row as i32 lanes. Transposed
 * 4x4 so that vector q holds pair q of rows 0..3; stored at dst + q * stride.
 */
function pairs4x4<T>(
  p: usize,
  ldBytes: usize,
  sh: i32,
  mask: i32,
  dst: usize,
  stride: usize,
): void {
  transpose4(
    row8<T>(p, sh, mask),
    row8<T>(p + ldBytes, sh, mask),
    row8<T>(p + 2 * ldBytes, sh, mask),
    row8<T>(p + 3 * ldBytes, sh, mask),
    dst,
    stride,
  );
}

/** Rows r0..r3 of 8 i16 (4 k pairs each) -> vector q = pair q of rows 0..3, at dst + q * stride. */
function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = i8x16.shuffle(r0, r1, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const t1 = i8x16.shuffle(r0, r1, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const t2 = i8x16.shuffle(r2, r3, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const t3 = i8x16.shuffle(r2, r3, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  v128.store(dst, i8x16.shuffle(t0, t2, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  v128.store(
    dst + stride,
    i8x16.shuffle(t0, t2, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31),
  );
  v128.store(
    dst + 2 * stride,
    i8x16.shuffle(t1, t3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
  );
  v128.store(
    dst + 3 * stride,
    i8x16.shuffle(t1, t3, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31),
  );
}

/** Interleaves the i16 lanes of x and y: (x0, y0, x1, y1, ...) for lanes 0..3 or 4..7. */
function zipLo(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}
function zipHi(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

/** One (v0, v1) pair of i16 as an i32 word. */
function pairWord(v0: i32, v1: i32): i32 {
  return (v0 & 0xffff) | (v1 << 16);
}

/**
 * Packs rows i0..i0+mc, depth p0..p0+kc of op(A) into MR-row panels: per k pair, MR words of
 * (a(i,k), a(i,k+1)) as two i16. Rows past mc and the odd k tail are zero. Full panels take
 * SIMD paths (a 4x4 transpose of pairs, or a zip of two rows when transA); edges go scalar.
 */
export function packA<T>(
  a: usize,
  lda: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
  sh: i32,
  mask: i32,
): void {
  const kc2 = (kc + 1) >> 1;
  const es = <usize>sizeof<T>();
  const ldBytes = <usize>lda * es;
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const rows = min(MR, mc - r0);
    const i = i0 + r0;
    let kp = 0;
    if (rows == MR && !transA) {
      for (; 2 * kp + 8 <= kc; kp += 4) {
        pairs4x4<T>(a + (<usize>i * lda + p0 + 2 * kp) * es, ldBytes, sh, mask, dst, 16);
        dst += 64;
      }
    } else if (rows == MR) {
      for (; 2 * kp + 2 <= kc; kp++) {
        const p = a + (<usize>(p0 + 2 * kp) * lda + i) * es;
        v128.store(dst, zipLo(row4<T>(p, sh, mask), row4<T>(p + ldBytes, sh, mask)));
        dst += 16;
      }
    }
    for (; kp < kc2; kp++) {
      const k = p0 + 2 * kp;
      const has1 = 2 * kp + 1 < kc;
      for (let r = 0; r < MR; r++) {
        let v0 = 0,
          v1 = 0;
        if (r < rows) {
          const ii = i + r;
          if (transA) {
            v0 = ld<T>(a, <usize>k * lda + ii, sh, mask);
            if (has1) v1 = ld<T>(a, <usize>(k + 1) * lda + ii, sh, mask);
          } else {
            v0 = ld<T>(a, <usize>ii * lda + k, sh, mask);
            if (has1) v1 = ld<T>(a, <usize>ii * lda + k + 1, sh, mask);
          }
        }
        store<i32>(dst, pairWord(v0, v1));
        dst += 4;
      }
    }
  }
}

/**
 * Packs depth p0..p0+kc, columns j0..j0+nc of op(B) into NR-column panels: per k pair, NR
 * pairs (b(k,j), b(k+1,j)) as i16. Columns past nc and the odd k tail are zero.
 */
export function packB<T>(
  b: usize,
  ldb: i32,
  transB: bool,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
  sh: i32,
  mask: i32,
): void {
  const kc2 = (kc + 1) >> 1;
  const es = <usize>sizeof<T>();
  const ldBytes = <usize>ldb * es;
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const cols = min(NR, nc - c0);
    const j = j0 + c0;
    let kp = 0;
    if (cols == NR && !transB) {
      // Two rows of 8 contiguous elements, zipped into (k, k+1) pairs.
      for (; 2 * kp + 2 <= kc; kp++) {
        const p = b + (<usize>(p0 + 2 * kp) * ldb + j) * es;
        const x = row8<T>(p, sh, mask);
        const y = row8<T>(p + ldBytes, sh, mask);
        v128.store(dst, zipLo(x, y));
        v128.store(dst, zipHi(x, y), 16);
        dst += 32;
      }
    } else if (cols == NR) {
      // B stored (N,K): columns 0..3 and 4..7 of the panel, 4 k pairs at a time.
      for (; 2 * kp + 8 <= kc; kp += 4) {
        const p = b + (<usize>j * ldb + p0 + 2 * kp) * es;
        pairs4x4<T>(p, ldBytes, sh, mask, dst, 32);
        pairs4x4<T>(p + 4 * ldBytes, ldBytes, sh, mask, dst + 16, 32);
        dst += 128;
      }
    }
    for (; kp < kc2; kp++) {
      const k = p0 + 2 * kp;
      const has1 = 2 * kp + 1 < kc;
      for (let c = 0; c < NR; c++) {
        let v0 = 0,
          v1 = 0;
        if (c < cols) {
          const jj = j + c;
          if (transB) {
            v0 = ld<T>(b, <usize>jj * ldb + k, sh, mask);
            if (has1) v1 = ld<T>(b, <usize>jj * ldb + k + 1, sh, mask);
          } else {
            v0 = ld<T>(b, <usize>k * ldb + jj, sh, mask);
            if (has1) v1 = ld<T>(b, <usize>(k + 1) * ldb + jj, sh, mask);
          }
        }
        store<i32>(dst, pairWord(v0, v1));
        dst += 4;
      }
    }
  }
}

/** Shift and mask of limb l of L: low limbs are unsigned bytes, the top one keeps the sign. */
export function limbShift(l: i32): i32 {
  return 8 * l;
}
export function limbMask(l: i32, L: i32): i32 {
  return l < L - 1 ? 0xff : -1;
}

/**
 * packA for an operand split into L limbs (L = 2 or 4): row i of op(A) becomes the L logical
 * rows (i, limb 0..L-1), so one MR-row panel holds MR / L rows of A and the tile's epilogue
 * recombines them (gemm_tile.ts). Rows i0..i0+mc, depth p0..p0+kc; zero padded like packA.
 */
export function packALimbs<T>(
  a: usize,
  lda: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
  L: i32,
): void {
  const kc2 = (kc + 1) >> 1;
  const es = <usize>sizeof<T>();
  const rowsL = mc * L;
  for (let q0 = 0; q0 < rowsL; q0 += MR) {
    const lrows = min(MR, rowsL - q0);
    // Logical row q0 + t: row i0 + (q0 + t) / L of A, limb (q0 + t) % L.
    const i = i0 + q0 / L;
    let kp = 0;
    if (lrows == MR && !transA) {
      const pr = a + <usize>i * lda * es;
      const pr2 = L == 2 ? pr + <usize>lda * es : pr;
      const l0 = q0 % L;
      for (; 2 * kp + 8 <= kc; kp += 4) {
        const o = <usize>(p0 + 2 * kp) * es;
        transpose4(
          row8<T>(pr + o, limbShift(l0), limbMask(l0, L)),
          row8<T>(pr + o, limbShift(l0 + 1), limbMask(l0 + 1, L)),
          row8<T>(pr2 + o, limbShift((l0 + 2) % L), limbMask((l0 + 2) % L, L)),
          row8<T>(pr2 + o, limbShift((l0 + 3) % L), limbMask((l0 + 3) % L, L)),
          dst,
          16,
        );
        dst += 64;
      }
    }
    for (; kp < kc2; kp++) {
      const k = p0 + 2 * kp;
      const has1 = 2 * kp + 1 < kc;
      for (let t = 0; t < MR; t++) {
        let v0 = 0,
          v1 = 0;
        if (t < lrows) {
          const ii = i0 + (q0 + t) / L;
          const l = (q0 + t) % L;
          const sh = limbShift(l);
          const mask = limbMask(l, L);
          const i0k = transA ? <usize>k * lda + ii : <usize>ii * lda + k;
          v0 = ld<T>(a, i0k, sh, mask);
          if (has1) v1 = ld<T>(a, i0k + (transA ? <usize>lda : 1), sh, mask);
        }
        store<i32>(dst, pairWord(v0, v1));
        dst += 4;
      }
    }
  }
}

/**
 * packA of an operand of element kind `kind` (KIND_I8, KIND_I16 or KIND_I32 holding narrow
 * values), whole (L = 1) or split into L limbs (packALimbs).
 */
export function packAKind(
  kind: i32,
  a: usize,
  lda: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
  L: i32,
): void {
  if (L == 1) {
    if (kind == KIND_I8) packA<i8>(a, lda, transA, i0, mc, p0, kc, dst, 0, -1);
    else if (kind == KIND_I16) packA<i16>(a, lda, transA, i0, mc, p0, kc, dst, 0, -1);
    else packA<i32>(a, lda, transA, i0, mc, p0, kc, dst, 0, -1);
  } else if (kind == KIND_I16) packALimbs<i16>(a, lda, transA, i0, mc, p0, kc, dst, L);
  else packALimbs<i32>(a, lda, transA, i0, mc, p0, kc, dst, L);
}

/** packB of limb l of L of an operand of element kind `kind` (l = 0, L = 1: whole values). */
export function packBKind(
  kind: i32,
  b: usize,
  ldb: i32,
  transB: bool,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
  l: i32,
  L: i32,
): void {
  const sh = limbShift(l);
  const mask = limbMask(l, L);
  if (kind == KIND_I8) packB<i8>(b, ldb, transB, p0, kc, j0, nc, dst, sh, mask);
  else if (kind == KIND_I16) packB<i16>(b, ldb, transB, p0, kc, j0, nc, dst, sh, mask);
  else packB<i32>(b, ldb, transB, p0, kc, j0, nc, dst, sh, mask);
}
