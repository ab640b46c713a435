// SPDX-License-Identifier: MIT
// Integer GEMM with exact wide sums: C (M,N) f64 += op(A) op(B) for int8/int16 operands and
// int32-stored narrow ones (24-bit errors), where K * max|a| * max|b| may pass int32. Never
// wraps: K is cut into chunks of at most `chunk` k whose int32 tile sums cannot overflow (the
// caller's static bound on the packed limbs), and each chunk's sums are added into C in
// float64 (exact below 2^53). Operands wider than int16, or whose products would leave too
// short a chunk, are split into limbs (gemm_pack.ts): C += 2^(8(la+lb)) * limbA x limbB over
// every limb pair, each an int16 GEMM: A's limbs as extra rows of its panels (recombined in
// the tile's epilogue, so C is written once per chunk), B's in passes. Same packing and
// register tile as gemm_i16_i32acc: one loop nest, gemm_blocked.ts.

import { blocked } from './gemm_blocked';

/**
 * C (M,N) f64 (+)= op(A) op(B), exact. kindA/kindB: KIND_I8, KIND_I16 or KIND_I32 (values whose
 * top limb fits int16). A is (M,K) with row stride lda, or (K,M) when transA; B is (K,N) with
 * ldb, or (N,K) when transB; C has row stride ldc and is overwritten unless `accumulate`.
 * `chunk`: the most k one int32 sum may take (chunk * max|limb a| * max|limb b| < 2^31).
 * limbsA: 1, 2 or 4 limbs of A, packed as consecutive rows of one panel; limbsB: 1..4 limbs of
 * B, one pass each. `scratch`: gemm_int_scratch_bytes() bytes.
 */
export function gemm_i16_f64acc(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  kindA: i32,
  lda: i32,
  transA: bool,
  b: usize,
  kindB: i32,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
  chunk: i32,
  limbsA: i32,
  limbsB: i32,
): void {
  blocked<f64>(
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
    chunk,
    limbsA,
    limbsB,
  );
}
