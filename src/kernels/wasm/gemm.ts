// SPDX-License-Identifier: MIT
// GEMM wrappers: copy operands into linear memory, run the SIMD kernels (split over threads
// when a pool is running), copy C out. Integer C in Float64Array = "int32 could overflow":
// K is split into chunks whose int32 sums cannot wrap, and chunks are added in float64.

import type { GemmShape } from '../spec.js';
import type { IntArray } from '../../tensor/dtype.js';
import { refKernels } from '../ref/index.js';
import type { WasmContext } from './context.js';

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
interface Placed {
  a: number;
  esA: number;
  b: number;
  esB: number;
}

/**
 * Argument lists for `threads` slices of one GEMM C(M,N) += op(A) op(B) over depth K (A, B,
 * C may be sub-blocks, hence lda/ldb/ldc). Splits the longer of M and N at multiples of 8.
 */
function slices(
  ctx: WasmContext,
  fn: 'gemm_i16_i32acc' | 'gemm_f32',
  g: GemmShape,
  K: number,
  p: Placed,
  lda: number,
  ldb: number,
  c: number,
  ldc: number,
  acc: boolean,
  scratch: readonly number[],
): number[][] {
  const { M, N } = g;
  const ta = g.transA ? 1 : 0;
  const tb = g.transB ? 1 : 0;
  const pool = ctx.runner;
  const want = pool && M * N * K >= MIN_THREADED_MACS ? Math.min(pool.threads, scratch.length) : 1;
  const byN = N >= M;
  const len = byN ? N : M;
  const parts = Math.max(1, Math.min(want, Math.ceil(len / 8)));
  const step = Math.ceil(len / parts / 8) * 8;
  const out: number[][] = [];
  for (let s0 = 0; s0 < len; s0 += step) {
    const n = Math.min(step, len - s0);
    let a = p.a,
      b = p.b,
      cc = c,
      m = M,
      nn = N;
    if (byN) {
      nn = n;
      b += (tb ? s0 * ldb : s0) * p.esB;
      cc += s0 * 4;
    } else {
      m = n;
      a += (ta ? s0 : s0 * lda) * p.esA;
      cc += s0 * ldc * 4;
    }
    out.push(
      fn === 'gemm_f32'
        ? [m, nn, K, a, lda, ta, b, ldb, tb, cc, ldc, acc ? 1 : 0, scratch[out.length]]
        : [
            m,
            nn,
            K,
            a,
            p.esA,
            lda,
            ta,
            b,
            p.esB,
            ldb,
            tb,
            cc,
            ldc,
            acc ? 1 : 0,
            scratch[out.length],
          ],
    );
  }
  return out;
}

/** One packing scratch area per thread that may run a slice. */
function scratchAreas(ctx: WasmContext, fn: 'gemm_i16_i32acc' | 'gemm_f32'): number[] {
  const bytes =
    fn === 'gemm_f32' ? ctx.ex.gemm_f32_scratch_bytes() : ctx.ex.gemm_int_scratch_bytes();
  const n = ctx.runner ? ctx.runner.threads : 1;
  return Array.from({ length: n }, () => ctx.arena.alloc(bytes));
}

function run(ctx: WasmContext, fn: 'gemm_i16_i32acc' | 'gemm_f32', parts: number[][]): void {
  if (parts.length > 1 && ctx.runner) ctx.runner.run(fn, parts, (args) => ctx.ex[fn](...args));
  else for (const args of parts) ctx.ex[fn](...args);
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
  const p: Placed = { a: ar.copyIn(a, M * K), esA: 4, b: ar.copyIn(b, K * N), esB: 4 };
  const pc = g.accumulate ? ar.copyIn(c, M * N) : ar.outAt(c, M * N * 4);
  const lda = g.transA ? M : K;
  const ldb = g.transB ? K : N;
  const sc = scratchAreas(ctx, 'gemm_f32');
  run(ctx, 'gemm_f32', slices(ctx, 'gemm_f32', g, K, p, lda, ldb, pc, N, !!g.accumulate, sc));
  ar.get(pc, c, M * N, 4);
}

function elemBytes(x: IntArray): number {
  return x.BYTES_PER_ELEMENT;
}

/** max |x| over an int8/int16 operand already in memory at p. */
function maxAbsAt(ctx: WasmContext, p: number, es: number, n: number, tmp: number): number {
  ctx.ex.minmax(p, es === 1 ? 0 : 1, n, tmp);
  const [mn, mx] = ctx.arena.f64(tmp, 2);
  return Math.max(-mn, mx);
}

export function gemmInt(
  ctx: WasmContext,
  g: GemmShape,
  a: IntArray,
  b: IntArray,
  c: Int32Array | Float64Array,
): void {
  checkSizes('gemm_int', g, a, b, c);
  // int32-stored operands (e.g. 24-bit mantissas) have products past int32 and even 2^53:
  // the reference's float64 loop defines their result, so it runs them.
  if (a instanceof Int32Array || b instanceof Int32Array) return refKernels.gemm_int(g, a, b, c);
  for (const [x, name] of [
    [a, 'A'],
    [b, 'B'],
  ] as const) {
    if (!(x instanceof Int8Array || x instanceof Int16Array)) {
      throw new TypeError(
        `gemm_int: ${name} must be an Int8Array, Int16Array or Int32Array of mantissas`,
      );
    }
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
  const p: Placed = {
    a: ar.copyIn(a, M * K),
    esA: elemBytes(a),
    b: ar.copyIn(b, K * N),
    esB: elemBytes(b),
  };
  const lda = g.transA ? M : K;
  const ldb = g.transB ? K : N;
  const sc = scratchAreas(ctx, 'gemm_i16_i32acc');
  if (c instanceof Int32Array) {
    // The caller guarantees no overflow; int32 arithmetic wraps like an Int32Array store anyway.
    const pc = g.accumulate ? ar.copyIn(c, M * N) : ar.outAt(c, M * N * 4);
    run(
      ctx,
      'gemm_i16_i32acc',
      slices(ctx, 'gemm_i16_i32acc', g, K, p, lda, ldb, pc, N, !!g.accumulate, sc),
    );
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
    const q: Placed = {
      a: p.a + (g.transA ? k0 * M : k0) * p.esA,
      esA: p.esA,
      b: p.b + (g.transB ? k0 : k0 * N) * p.esB,
      esB: p.esB,
    };
    run(
      ctx,
      'gemm_i16_i32acc',
      slices(ctx, 'gemm_i16_i32acc', g, kn, q, lda, ldb, p32, N, false, sc),
    );
    ctx.ex.add_i32_to_f64(p64, p32, M * N);
  }
  ar.get(p64, c, M * N, 8);
}
