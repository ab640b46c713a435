// SPDX-License-Identifier: MIT
// Integer GEMM with exact wide sums: C (M,N) f64 += op(A) op(B) for int8/int16 operands and
// int32-stored narrow ones (24-bit errors), where K * max|a| * max|b| may pass int32. Never
// wraps: K is cut into chunks of at most `chunk` k whose int32 tile sums cannot overflow (the
// caller's static bound on the packed limbs), and each chunk's sums are added into C in
// float64 (exact below 2^53). Operands wider than int16, or whose products would leave too
// short a chunk, are split into limbs (gemm_pack.ts): C += 2^(8(la+lb)) * limbA x limbB over
// every limb pair, each an int16 GEMM. Same packing and register tile as gemm_i16_i32acc.

import { KIND_I16, KIND_I8 } from './codes';
import { KC, MC, NC } from './gemm_int';
import { MR, NR, packA, packB } from './gemm_pack';
import { tile } from './gemm_tile';

/** Limb l of L: (shift, mask); low limbs are unsigned bytes, the top one keeps the sign. */
function limbShift(l: i32): i32 {
  return 8 * l;
}
function limbMask(l: i32, L: i32): i32 {
  return l < L - 1 ? 0xff : -1;
}

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
  l: i32,
  L: i32,
): void {
  const sh = limbShift(l);
  const mask = limbMask(l, L);
  if (kind == KIND_I8) packA<i8>(a, lda, transA, i0, mc, p0, kc, dst, sh, mask);
  else if (kind == KIND_I16) packA<i16>(a, lda, transA, i0, mc, p0, kc, dst, sh, mask);
  else packA<i32>(a, lda, transA, i0, mc, p0, kc, dst, sh, mask);
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
 * C (M,N) f64 += op(A) op(B), exact. kindA/kindB: KIND_I8, KIND_I16 or KIND_I32 (values whose
 * top limb fits int16). A is (M,K) with row stride lda, or (K,M) when transA; B is (K,N) with
 * ldb, or (N,K) when transB; C has row stride ldc. `chunk`: the most k one int32 sum may take
 * (chunk * max|limb a| * max|limb b| < 2^31); limbsA/limbsB: limbs per operand (1..4).
 * `scratch`: gemm_int_scratch_bytes() bytes. To overwrite C, zero it first.
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
  scratch: usize,
  chunk: i32,
  limbsA: i32,
  limbsB: i32,
): void {
  const ap = (scratch + 15) & ~15;
  const bp = ap + MC * KC * 2;
  const tmp = bp + KC * NC * 2;
  const kstep = max(1, min(KC, chunk));
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kstep) {
      const kc = min(kstep, K - pc);
      const kc2 = (kc + 1) >> 1;
      for (let lb = 0; lb < limbsB; lb++) {
        packBKind(kindB, b, ldb, transB, pc, kc, jc, nc, bp, lb, limbsB);
        for (let ic = 0; ic < M; ic += MC) {
          const mc = min(MC, M - ic);
          for (let la = 0; la < limbsA; la++) {
            packAKind(kindA, a, lda, transA, ic, mc, pc, kc, ap, la, limbsA);
            let scale: f64 = 1; // 2^(8 (la + lb)), the limb pair's weight
            for (let s = 0; s < la + lb; s++) scale *= 256;
            for (let jr = 0; jr < nc; jr += NR) {
              const nr = min(NR, nc - jr);
              const bpp = bp + <usize>jr * kc2 * 4;
              for (let ir = 0; ir < mc; ir += MR) {
                const mr = min(MR, mc - ir);
                const cp = c + ((<usize>(ic + ir) * ldc + jc + jr) << 3);
                tile<f64>(ap + <usize>ir * kc2 * 4, bpp, kc2, cp, ldc, mr, nr, true, tmp, scale);
              }
            }
          }
        }
      }
    }
  }
}
