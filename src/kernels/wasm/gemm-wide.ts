// SPDX-License-Identifier: MIT
// The exact wide integer GEMM (assembly/gemm_wide.ts): C (M,N) f64 (+)= op(A) op(B) for int8,
// int16 and int32-stored operands whose sums may pass int32. planWide picks, from max |a| and
// max |b|, how many 8-bit limbs each operand is packed in and the longest K chunk whose int32
// sums cannot overflow; the kernel adds each chunk's sums into C in float64.

import type { GemmShape } from '../spec.js';
import { INT32_MAX, type IntArray } from '../../tensor/dtype.js';
import { elemKind, KIND_I16, KIND_I32, KIND_I8 } from './codes.js';
import type { WasmContext } from './context.js';
import type { GemmWideArgs, GemmWideDotArgs, OperandBytes, WideKind } from './exports.js';
import { flag, partition, runParts, scratchAreas, type Placed } from './gemm-split.js';

/** Most limbs per operand: four bytes cover int32. */
const MAX_LIMBS = 4;
/** Depth from which A B^T takes the dot route (gemm_wide_dot.ts), and its shortest run. */
const DOT_MIN_K = 1024;
const DOT_MIN_RUN = 64;
/** Split an operand further while the chunk is shorter than this (and than K). */
const MIN_CHUNK = 64;

export interface WidePlan {
  readonly limbsA: number;
  readonly limbsB: number;
  /** Most k per int32 sum: chunk * max|limb a| * max|limb b| <= 2^31 - 1. */
  readonly chunk: number;
}

/** Largest |limb| of values up to `max` in L limbs: low limbs are bytes, the top keeps the rest. */
export function limbMax(max: number, L: number): number {
  if (L === 1) return max;
  return Math.max(255, Math.ceil(max / 2 ** (8 * (L - 1))));
}

/** Fewest limbs whose top limb fits int16 (the packed lane); int8/int16 storage always does. */
function minLimbs(max: number, kind: WideKind): number {
  if (kind !== KIND_I32) return 1;
  let L = 1;
  // Values in [-max, max]: the top limb floor(v / 2^s) fits [-32768, 32767] iff max < 2^(15+s).
  while (L < MAX_LIMBS && max > 2 ** (15 + 8 * (L - 1)) - 1) L++;
  return L;
}

/**
 * Limbs per operand and the chunk depth for a K-deep product of values up to maxA and maxB:
 * the fewest limbs that fit int16, split further (the operand with the larger limb first)
 * while the chunk stays under MIN_CHUNK and K. Work grows as limbsA * limbsB.
 */
export function planWide(
  K: number,
  maxA: number,
  maxB: number,
  kindA: WideKind = KIND_I16,
  kindB: WideKind = KIND_I16,
): WidePlan {
  let LA = minLimbs(maxA, kindA);
  let LB = minLimbs(maxB, kindB);
  const chunkOf = (la: number, lb: number) => {
    const p = limbMax(maxA, la) * limbMax(maxB, lb);
    return p === 0 ? Math.max(1, K) : Math.max(1, Math.floor(INT32_MAX / p));
  };
  let chunk = chunkOf(LA, LB);
  while (chunk < Math.min(MIN_CHUNK, K) && (LA < MAX_LIMBS || LB < MAX_LIMBS)) {
    const splitA = LB >= MAX_LIMBS || (LA < MAX_LIMBS && limbMax(maxA, LA) >= limbMax(maxB, LB));
    if (splitA) LA++;
    else LB++;
    chunk = chunkOf(LA, LB);
  }
  // A's limbs share its panels (MR = 4 rows): 3 limbs of A are packed as 4.
  if (LA === 3) chunk = chunkOf((LA = 4), LB);
  return { limbsA: LA, limbsB: LB, chunk: Math.min(chunk, Math.max(1, K)) };
}

function wideKind(x: IntArray): WideKind {
  const k = elemKind(x);
  if (k === KIND_I8 || k === KIND_I16 || k === KIND_I32) return k;
  throw new TypeError('gemm_int: operands must be Int8Array, Int16Array or Int32Array');
}

/** max |x| of an operand already in linear memory at p. */
function maxAbsAt(ctx: WasmContext, p: number, kind: WideKind, n: number): number {
  const tmp = ctx.arena.alloc(16);
  ctx.ex.minmax(p, kind, n, tmp);
  const [mn, mx] = ctx.arena.f64(tmp, 2);
  return Math.max(-mn, mx, 0);
}

