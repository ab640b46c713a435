// SPDX-License-Identifier: MIT
// Integer GEMM with exact wide sums: C (M,N) f64 += op(A) op(B) for int8/int16 operands and
// int32-stored narrow ones (24-bit errors), where K * max|a| * max|b| may pass int32. Never
// wraps: K is cut into chunks of at most `chunk` k whose int32 tile sums cannot overflow (the
// caller's static bound on the packed limbs), and each chunk's sums are added into C in
// float64 (exact below 2^53). Operands wider than int16, or whose products would leave too
// short a chunk, are split into limbs (gemm_pack.ts): C += 2^(8(la+lb)) * limbA x limbB over
// every limb pair, each an int16 GEMM: A's limbs as extra rows of its panels (recombined in
// the tile's epilogue, so C is written once per chunk), B's in passes. Same packing and
// register tile as gemm_i16_i32acc.

import { KIND_I16, KIND_I8 } from './codes';
import { KC, MC, NC } from './gemm_int';
import { limbMask, limbShift, MR, NR, packA, packALimbs, packB } from './gemm_pack';
import { tile } from './gemm_tile';

function packAKind(
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

function packBKind(
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
  const ap = (scratch + 15) & ~15;
  const bp = ap + MC * KC * 2;
  const tmp = bp + KC * NC * 2;
  const kstep = max(1, min(KC, chunk));
  const mcMax = MC / limbsA; // rows of A per packed block (each takes limbsA panel rows)
  if (K == 0) {
    if (!accumulate)
      for (let i = 0; i < M; i++) memory.fill(c + ((<usize>i * ldc) << 3), 0, (<usize>N) << 3);
    return;
  }
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kstep) {
      const kc = min(kstep, K - pc);
      const kc2 = (kc + 1) >> 1;
      let scale: f64 = 1; // 2^(8 lb), the weight of B's limb
      for (let lb = 0; lb < limbsB; lb++, scale *= 256) {
        const add = accumulate || pc > 0 || lb > 0;
        packBKind(kindB, b, ldb, transB, pc, kc, jc, nc, bp, lb, limbsB);
        for (let ic = 0; ic < M; ic += mcMax) {
          const mc = min(mcMax, M - ic);
          packAKind(kindA, a, lda, transA, ic, mc, pc, kc, ap, limbsA);
          const mcL = mc * limbsA;
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = min(NR, nc - jr);
            const bpp = bp + <usize>jr * kc2 * 4;
            for (let ir = 0; ir < mcL; ir += MR) {
              const mr = min(MR, mcL - ir);
              const cp = c + ((<usize>(ic + ir / limbsA) * ldc + jc + jr) << 3);
              const app = ap + <usize>ir * kc2 * 4;
              tile<f64>(app, bpp, kc2, cp, ldc, mr, nr, add, tmp, scale, limbsA);
            }
          }
        }
      }
    }
  }
}
