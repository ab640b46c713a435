// SPDX-License-Identifier: MIT
// The one per-kernel profiler of training steps (the step-profile and kernel-profile benches):
// it replaces every function of a Kernels object (the one the layers call) with a wrapper that
// counts calls, exclusive wall-clock milliseconds (a kernel that calls another through the
// table is charged only its own time) and round trips to the worker threads, and puts the
// originals back on uninstall. For the native backend it also says which kernels run in the
// addon and which fall back to the wasm kernels (the same function object).

import type { Kernels } from '../src/kernels/spec.js';
import { poolStats } from '../src/kernels/wasm/threads.js';
import { nativePoolStats } from '../src/kernels/native/index.js';

export interface KernelTime {
  calls: number;
  /** Exclusive ms (the time of kernels it called through the table is theirs). */
  ms: number;
  /** Round trips to the worker threads (0: the kernel ran on the calling thread only); native:
   * runs split into several tasks (at 1 thread too, while the addon's pool counts). */
  runs: number;
  /** native: exclusive ms inside runs split into several tasks (the part threads can share). */
  splitMs?: number;
  /** native backend only: `addon` (C++) or the fallback backend's name (`wasm`). */
  on?: string;
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * LOWBIT_PROFILE_SHAPES=1: each kernel's row is split per argument shapes and dtypes (e.g.
 * `gemm_int 16x2048x576 tB i16.i8>f64`), to see which calls of a kernel cost what.
 */
const BY_SHAPE = typeof process !== 'undefined' && process.env.LOWBIT_PROFILE_SHAPES === '1';

const DTYPE: [new (n: number) => ArrayBufferView, string][] = [
  [Int8Array, 'i8'],
  [Int16Array, 'i16'],
  [Int32Array, 'i32'],
  [Float32Array, 'f32'],
  [Float64Array, 'f64'],
  [Uint8Array, 'u8'],
];

/** A short description of a kernel call's arguments: a GEMM shape, then typed-array dtypes. */
function describe(args: unknown[]): string {
  const parts: string[] = [];
  const types: string[] = [];
  for (const a of args) {
    if (ArrayBuffer.isView(a)) {
      const t = DTYPE.find(([c]) => a instanceof c);
      types.push(t ? t[1] : '?');
    } else if (a && typeof a === 'object') {
      const o = a as Record<string, unknown>;
      if (typeof o.M === 'number' && typeof o.K === 'number') {
        parts.push(
          `${String(o.M)}x${String(o.N)}x${String(o.K)}` +
            `${o.transA ? ' tA' : ''}${o.transB ? ' tB' : ''}`,
        );
      } else if (typeof o.N === 'number' && typeof o.C === 'number') {
        parts.push(
          `N${String(o.N)} C${String(o.C)} H${String(o.H)} k${String(o.KH)} s${String(o.strideH)}`,
        );
      }
    } else if (typeof a === 'number' && parts.length === 0 && types.length === 0) {
      parts.push(String(a));
    }
  }
  return [...parts, types.join('.')].filter(Boolean).join(' ');
}

/** Table entries that are not kernels (configuration and description). */
const NOT_KERNELS = new Set([
  'setThreads',
  'describe',
  'stepArray',
  'preferWinograd',
  'preferInputGradAsConvF32',
]);

/** Round trips (wasm pool plus the addon's split runs) and the addon's split ns so far. */
function counters(): [number, number] {
  const n = nativePoolStats();
  return [poolStats().runs + (n?.split ?? 0), n?.splitNs ?? 0];
}

export class KernelTimer {
  private totals = new Map<string, { calls: number; ms: number; runs: number; splitMs: number }>();
  private readonly originals = new Map<string, AnyFn>();
  /** Per open kernel call: [ms, round trips, split ms] of the kernels it called. */
  private readonly stack: [number, number, number][] = [];

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
        const key = BY_SHAPE ? `${name} ${describe(args)}` : name;
        const t = performance.now();
        const [r, sNs] = counters();
        this.stack.push([0, 0, 0]);
        try {
          return fn.apply(k, args);
        } finally {
          const ms = performance.now() - t;
          const [r1, sNs1] = counters();
          const runs = r1 - r;
          const splitMs = (sNs1 - sNs) / 1e6;
          const [childMs, childRuns, childSplit] = this.stack.pop()!;
          const parent = this.stack.at(-1);
          if (parent) {
            parent[0] += ms;
            parent[1] += runs;
            parent[2] += splitMs;
          }
          const e = this.totals.get(key) ?? { calls: 0, ms: 0, runs: 0, splitMs: 0 };
          e.calls++;
          e.ms += ms - childMs;
          e.runs += runs - childRuns;
          e.splitMs += splitMs - childSplit;
          this.totals.set(key, e);
        }
      };
    }
  }

  /** Zeroes the totals (e.g. after warm-up steps). */
  reset(): void {
    this.totals = new Map();
  }

  /** Calls, exclusive milliseconds and round trips per kernel since the last reset. */
  times(): Record<string, KernelTime> {
    const out: Record<string, KernelTime> = {};
    for (const [name, t] of this.totals) {
      const own = this.originals.get(name.split(' ')[0]!);
      const shared =
        this.base && own === (this.base as unknown as Record<string, unknown>)[name.split(' ')[0]!];
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
