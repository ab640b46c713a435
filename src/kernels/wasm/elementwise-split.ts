// SPDX-License-Identifier: MIT
// Element-wise kernels (quantize, requantize, flag quantize, min/max) on the worker threads:
// [0, n) is cut into one contiguous range per thread, each range writes its own outputs and
// its own [saturated, underflow] counts or [min, max] pair, and the calling thread combines
// them (sums of counts, min of mins, max of maxes), so every thread count gives the
// single-threaded result exactly. Stochastic rounding starts each range at the generator
// state the sequential pass would have there (quant/rng-jump.ts).

import type { WasmContext } from './context.js';

/** Below this many elements an element-wise kernel stays on the calling thread. */
export const MIN_THREADED_ELEMS = 1 << 16;

/** Ranges start at multiples of this many elements (whole SIMD vectors and cache lines). */
const ALIGN = 64;

/** One range of an element-wise kernel: elements [start, start + count). */
export interface Range {
  start: number;
  count: number;
}

/** The ranges n elements run as: one when there is no pool or n is small. */
export function elementRanges(ctx: WasmContext, n: number): Range[] {
  const threads = ctx.runner && n >= MIN_THREADED_ELEMS ? ctx.runner.threads : 1;
  if (threads <= 1) return [{ start: 0, count: n }];
  const step = Math.ceil(n / threads / ALIGN) * ALIGN;
  const out: Range[] = [];
  for (let s = 0; s < n; s += step) out.push({ start: s, count: Math.min(step, n - s) });
  return out;
}

/** Sums the per-range [saturated, underflow] int32 pairs stored from `ps` on. */
export function sumCounts(ctx: WasmContext, ps: number, ranges: number): [number, number] {
  const counts = new Int32Array(2 * ranges);
  ctx.arena.get(ps, counts, 2 * ranges, 4);
  let sat = 0;
  let und = 0;
  for (let i = 0; i < ranges; i++) {
    sat += counts[2 * i];
    und += counts[2 * i + 1];
  }
  return [sat, und];
}

/**
 * Ranges of the batch dimension of an (N, C, R) tensor, for kernels that treat each sample
 * alone (BatchNorm's affine forward and backward) or whose per-range sums combine exactly.
 */
export function batchRanges(ctx: WasmContext, N: number, perSample: number): Range[] {
  const threads = ctx.runner && N * perSample >= MIN_THREADED_ELEMS ? ctx.runner.threads : 1;
  const step = Math.ceil(N / Math.max(1, Math.min(threads, N)));
  const out: Range[] = [];
  for (let s = 0; s < N; s += step) out.push({ start: s, count: Math.min(step, N - s) });
  return out.length ? out : [{ start: 0, count: N }];
}
