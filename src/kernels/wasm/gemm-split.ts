// SPDX-License-Identifier: MIT
// Splitting a GEMM into slices for the worker threads: each slice owns a block of C (rows or
// columns, at multiples of 8), so the result is the same for every thread count.

import type { GemmShape } from '../spec.js';
import type { WasmContext } from './context.js';
import type { ArgsOf, Flag } from './exports.js';
import type { ThreadedFn } from './thread-protocol.js';

/** Below this many multiply-adds a GEMM stays on the calling thread. */
export const MIN_THREADED_MACS = 1 << 21;

/** Operands placed in linear memory: addresses, element bytes, row strides. */
export interface Placed<E extends number = number> {
  a: number;
  esA: E;
  lda: number;
  b: number;
  esB: E;
  ldb: number;
}

/** One slice of a GEMM: rows m, columns n, and where its A, B and C start. */
export interface Part {
  m: number;
  n: number;
  a: number;
  b: number;
  c: number;
}

/**
 * `threads` slices of one GEMM C(M,N) (+)= op(A) op(B) over depth K (A, B, C may be sub-blocks,
 * hence lda/ldb/ldc; C has esC-byte elements): splits the longer of M and N at multiples of 8.
 */
export function partition(
  ctx: WasmContext,
  g: GemmShape,
  K: number,
  p: Placed,
  c: number,
  ldc: number,
  threads: number,
  esC = 4,
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
        c: c + s0 * esC,
      });
    else
      out.push({
        m: n,
        n: N,
        a: p.a + (g.transA ? s0 : s0 * p.lda) * p.esA,
        b: p.b,
        c: c + s0 * ldc * esC,
      });
  }
  return out;
}

export function flag(x: boolean | undefined): Flag {
  return x ? 1 : 0;
}

/** One packing scratch area per thread that may run a slice (`bytes` each). */
export function scratchAreas(ctx: WasmContext, bytes: number): number[] {
  const n = ctx.runner ? ctx.runner.threads : 1;
  return Array.from({ length: n }, () => ctx.arena.alloc(bytes));
}

/** Runs the slices of a threaded export: on the pool when there is more than one. */
export function runParts<F extends ThreadedFn>(
  ctx: WasmContext,
  fn: F,
  parts: readonly ArgsOf<F>[],
  call: (args: ArgsOf<F>) => void,
): void {
  if (parts.length > 1 && ctx.runner) ctx.runner.run(fn, parts, call);
  else for (const args of parts) call(args);
}
