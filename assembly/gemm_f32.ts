// SPDX-License-Identifier: MIT
// float32 GEMM, SIMD128, with the same blocking and register tile as the integer kernel
// (gemm_blocked.ts; f32x4 mul + add, no FMA in plain SIMD128) so the float baseline is a fair
// comparison. Strided like gemm_int.

import { blocked, blockedScratchBytes } from './gemm_blocked';

export function gemm_f32_scratch_bytes(): i32 {
  return blockedScratchBytes();
}

/** C (M,N) f32 (+)= op(A) op(B), strided; same conventions as gemm_i16_i32acc. */
export function gemm_f32(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  lda: i32,
  transA: bool,
  b: usize,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  blocked<f32>(M, N, K, a, 0, lda, transA, b, 0, ldb, transB, c, ldc, accumulate, scratch, 0, 1, 1);
}
