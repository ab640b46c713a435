// SPDX-License-Identifier: MIT
// GEMM wrappers: copy operands into linear memory, run the SIMD kernels (split over threads
// when a pool is running), copy C out. Integer GEMMs run on a route (auto, blocked, small-M,
// dot; see assembly/gemm_int.ts). Integer C in Float64Array = "int32 could overflow": K is
// split into chunks whose int32 sums cannot wrap, and chunks are added in float64.

import type { GemmShape } from '../spec.js';
import type { IntArray } from '../../tensor/dtype.js';
import { refKernels } from '../ref/index.js';
import { KIND_I16, KIND_I8 } from './codes.js';
import type { WasmContext } from './context.js';
import type {
  ArgsOf,
  Flag,
  GemmDotArgs,
  GemmF32Args,
  GemmIntArgs,
  GemmSmallMArgs,
  OperandBytes,
} from './exports.js';
import type { ThreadedFn } from './thread-protocol.js';

const INT32_LIMIT = 2 ** 31;
/** Below this many multiply-adds a GEMM stays on the calling thread. */
const MIN_THREADED_MACS = 1 << 21;

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

/** Operands placed in linear memory: addresses, element bytes, row strides. */
interface Placed<E extends number = number> {
  a: number;
  esA: E;
  lda: number;
  b: number;
  esB: E;
  ldb: number;
}

/** One slice of a GEMM: rows m, columns n, and where its A, B and C start. */
interface Part {
  m: number;
  n: number;
  a: number;
  b: number;
  c: number;
}

/**
 * `threads` slices of one GEMM C(M,N) (+)= op(A) op(B) over depth K (A, B, C may be sub-blocks,
 * hence lda/ldb/ldc; C has 4-byte elements): splits the longer of M and N at multiples of 8.
 */
function partition(
  ctx: WasmContext,
  g: GemmShape,
  K: number,
  p: Placed,
  c: number,
  ldc: number,
  threads: number,
): Part[] {
  const { M, N } = g;
  const pool = ctx.runner;
  const want = pool && M * N * K >= MIN_THREADED_MACS ? Math.min(pool.threads, threads) : 1;
  const byN = N >= M;
  const len = byN ? N : M;
  const parts = Math.max(1, Math.min(want, Math.ceil(len / 8)));
  const step = Math.ceil(len / parts / 8) * 8;
  const out: Part[] = [];
  for (let s0 = 0; s0 < len; s0 += step) {
    const n = Math.min(step, len - s0);
    if (byN)
      out.push({
        m: M,
        n,
        a: p.a,
        b: p.b + (g.transB ? s0 * p.ldb : s0) * p.esB,
        c: c + s0 * 4,
      });
    else
      out.push({
        m: n,
        n: N,
        a: p.a + (g.transA ? s0 : s0 * p.lda) * p.esA,
        b: p.b,
        c: c + s0 * ldc * 4,
      });
  }
  return out;
}

function flag(x: boolean | undefined): Flag {
  return x ? 1 : 0;
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

/** One packing scratch area per thread that may run a slice (`bytes` each). */
function scratchAreas(ctx: WasmContext, bytes: number): number[] {
  const n = ctx.runner ? ctx.runner.threads : 1;
  return Array.from({ length: n }, () => ctx.arena.alloc(bytes));
}

/** Runs the slices of a threaded export: on the pool when there is more than one. */
function runParts<F extends ThreadedFn>(
  ctx: WasmContext,
  fn: F,
  parts: readonly ArgsOf<F>[],
  call: (args: ArgsOf<F>) => void,
): void {
  if (parts.length > 1 && ctx.runner) ctx.runner.run(fn, parts, call);
  else for (const args of parts) call(args);
}

/**
 * int32 C (at c, row stride ldc) (+)= op(A) op(B) over depth K on `route`, split over threads.
 * `scratch` has one area per thread.
 */
function runInt(
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

/** max |x| over an int8/int16 operand already in memory at p. */
function maxAbsAt(ctx: WasmContext, p: number, es: OperandBytes, n: number, tmp: number): number {
  ctx.ex.minmax(p, es === 1 ? KIND_I8 : KIND_I16, n, tmp);
  const [mn, mx] = ctx.arena.f64(tmp, 2);
  return Math.max(-mn, mx);
}

/**
 * Integer GEMM on `route` (`auto`: the kernel picks dot, small-M or blocked by shape). With an
 * Int32Array C the caller guarantees that int32 cannot overflow (see ops/intgemm.ts); with a
 * Float64Array C the sums are exact: K is split into chunks whose int32 sums cannot overflow.
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
  // int32-stored operands (e.g. 24-bit mantissas) have products past int32 and even 2^53:
  // the reference's float64 loop defines their result, so it runs them.
  if (a instanceof Int32Array || b instanceof Int32Array) return refKernels.gemm_int(g, a, b, c);
  if (!(a instanceof Int8Array || a instanceof Int16Array))
    throw new TypeError('gemm_int: A must be an Int8Array, Int16Array or Int32Array of mantissas');
  if (!(b instanceof Int8Array || b instanceof Int16Array))
    throw new TypeError('gemm_int: B must be an Int8Array, Int16Array or Int32Array of mantissas');
  if (!(c instanceof Int32Array || c instanceof Float64Array)) {
    throw new TypeError(
      'gemm_int: C must be an Int32Array, or a Float64Array where int32 could overflow',
    );
  }
  const { M, N, K } = g;
  if (M === 0 || N === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const p: Placed<OperandBytes> = {
    a: ar.copyIn(a, M * K),
    esA: operandBytes(a),
    lda: g.transA ? M : K,
    b: ar.copyIn(b, K * N),
    esB: operandBytes(b),
    ldb: g.transB ? K : N,
  };
  const scratchBytes = Math.max(
    ctx.ex.gemm_int_scratch_bytes(),
    route === 'smallm' ? ctx.ex.gemm_smallm_scratch_bytes(K) : 0,
  );
  const sc = scratchAreas(ctx, scratchBytes);
  if (c instanceof Int32Array) {
    const pc = g.accumulate ? ar.copyIn(c, M * N) : ar.outAt(c, M * N * 4);
    runInt(ctx, route, g, K, p, pc, N, !!g.accumulate, sc);
    ar.get(pc, c, M * N, 4);
    return;
  }
  // Float64Array C: exact sums. Chunk depth kc with kc * max|a| * max|b| < 2^31.
  const tmp = ar.alloc(16);
  const bound = maxAbsAt(ctx, p.a, p.esA, M * K, tmp) * maxAbsAt(ctx, p.b, p.esB, K * N, tmp);
  const p64 = g.accumulate ? ar.copyIn(c, M * N) : ar.outAt(c, M * N * 8);
  if (!g.accumulate) ar.zero(p64, M * N * 8);
  const p32 = ar.alloc(M * N * 4);
  const kc = bound === 0 ? K : Math.max(1, Math.min(K, Math.floor((INT32_LIMIT - 1) / bound)));
  for (let k0 = 0; k0 < K && bound !== 0; k0 += kc) {
    const kn = Math.min(kc, K - k0);
    // Sub-block of depth k0..k0+kn: A columns (or rows when transA), B rows (or columns).
    const q: Placed<OperandBytes> = {
      ...p,
      a: p.a + (g.transA ? k0 * M : k0) * p.esA,
      b: p.b + (g.transB ? k0 : k0 * N) * p.esB,
    };
    runInt(ctx, route, g, kn, q, p32, N, false, sc);
    ctx.ex.add_i32_to_f64(p64, p32, M * N);
  }
  ar.get(p64, c, M * N, 8);
}
