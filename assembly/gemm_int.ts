// SPDX-License-Identifier: MIT
// Integer GEMM, SIMD128: int8/int16 operands widened to int16 while packing, multiplied with
// i32x4.dot_i16x8_s into int32 accumulators (wrapping, i.e. exact modulo 2^32 like an
// Int32Array store). C (M,N) i32 = op(A) (M,K) x op(B) (K,N), strided (lda, ldb, ldc in elements).

import { dotSuits, gemm_i16_i32acc__dot, gemm_i16_i32acc__smallm, smallMSuits } from './gemm_dot';

// Register tile MR x NR, cache blocks MC x KC (A block) and KC x NC (B block).
const MR = 4;
const NR = 8;
const MC = 64;
const KC = 512; // even: the packed layout pairs k with k+1
const NC = 2048;

/** One element of A or B as i32; `es` is the element size in bytes (1 = int8, 2 = int16). */
function ld(p: usize, idx: usize, es: i32): i32 {
  return es == 1 ? <i32>load<i8>(p + idx) : <i32>load<i16>(p + (idx << 1));
}

/** Row of 8 consecutive elements at p as i16x8 (int8 sign-extended). */
function row8(p: usize, es: i32): v128 {
  return es == 1 ? v128.load8x8_s(p) : v128.load(p);
}

/** Row of 4 consecutive elements at p as the low four i16 lanes. */
function row4(p: usize, es: i32): v128 {
  return es == 1 ? i16x8.extend_low_i8x16_s(v128.load32_zero(p)) : v128.load64_zero(p);
}

/**
 * Four rows (ldBytes apart) of 8 consecutive k: four k pairs per row as i32 lanes. Transposed
 * 4x4 so that vector q holds pair q of rows 0..3; stored at dst + q * stride.
 */
function pairs4x4(p: usize, ldBytes: usize, es: i32, dst: usize, stride: usize): void {
  const r0 = row8(p, es);
  const r1 = row8(p + ldBytes, es);
  const r2 = row8(p + 2 * ldBytes, es);
  const r3 = row8(p + 3 * ldBytes, es);
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
function packA(
  a: usize,
  es: i32,
  lda: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
): void {
  const kc2 = (kc + 1) >> 1;
  const sh = <usize>(es - 1);
  const ldBytes = (<usize>lda) << sh;
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const rows = min(MR, mc - r0);
    const i = i0 + r0;
    let kp = 0;
    if (rows == MR && !transA) {
      for (; 2 * kp + 8 <= kc; kp += 4) {
        pairs4x4(a + ((<usize>i * lda + p0 + 2 * kp) << sh), ldBytes, es, dst, 16);
        dst += 64;
      }
    } else if (rows == MR) {
      for (; 2 * kp + 2 <= kc; kp++) {
        const p = a + ((<usize>(p0 + 2 * kp) * lda + i) << sh);
        v128.store(dst, zipLo(row4(p, es), row4(p + ldBytes, es)));
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
            v0 = ld(a, <usize>k * lda + ii, es);
            if (has1) v1 = ld(a, <usize>(k + 1) * lda + ii, es);
          } else {
            v0 = ld(a, <usize>ii * lda + k, es);
            if (has1) v1 = ld(a, <usize>ii * lda + k + 1, es);
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
function packB(
  b: usize,
  es: i32,
  ldb: i32,
  transB: bool,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
): void {
  const kc2 = (kc + 1) >> 1;
  const sh = <usize>(es - 1);
  const ldBytes = (<usize>ldb) << sh;
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const cols = min(NR, nc - c0);
    const j = j0 + c0;
    let kp = 0;
    if (cols == NR && !transB) {
      // Two rows of 8 contiguous elements, zipped into (k, k+1) pairs.
      for (; 2 * kp + 2 <= kc; kp++) {
        const p = b + ((<usize>(p0 + 2 * kp) * ldb + j) << sh);
        const x = row8(p, es);
        const y = row8(p + ldBytes, es);
        v128.store(dst, zipLo(x, y));
        v128.store(dst, zipHi(x, y), 16);
        dst += 32;
      }
    } else if (cols == NR) {
      // B stored (N,K): columns 0..3 and 4..7 of the panel, 4 k pairs at a time.
      for (; 2 * kp + 8 <= kc; kp += 4) {
        const p = b + ((<usize>j * ldb + p0 + 2 * kp) << sh);
        pairs4x4(p, ldBytes, es, dst, 32);
        pairs4x4(p + 4 * ldBytes, ldBytes, es, dst + 16, 32);
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
            v0 = ld(b, <usize>jj * ldb + k, es);
            if (has1) v1 = ld(b, <usize>jj * ldb + k + 1, es);
          } else {
            v0 = ld(b, <usize>k * ldb + jj, es);
            if (has1) v1 = ld(b, <usize>(k + 1) * ldb + jj, es);
          }
        }
        store<i32>(dst, pairWord(v0, v1));
        dst += 4;
      }
    }
  }
}

/** MR x NR tile over kc2 k pairs; adds into C when `add`, else overwrites. */
function tile(
  ap: usize,
  bp: usize,
  kc2: i32,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  add: bool,
  tmp: usize,
): void {
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
    const a4 = v128.load(ap); // (a(i,k), a(i,k+1)) for the 4 rows; splat each row by shuffle
    let a = i8x16.shuffle(a4, a4, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a, b0));
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a, b1));
    a = i8x16.shuffle(a4, a4, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7);
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a, b0));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a, b1));
    a = i8x16.shuffle(a4, a4, 8, 9, 10, 11, 8, 9, 10, 11, 8, 9, 10, 11, 8, 9, 10, 11);
    c20 = i32x4.add(c20, i32x4.dot_i16x8_s(a, b0));
    c21 = i32x4.add(c21, i32x4.dot_i16x8_s(a, b1));
    a = i8x16.shuffle(a4, a4, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15);
    c30 = i32x4.add(c30, i32x4.dot_i16x8_s(a, b0));
    c31 = i32x4.add(c31, i32x4.dot_i16x8_s(a, b1));
    ap += 16;
    bp += 32;
  }
  const rs = (<usize>ldc) << 2;
  if (mr == MR && nr == NR) {
    if (add) {
      c00 = i32x4.add(c00, v128.load(c));
      c01 = i32x4.add(c01, v128.load(c, 16));
      c10 = i32x4.add(c10, v128.load(c + rs));
      c11 = i32x4.add(c11, v128.load(c + rs, 16));
      c20 = i32x4.add(c20, v128.load(c + 2 * rs));
      c21 = i32x4.add(c21, v128.load(c + 2 * rs, 16));
      c30 = i32x4.add(c30, v128.load(c + 3 * rs));
      c31 = i32x4.add(c31, v128.load(c + 3 * rs, 16));
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
      c00 = i32x4.add(c00, v128.load(c));
      c01 = i32x4.add(c01, v128.load(c, 16));
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    if (mr > 1) {
      if (add) {
        c10 = i32x4.add(c10, v128.load(c + rs));
        c11 = i32x4.add(c11, v128.load(c + rs, 16));
      }
      v128.store(c + rs, c10);
      v128.store(c + rs, c11, 16);
    }
    if (mr > 2) {
      if (add) {
        c20 = i32x4.add(c20, v128.load(c + 2 * rs));
        c21 = i32x4.add(c21, v128.load(c + 2 * rs, 16));
      }
      v128.store(c + 2 * rs, c20);
      v128.store(c + 2 * rs, c21, 16);
    }
    return;
  }
  // Ragged edge: spill the tile, then write only the valid mr x nr part.
  v128.store(tmp, c00);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const cp = c + <usize>i * rs + ((<usize>j) << 2);
      const v = load<i32>(tmp + ((i * NR + j) << 2));
      store<i32>(cp, add ? load<i32>(cp) + v : v);
    }
  }
}

