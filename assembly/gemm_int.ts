// SPDX-License-Identifier: MIT
// Integer GEMM, SIMD128: int8/int16 operands widened to int16 while packing, multiplied with
// i32x4.dot_i16x8_s into int32 accumulators (wrapping, i.e. exact modulo 2^32 like an
// Int32Array store). C (M,N) i32 = op(A) (M,K) x op(B) (K,N), strided (lda, ldb, ldc in elements).

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

/**
 * Packs rows i0..i0+mc, depth p0..p0+kc of op(A) into MR-row panels: per k pair, MR words of
 * (a(i,k), a(i,k+1)) as two i16. Rows past mc and the odd k tail are zero.
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
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const rows = min(MR, mc - r0);
    for (let kp = 0; kp < kc2; kp++) {
      const k = p0 + 2 * kp;
      const has1 = 2 * kp + 1 < kc;
      for (let r = 0; r < MR; r++) {
        let v0 = 0,
          v1 = 0;
        if (r < rows) {
          const i = i0 + r0 + r;
          if (transA) {
            v0 = ld(a, <usize>k * lda + i, es);
            if (has1) v1 = ld(a, <usize>(k + 1) * lda + i, es);
          } else {
            v0 = ld(a, <usize>i * lda + k, es);
            if (has1) v1 = ld(a, <usize>i * lda + k + 1, es);
          }
        }
        store<i32>(dst, (v0 & 0xffff) | (v1 << 16));
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
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const cols = min(NR, nc - c0);
    for (let kp = 0; kp < kc2; kp++) {
      const k = p0 + 2 * kp;
      const has1 = 2 * kp + 1 < kc;
      if (!transB && cols == NR && has1) {
        // Two rows of 8 contiguous elements, interleaved into (k, k+1) pairs.
        const p = b + ((<usize>k * ldb + j0 + c0) << (es - 1));
        const q = p + ((<usize>ldb) << (es - 1));
        let r0: v128, r1: v128;
        if (es == 1) {
          r0 = v128.load8x8_s(p);
          r1 = v128.load8x8_s(q);
        } else {
          r0 = v128.load(p);
          r1 = v128.load(q);
        }
        v128.store(
          dst,
          i8x16.shuffle(r0, r1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23),
        );
        v128.store(
          dst,
          i8x16.shuffle(r0, r1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31),
          16,
        );
        dst += 32;
        continue;
      }
      for (let c = 0; c < NR; c++) {
        let v0 = 0,
          v1 = 0;
        if (c < cols) {
          const j = j0 + c0 + c;
          if (transB) {
            v0 = ld(b, <usize>j * ldb + k, es);
            if (has1) v1 = ld(b, <usize>j * ldb + k + 1, es);
          } else {
            v0 = ld(b, <usize>k * ldb + j, es);
            if (has1) v1 = ld(b, <usize>(k + 1) * ldb + j, es);
          }
        }
        store<i32>(dst, (v0 & 0xffff) | (v1 << 16));
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

/** Bytes of scratch gemm_i16acc32 needs (packed A block, packed B block, spill tile). */
export function gemm_int_scratch_bytes(): i32 {
  return MC * KC * 2 + KC * NC * 2 + MR * NR * 4 + 64;
}

/**
 * C (M,N) i32 (+)= op(A) op(B). esA/esB: element bytes of A/B (1 int8, 2 int16). A is (M,K)
 * with row stride lda, or (K,M) when transA; B is (K,N) with ldb, or (N,K) when transB.
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
