// SPDX-License-Identifier: MIT
// Integer GEMM, SIMD128: int8/int16 operands widened to int16 while packing, multiplied with
// i32x4.dot_i16x8_s into int32 accumulators (wrapping, i.e. exact modulo 2^32 like an
// Int32Array store). C (M,N) i32 = op(A) (M,K) x op(B) (K,N), strided (lda, ldb, ldc in elements).

import { dotSuits, gemm_i16_i32acc__dot, gemm_i16_i32acc__smallm, smallMSuits } from './gemm_dot';
import { MR, NR, packA, packB } from './gemm_pack';
import { tile } from './gemm_tile';

// Cache blocks MC x KC (A block) and KC x NC (B block) around the MR x NR register tile.
export const MC = 64;
export const KC = 512; // even: the packed layout pairs k with k+1
export const NC = 2048;

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
      if (esB == 1) packB<i8>(b, ldb, transB, pc, kc, jc, nc, bp, 0, -1);
      else packB<i16>(b, ldb, transB, pc, kc, jc, nc, bp, 0, -1);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        if (esA == 1) packA<i8>(a, lda, transA, ic, mc, pc, kc, ap, 0, -1);
        else packA<i16>(a, lda, transA, ic, mc, pc, kc, ap, 0, -1);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bpp = bp + <usize>jr * kc2 * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            tile<i32>(ap + <usize>ir * kc2 * 4, bpp, kc2, cp, ldc, mr, nr, add, tmp, 1, 1);
          }
        }
      }
    }
  }
}