/**
 * C (M,N) f64 at `c` (+)= op(A) op(B), exact, with A and B already in linear memory. Returns
 * false (nothing done) when K * max|a| * max|b| passes 2^53: there float64 sums are not
 * exact, and the reference's float64 loop defines the result.
 */
export function runWide(
  ctx: WasmContext,
  g: GemmShape,
  a: IntArray,
  pa: number,
  b: IntArray,
  pb: number,
  c: number,
  accumulate: boolean,
): boolean {
  const { M, N, K } = g;
  const kindA = wideKind(a);
  const kindB = wideKind(b);
  // int8/int16 operands plan from their type's range (no scan: the chunks are as long), unless
  // that would leave the exact float64 domain; int32-stored ones from their values.
  const typeMax = (kind: WideKind) => (kind === KIND_I8 ? 128 : kind === KIND_I16 ? 32768 : 0);
  const byType =
    kindA !== KIND_I32 && kindB !== KIND_I32 && K * typeMax(kindA) * typeMax(kindB) <= 2 ** 53;
  let maxA = byType ? typeMax(kindA) : maxAbsAt(ctx, pa, kindA, M * K);
  let maxB = byType ? typeMax(kindB) : maxAbsAt(ctx, pb, kindB, K * N);
  let plan = planWide(K, maxA, maxB, kindA, kindB);
  if (byType && plan.limbsA * plan.limbsB > 1) {
    // int16 by type needs a second limb (chunks of 257 at 32768 x 32768), but the values are
    // often far smaller (a WAGEUBN weight gradient: |e| < 2^14, |x| < 2^11): one limb and
    // chunks of ~100 then, half the multiplies for a min/max pass over each operand.
    maxA = maxAbsAt(ctx, pa, kindA, M * K);
    maxB = maxAbsAt(ctx, pb, kindB, K * N);
    plan = planWide(K, maxA, maxB, kindA, kindB);
  }
  if (K * maxA * maxB > 2 ** 53) return false;
  if (K === 0 || maxA === 0 || maxB === 0) {
    if (!accumulate) ctx.arena.zero(c, M * N * 8);
    return true;
  }
  const p: Placed = {
    a: pa,
    esA: a.BYTES_PER_ELEMENT,
    lda: g.transA ? M : K,
    b: pb,
    esB: b.BYTES_PER_ELEMENT,
    ldb: g.transB ? K : N,
  };
  // A B^T over a long depth: rows read in place, int32 lane sums of up to `run` k (each lane
  // takes run / 4 products) added in float64; no packing, no limbs, no short chunks.
  const run = Math.floor((4 * INT32_MAX) / (maxA * maxB) / 8) * 8;
  if (
    !g.transA &&
    g.transB &&
    K >= DOT_MIN_K &&
    run >= DOT_MIN_RUN &&
    kindA !== KIND_I32 &&
    kindB !== KIND_I32
  ) {
    const ac = flag(accumulate);
    const [esA, esB] = [p.esA as OperandBytes, p.esB as OperandBytes]; // int8 or int16 here
    const args = partition(ctx, g, K, p, c, N, ctx.runner ? ctx.runner.threads : 1, 8).map(
      (q): GemmWideDotArgs => [q.m, q.n, K, q.a, esA, p.lda, q.b, esB, p.ldb, q.c, N, ac, run],
    );
    runParts(ctx, 'gemm_i16_f64acc__dot', args, (x) => ctx.ex.gemm_i16_f64acc__dot(...x));
    return true;
  }
  const sc = scratchAreas(ctx, ctx.ex.gemm_int_scratch_bytes());
  const [ta, tb] = [flag(g.transA), flag(g.transB)];
  const args = partition(ctx, g, K, p, c, N, sc.length, 8).map((q, i): GemmWideArgs => [
    q.m,
    q.n,
    K,
    q.a,
    kindA,
    p.lda,
    ta,
    q.b,
    kindB,
    p.ldb,
    tb,
    q.c,
    N,
    flag(accumulate),
    sc[i],
    plan.chunk,
    plan.limbsA,
    plan.limbsB,
  ]);
  runParts(ctx, 'gemm_i16_f64acc', args, (x) => ctx.ex.gemm_i16_f64acc(...x));
  return true;
}
