// SPDX-License-Identifier: MIT
// A per-kernel profiler for training steps: it replaces every function of a Kernels object
// (the one the layers call) with a wrapper that counts calls and wall-clock milliseconds, and
// puts the originals back on uninstall. Only the outermost kernel call counts (a kernel that
// calls another through the table is timed once). For the native backend it also says which
// kernels run in the addon and which fall back to the wasm kernels (the same function object).

import type { Kernels } from '../src/kernels/spec.js';

export interface KernelTime {
  calls: number;
  ms: number;
  /** native backend only: `addon` (C++) or the fallback backend's name (`wasm`). */
  on?: string;
}

type AnyFn = (...args: unknown[]) => unknown;

/** Table entries that are not kernels (configuration and description). */
const NOT_KERNELS = new Set(['setThreads', 'describe', 'stepArray']);

export class KernelTimer {
  private totals = new Map<string, { calls: number; ms: number }>();
  private readonly originals = new Map<string, AnyFn>();
  private depth = 0;

  /**
   * Wraps the kernels of `k` in place. `base`: the kernels a composite backend falls back to
   * (native -> wasm); a function shared with it is marked as running there.
   */
  constructor(
    private readonly k: Kernels,
    private readonly base: Kernels | null = null,
  ) {
    const table = k as unknown as Record<string, unknown>;
    for (const [name, f] of Object.entries(table)) {
      if (typeof f !== 'function' || NOT_KERNELS.has(name)) continue;
      const fn = f as AnyFn;
      this.originals.set(name, fn);
      table[name] = (...args: unknown[]): unknown => {
        if (this.depth > 0) return fn.apply(k, args);
        this.depth++;
        const t = performance.now();
        try {
          return fn.apply(k, args);
        } finally {
          const ms = performance.now() - t;
          this.depth--;
          const e = this.totals.get(name);
          if (e) {
            e.calls++;
            e.ms += ms;
          } else this.totals.set(name, { calls: 1, ms });
        }
      };
    }
  }

  /** Zeroes the totals (e.g. after warm-up steps). */
  reset(): void {
    this.totals = new Map();
  }

  /** Calls and milliseconds per kernel since the last reset. */
  times(): Record<string, KernelTime> {
    const out: Record<string, KernelTime> = {};
    for (const [name, t] of this.totals) {
      const own = this.originals.get(name);
      const shared = this.base && own === (this.base as unknown as Record<string, unknown>)[name];
      out[name] = {
        ...t,
        ...(this.base ? { on: shared ? this.base.name : 'addon' } : {}),
      };
    }
    return out;
  }

  /** Restores the original functions. */
  uninstall(): void {
    const table = this.k as unknown as Record<string, unknown>;
    for (const [name, f] of this.originals) table[name] = f;
    this.originals.clear();
  }
}
