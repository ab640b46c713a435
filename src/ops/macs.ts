// SPDX-License-Identifier: MIT
// MAC counters: with counting on, every GEMM and convolution pass adds its multiply-accumulates
// under its operand storage types (`i8xi8`, `f32xf32`, ...; see nn/cost.ts macKey) as it runs,
// so a test can hold the cost model (Layer.cost) to what a real training step does. A
// convolution counts the MACs of the direct product it computes, whichever route (im2col +
// GEMM or Winograd) runs it. Off by default: then each pass pays one null check.

import type { AnyArray } from '../kernels/spec.js';

/** MACs counted so far, by operand pair. */
export class MacCounter {
  readonly macs: Record<string, number> = {};
}

let active: MacCounter | null = null;

/**
 * Starts counting into a fresh counter (returned); `stopCountingMacs` ends it. One counter at a
 * time per thread: counting is for tests and tools, not for concurrent runs.
 */
export function startCountingMacs(): MacCounter {
  active = new MacCounter();
  return active;
}

export function stopCountingMacs(): void {
  active = null;
}

function operandOf(a: AnyArray): string {
  if (a instanceof Int8Array) return 'i8';
  if (a instanceof Int16Array) return 'i16';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Float32Array) return 'f32';
  return 'f64';
}

const RANK: Record<string, number> = { i8: 0, i16: 1, i32: 2, f32: 3, f64: 4 };

/** Adds `n` MACs of operands a x b (a no-op unless counting). */
export function countMacs(a: AnyArray, b: AnyArray, n: number): void {
  const c = active;
  if (c === null) return;
  const x = operandOf(a);
  const y = operandOf(b);
  const key = RANK[x] <= RANK[y] ? `${x}x${y}` : `${y}x${x}`;
  c.macs[key] = (c.macs[key] ?? 0) + n;
}
