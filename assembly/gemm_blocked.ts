// SPDX-License-Identifier: MIT
// The blocked GEMM, written once for every accumulator: the cache-block loop nest (NC columns
// of B, a depth slice, MC rows of A) around the MR x NR register tile of gemm_tile.ts. E is the
// element of C and picks the arithmetic at compile time, one specialised loop nest each:
//   f32  float32 operands in float32 panels, f32x4 multiply then add (gemm_f32);
//   i32  int8/int16 operands as int16 k pairs, i32x4.dot_i16x8_s into int32 sums that wrap like
//        an Int32Array store (the caller bounds them) (gemm_i16_i32acc__blocked);
//   f64  exact wide sums: the depth cut into chunks whose int32 sums cannot overflow, operands
//        split into 8-bit limbs, each chunk added into C in float64 (gemm_i16_f64acc).

import { MR, NR, packAKind, packBKind } from './gemm_pack';
import { packAf32, packBf32 } from './gemm_pack_f32';
import { tile } from './gemm_tile';

// Cache blocks: MC rows of A by KS panel steps (the A block), KS steps by NC columns of B.
// A step is one k of float32 or one k pair of int16: 4 bytes per panel row either way.
export const MC = 64;
export const KS = 256;
export const NC = 2048;

/** Bytes of scratch every blocked GEMM needs: packed A block, packed B block, spill tile. */
export function blockedScratchBytes(): i32 {
  return MC * KS * 4 + KS * NC * 4 + MR * NR * 4 + 64;
}

/**
 * C (M,N) E (+)= op(A) op(B), blocked. A is (M,K) with row stride lda, or (K,M) when transA;
 * B is (K,N) with ldb, or (N,K) when transB; C has row stride ldc and is overwritten unless
 * `accumulate`. kindA/kindB: KIND_I8, KIND_I16 or KIND_I32 (narrow values) for the integer
 * accumulators, unused for f32. E = f64 only: `chunk` is the most k one int32 sum may take,
 * limbsA (1, 2 or 4) / limbsB (1..4) the limbs each operand is split into. `scratch`:
 * blockedScratchBytes() bytes.
 */
export function blocked<E>(
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
  const bp = ap + MC * KS * 4;
  const tmp = bp + KS * NC * 4;
  const es = <usize>sizeof<E>();
  if (K == 0) {
    if (!accumulate)
      for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldc * es, 0, <usize>N * es);
    return;
  }
  const f32 = isFloat<E>() && sizeof<E>() == 4;
  const wide = isFloat<E>() && sizeof<E>() == 8;
  const kps = f32 ? 1 : 2; // k per panel step
  const kstep = wide ? max(1, min(KS * kps, chunk)) : KS * kps;
  const LA = wide ? limbsA : 1;
  const LB = wide ? limbsB : 1;
  const mcMax = MC / LA; // rows of A per block (each takes LA panel rows)
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kstep) {
      const kc = min(kstep, K - pc);
      const ks = f32 ? kc : (kc + 1) >> 1; // panel steps
      let scale: f64 = 1; // 2^(8 lb), the weight of B's limb
      for (let lb = 0; lb < LB; lb++, scale *= 256) {
        const add = accumulate || pc > 0 || lb > 0;
        if (f32) packBf32(b, ldb, transB, pc, kc, jc, nc, bp);
        else packBKind(kindB, b, ldb, transB, pc, kc, jc, nc, bp, lb, LB);
        for (let ic = 0; ic < M; ic += mcMax) {
          const mc = min(mcMax, M - ic);
          if (f32) packAf32(a, lda, transA, ic, mc, pc, kc, ap);
          else packAKind(kindA, a, lda, transA, ic, mc, pc, kc, ap, LA);
          const mcL = mc * LA;
          if (f32 && ks <= 64) {
            // Shallow float32 depth (a conv's input gradient: OC deep, C*KH*KW x N*OH*OW of
            // C): each row tile sweeps the whole block, so C is written as 4 sequential row
            // streams rather than 64 interleaved ones; the B block is re-read from L2.
            for (let ir = 0; ir < mcL; ir += MR) {
              const mr = min(MR, mcL - ir);
              const cr = c + (<usize>(ic + ir) * ldc + jc) * es;
              const apr = ap + <usize>ir * ks * 4;
              for (let jr = 0; jr < nc; jr += NR) {
                const bpp = bp + <usize>jr * ks * 4;
                tile<E>(
                  apr,
                  bpp,
                  ks,
                  cr + <usize>jr * es,
                  ldc,
                  mr,
                  min(NR, nc - jr),
                  add,
                  tmp,
                  1,
                  1,
                );
              }
            }
            continue;
          }
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = min(NR, nc - jr);
            const bpp = bp + <usize>jr * ks * 4;
            for (let ir = 0; ir < mcL; ir += MR) {
              const mr = min(MR, mcL - ir);
              const row = wide ? ic + ir / LA : ic + ir;
              const cp = c + (<usize>row * ldc + jc + jr) * es;
              tile<E>(ap + <usize>ir * ks * 4, bpp, ks, cp, ldc, mr, nr, add, tmp, scale, LA);
            }
          }
        }
      }
    }
  }
}