/** Bytes of scratch the blocked route needs (packed A block, packed B block, spill tile). */
export function gemm_int_scratch_bytes(): i32 {
  return MC * KC * 2 + KC * NC * 2 + MR * NR * 4 + 64;
}

/**
 * C (M,N) i32 (+)= op(A) op(B), choosing the route: dot (A B^T with few outputs over a long
 * depth), small-M (A B with few rows) or blocked. esA/esB: element bytes of A/B (1 int8,
 * 2 int16). A is (M,K) with row stride lda, or (K,M) when transA; B is (K,N) with ldb, or (N,K)
 * when transB. `scratch`: gemm_int_scratch_bytes() bytes, enough for every route.
 */
export function gemm_i16_i32acc(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  esA: i32,
  lda: i32,
  transA: bool,
  b: usize,
  esB: i32,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  if (dotSuits(M, N, K, transA, transB))
    gemm_i16_i32acc__dot(M, N, K, a, esA, lda, b, esB, ldb, c, ldc, accumulate);
  else if (smallMSuits(M, N, K, transA, transB))
    gemm_i16_i32acc__smallm(M, N, K, a, esA, lda, b, esB, ldb, c, ldc, accumulate, scratch);
  else
    gemm_i16_i32acc__blocked(
      M,
      N,
      K,
      a,
      esA,
      lda,
      transA,
      b,
      esB,
      ldb,
      transB,
      c,
      ldc,
      accumulate,
      scratch,
    );
}

/**
 * The blocked route: C (M,N) i32 (+)= op(A) op(B) with both operands packed into cache blocks
 * (any shape and layout). Arguments as gemm_i16_i32acc.
 */
export function gemm_i16_i32acc__blocked(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  esA: i32,
  lda: i32,
  transA: bool,
  b: usize,
  esB: i32,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  const ap = (scratch + 15) & ~15;
  const bp = ap + MC * KC * 2;
  const tmp = bp + KC * NC * 2;
  if (K == 0) {
    if (!accumulate)
      for (let i = 0; i < M; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, (<usize>N) << 2);
    return;
  }
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const kc2 = (kc + 1) >> 1;
      const add = accumulate || pc > 0;
      packB(b, esB, ldb, transB, pc, kc, jc, nc, bp);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(a, esA, lda, transA, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bpp = bp + <usize>jr * kc2 * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            tile(ap + <usize>ir * kc2 * 4, bpp, kc2, cp, ldc, mr, nr, add, tmp);
          }
        }
      }
    }
  }
}
