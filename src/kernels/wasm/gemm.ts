// SPDX-License-Identifier: MIT
// GEMM wrappers: copy operands into linear memory, run the SIMD kernels (split over threads
// when a pool is running), copy C out. Integer GEMMs run on a route (auto, blocked, small-M,
// dot; see assembly/gemm_int.ts). Integer C in Float64Array = "int32 could overflow": the
// exact wide kernel (gemm-wide.ts).

import type { GemmShape } from '../spec.js';
import type { IntArray } from '../../tensor/dtype.js';
import { refKernels } from '../ref/index.js';
import type { WasmContext } from './context.js';
import type {
  GemmDotArgs,
  GemmF32Args,
  GemmIntArgs,
  GemmSmallMArgs,
  OperandBytes,
} from './exports.js';
import { flag, partition, runParts, scratchAreas, type Placed } from './gemm-split.js';
import { runWide } from './gemm-wide.js';

function checkSizes(
  kind: string,
  g: GemmShape,
  a: { length: number },
  b: { length: number },
  c: { length: number },
): void {
  const { M, N, K } = g;
  for (const [v, name] of [
    [M, 'M'],
    [N, 'N'],
    [K, 'K'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${kind}: ${name}=${v} must be an integer >= 0`);
  }
  const shapeA = g.transA ? `(${K},${M})` : `(${M},${K})`;
  const shapeB = g.transB ? `(${N},${K})` : `(${K},${N})`;
  if (a.length < M * K)
    throw new RangeError(`${kind}: A ${shapeA} needs ${M * K} elements, got ${a.length}`);
  if (b.length < K * N)
    throw new RangeError(`${kind}: B ${shapeB} needs ${K * N} elements, got ${b.length}`);
  if (c.length < M * N)
    throw new RangeError(`${kind}: C (${M},${N}) needs ${M * N} elements, got ${c.length}`);
}

/** A route of the integer GEMM: `auto` lets the kernel choose by shape. */
export type GemmRoute = 'auto' | 'blocked' | 'smallm' | 'dot';
export const GEMM_ROUTES: readonly GemmRoute[] = ['auto', 'blocked', 'smallm', 'dot'];

/** Throws when `route` cannot take this layout (the dot and small-M routes read rows in place). */
function checkRoute(route: GemmRoute, g: GemmShape): void {
  if (route === 'dot' && (g.transA || !g.transB))
    throw new RangeError('gemm_int route dot computes A B^T: it needs transA=false, transB=true');
  if (route === 'smallm' && (g.transA || g.transB))
    throw new RangeError('gemm_int route smallm computes A B: it needs transA=false, transB=false');
}

/**
 * int32 C (at c, row stride ldc) (+)= op(A) op(B) over depth K on `route`, split over threads.
 * `scratch` has one area per thread.
 */
export function runInt(
  ctx: WasmContext,
  route: GemmRoute,
  g: GemmShape,
  K: number,
  p: Placed<OperandBytes>,
  c: number,
  ldc: number,
  acc: boolean,
  scratch: readonly number[],
): void {
  const parts = partition(ctx, g, K, p, c, ldc, scratch.length);
  const ac = flag(acc);
  const { esA, lda, esB, ldb } = p;
  if (route === 'dot') {
    const args = parts.map((q): GemmDotArgs => [
      q.m,
      q.n,
      K,
      q.a,
      esA,
      lda,
      q.b,
      esB,
      ldb,
      q.c,
      ldc,
      ac,
    ]);
    runParts(ctx, 'gemm_i16_i32acc__dot', args, (x) => ctx.ex.gemm_i16_i32acc__dot(...x));
  } else if (route === 'smallm') {
    const args = parts.map((q, i): GemmSmallMArgs => [
      q.m,
      q.n,
      K,
      q.a,
      esA,
      lda,
      q.b,
      esB,
      ldb,
      q.c,
      ldc,
      ac,
      scratch[i],
    ]);
    runParts(ctx, 'gemm_i16_i32acc__smallm', args, (x) => ctx.ex.gemm_i16_i32acc__smallm(...x));
  } else {
    const ta = flag(g.transA);
    const tb = flag(g.transB);
    const args = parts.map((q, i): GemmIntArgs => [
      q.m,
      q.n,
      K,
      q.a,
      esA,
      lda,
      ta,
      q.b,
      esB,
      ldb,
      tb,
      q.c,
      ldc,
      ac,
      scratch[i],
    ]);
    const fn = route === 'blocked' ? 'gemm_i16_i32acc__blocked' : 'gemm_i16_i32acc';
    runParts(ctx, fn, args, (x) => ctx.ex[fn](...x));
  }
}

export function gemmF32(
  ctx: WasmContext,
  g: GemmShape,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  checkSizes('gemm_f32', g, a, b, c);
  const { M, N, K } = g;
  if (M === 0 || N === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const p: Placed = {
    a: ar.copyIn(a, M * K),
    esA: 4,
    lda: g.transA ? M : K,
    b: ar.copyIn(b, K * N),
    esB: 4,
    ldb: g.transB ? K : N,
  };
  const pc = g.accumulate ? ar.copyIn(c, M * N) : ar.outAt(c, M * N * 4);
  const sc = scratchAreas(ctx, ctx.ex.gemm_f32_scratch_bytes());
  const [ta, tb, ac] = [flag(g.transA), flag(g.transB), flag(g.accumulate)];
  const args = partition(ctx, g, K, p, pc, N, sc.length).map((q, i): GemmF32Args => [
    q.m,
    q.n,
    K,
    q.a,
    p.lda,
    ta,
    q.b,
    p.ldb,
    tb,
    q.c,
    N,
    ac,
    sc[i],
  ]);
  runParts(ctx, 'gemm_f32', args, (x) => ctx.ex.gemm_f32(...x));
  ar.get(pc, c, M * N, 4);
}

/** Element bytes of a narrow integer operand (checked by the caller). */
function operandBytes(x: Int8Array | Int16Array): OperandBytes {
  return x instanceof Int8Array ? 1 : 2;
}

/**
 * Integer GEMM on `route` (`auto`: the kernel picks dot, small-M or blocked by shape). With an
 * Int32Array C the caller guarantees that int32 cannot overflow (see ops/intgemm.ts); with a
 * Float64Array C the sums are exact (gemm-wide.ts: chunked int32 sums added in float64 inside
 * the kernel, limbs for wide operands; that kernel is blocked whatever the route).
 */
export function gemmInt(
  ctx: WasmContext,
  g: GemmShape,
  a: IntArray,
  b: IntArray,
  c: Int32Array | Float64Array,
  route: GemmRoute = 'auto',
): void {
  checkSizes('gemm_int', g, a, b, c);
  checkRoute(route, g);
  for (const [x, name] of [
    [a, 'A'],
    [b, 'B'],
  ] as const) {
    if (!(x instanceof Int8Array || x instanceof Int16Array || x instanceof Int32Array))
      throw new TypeError(
        `gemm_int: ${name} must be an Int8Array, Int16Array or Int32Array of mantissas`,
      );
  }
  if (!(c instanceof Int32Array || c instanceof Float64Array)) {
    throw new TypeError(
      'gemm_int: C must be an Int32Array, or a Float64Array where int32 could overflow',
    );
  }
  const { M, N, K } = g;
  if (M === 0 || N === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pa = ar.copyIn(a, M * K);
  const pb = ar.copyIn(b, K * N);
  if (c instanceof Float64Array || a instanceof Int32Array || b instanceof Int32Array) {
    // Exact float64 sums; an Int32Array C of int32-stored operands takes them converted (the
    // caller bounded them below 2^31).
    const acc = !!g.accumulate;
    const p64 = c instanceof Float64Array && acc ? ar.copyIn(c, M * N) : ar.alloc(M * N * 8);
    if (c instanceof Int32Array && acc) ar.f64(p64, M * N).set(c.subarray(0, M * N));
    if (!runWide(ctx, g, a, pa, b, pb, p64, acc)) return refKernels.gemm_int(g, a, b, c);
    if (c instanceof Float64Array) ar.get(p64, c, M * N, 8);
    else c.set(ar.f64(p64, M * N));
    return;
  }
  const p: Placed<OperandBytes> = {
    a: pa,
    esA: operandBytes(a),
    lda: g.transA ? M : K,
    b: pb,
    esB: operandBytes(b),
    ldb: g.transB ? K : N,
  };
  const scratchBytes = Math.max(
    ctx.ex.gemm_int_scratch_bytes(),
    route === 'smallm' ? ctx.ex.gemm_smallm_scratch_bytes(K) : 0,
  );
  const sc = scratchAreas(ctx, scratchBytes);
  const pc = g.accumulate ? ar.copyIn(c, M * N) : ar.outAt(c, M * N * 4);
  runInt(ctx, route, g, K, p, pc, N, !!g.accumulate, sc);
  ar.get(pc, c, M * N, 4);
}
