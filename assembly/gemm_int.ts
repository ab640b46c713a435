// SPDX-License-Identifier: MIT
// Integer GEMM, SIMD128: int8/int16 operands widened to int16 while packing, multiplied with
// i32x4.dot_i16x8_s into int32 accumulators (wrapping, i.e. exact modulo 2^32 like an
// Int32Array store). C (M,N) i32 = op(A) (M,K) x op(B) (K,N), strided (lda, ldb, ldc in elements).

import { KIND_I16, KIND_I8 } from './codes';
import { blocked, blockedScratchBytes } from './gemm_blocked';
import { dotSuits, gemm_i16_i32acc__dot, gemm_i16_i32acc__smallm, smallMSuits } from './gemm_dot';

/** Bytes of scratch the blocked route needs (packed A block, packed B block, spill tile). */
export function gemm_int_scratch_bytes(): i32 {
  return blockedScratchBytes();
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
 * (any shape and layout; gemm_blocked.ts). Arguments as gemm_i16_i32acc.
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
  const kindA = esA == 1 ? KIND_I8 : KIND_I16;
  const kindB = esB == 1 ? KIND_I8 : KIND_I16;
  blocked<i32>(
    M,
    N,
    K,
    a,
    kindA,
    lda,
    transA,
    b,
    kindB,
    ldb,
    transB,
    c,
    ldc,
    accumulate,
    scratch,
    0,
    1,
    1,
  );
}
