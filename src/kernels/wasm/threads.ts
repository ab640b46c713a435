// SPDX-License-Identifier: MIT
// Multi-threaded GEMM: N-1 worker threads plus the calling thread run slices of one GEMM on
// shared WebAssembly memory; each slice writes its own block of C, so results equal the
// single-threaded ones exactly. Workers come from the host (host.ts): worker_threads in Node,
// Web Workers in a cross-origin-isolated page. Besides GEMMs, element-wise kernels run in ranges
// (elementwise-split.ts). The calling thread spins briefly, then waits in Atomics.wait, so a
// page's main thread stays single-threaded: train in a dedicated worker to use threads.
//
// setThreads(n) picks the count (default: the host's, e.g. LOWBIT_THREADS or all cores).

import type { GemmRunner, WasmContext } from './context.js';
import type { ArgsOf } from './exports.js';
import { wasmHost, type WorkerHandle } from './host.js';
import {
  ARGS_PER_SLOT,
  CTRL_PER_SLOT,
  FN_CODES,
  Slot,
  type ThreadedFn,
  waitChange,
} from './thread-protocol.js';

let wanted: number | null = null;
let context: WasmContext | null = null;
let pool: Pool | null = null;

/** Round trips to the workers since the start, and (while timing is on) the calling thread's
 * milliseconds spent waiting for them after its own slices: dispatch latency plus imbalance. */
export interface PoolStats {
  runs: number;
  waitMs: number;
}
const stats: PoolStats = { runs: 0, waitMs: 0 };
let timeWaits = false;

/** A copy of the round-trip counters (profiling: bench/kernel-timer.ts). */
export function poolStats(): PoolStats {
  return { ...stats };
}

/** Turns the wait timer on or off (off by default: no clock reads on the hot path). */
export function timePoolWaits(on: boolean): void {
  timeWaits = on;
}

class Pool implements GemmRunner {
  private seq = 0;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;

  constructor(
    private readonly workers: WorkerHandle[],
    ctrl: SharedArrayBuffer,
    args: SharedArrayBuffer,
  ) {
    this.ctrl = new Int32Array(ctrl);
    this.args = new Float64Array(args);
    this.active = workers.length + 1;
  }

  /** Threads the kernels split over now (the caller and active - 1 workers; the rest idle). */
  active: number;

  /** Threads the pool has: the caller and its workers. */
  get size(): number {
    return this.workers.length + 1;
  }

  get threads(): number {
    return this.active;
  }

  run<F extends ThreadedFn>(
    fn: F,
    slices: readonly ArgsOf<F>[],
    local: (args: ArgsOf<F>) => void,
  ): void {
    const seq = ++this.seq;
    const used = Math.min(slices.length - 1, this.workers.length);
    for (let w = 0; w < used; w++) {
      const s = slices[w + 1];
      this.args.fill(0, w * ARGS_PER_SLOT, (w + 1) * ARGS_PER_SLOT);
      this.args.set(s, w * ARGS_PER_SLOT);
      Atomics.store(this.ctrl, w * CTRL_PER_SLOT + Slot.Fn, FN_CODES.indexOf(fn));
      Atomics.store(this.ctrl, w * CTRL_PER_SLOT + Slot.Seq, seq);
      Atomics.notify(this.ctrl, w * CTRL_PER_SLOT + Slot.Seq);
    }
    local(slices[0]);
    for (let s = used + 1; s < slices.length; s++) local(slices[s]);
    stats.runs++;
    const t0 = timeWaits ? performance.now() : 0;
    let failed = false;
    for (let w = 0; w < used; w++) {
      const at = w * CTRL_PER_SLOT + Slot.Done;
      for (let d = Atomics.load(this.ctrl, at); d !== seq;) d = waitChange(this.ctrl, at, d);
      if (Atomics.load(this.ctrl, w * CTRL_PER_SLOT + Slot.Error)) failed = true;
    }
    if (timeWaits) stats.waitMs += performance.now() - t0;
    if (failed)
      throw new Error(`${fn}: a worker thread failed (memory out of range?); try setThreads(1)`);
  }

  async stop(): Promise<void> {
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.ctrl, w * CTRL_PER_SLOT + Slot.Seq, -1);
      Atomics.notify(this.ctrl, w * CTRL_PER_SLOT + Slot.Seq);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export function checkThreadCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new RangeError(`${what}=${n}: the thread count must be an integer from 1 to 256`);
  }
  return n;
}

async function startPool(ctx: WasmContext, n: number): Promise<Pool | null> {
  const host = wasmHost();
  if (n <= 1 || !ctx.mod.shared || !host.canBlock()) return null;
  const nw = n - 1;
  const ctrl = new SharedArrayBuffer(nw * CTRL_PER_SLOT * 4);
  const args = new SharedArrayBuffer(nw * ARGS_PER_SLOT * 8);
  const workers: WorkerHandle[] = [];
  try {
    for (let slot = 0; slot < nw; slot++) {
      const w = host.startWorker({
        module: ctx.mod.module,
        memory: ctx.mod.memory,
        ctrl: new Int32Array(ctrl),
        args: new Float64Array(args),
        slot,
      });
      if (!w) break; // no worker threads on this host
      workers.push(w);
    }
    if (workers.length < nw) {
      await Promise.all(workers.map((w) => w.terminate()));
      return null;
    }
    await Promise.all(workers.map((w) => w.ready));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  for (const w of workers) w.unref?.(); // idle workers must not keep the process alive
  return new Pool(workers, ctrl, args);
}

async function resize(n: number): Promise<void> {
  if (!context) return;
  // No more than the pool has: the spare workers idle in Atomics.wait (no CPU), ready for a
  // count that goes back up. Restarting them costs tens of ms a worker: a training run that
  // measures its steps on 1 and on all cores (train/thread-tuner.ts) switches ~16 times.
  if (pool && n <= pool.size) {
    pool.active = n;
    context.runner = n > 1 ? pool : null;
    return;
  }
  if (!pool && n <= 1) return;
  const old = pool;
  pool = null;
  context.runner = null;
  if (old) await old.stop();
  pool = await startPool(context, n);
  context.runner = pool;
}

/** Called once by the loader: starts the default thread count. */
export async function attachThreads(ctx: WasmContext): Promise<void> {
  context = ctx;
  const explicit = wanted !== null;
  try {
    await resize(wanted ?? checkThreadCount(wasmHost().defaultThreads(), 'threads'));
  } catch (e) {
    if (explicit) throw e;
    // The default must not stop the backend from loading (a bundle without worker.js, say):
    // stay on one thread and say why.
    wasmHost().warn(`lowbit: wasm GEMM stays single-threaded (${(e as Error).message})`);
  }
}

/**
 * Runs WASM GEMMs on `n` threads (n-1 workers + the caller). Results are identical for every
 * n. Resolves once the workers are ready; a smaller n than before leaves the spare workers
 * idle (blocked, no CPU) until a larger one takes them back. Where shared memory, worker
 * threads or blocking are not allowed (a page that is not cross-origin isolated, a page's
 * main thread), the kernels stay on one thread.
 */
export async function setThreads(n: number): Promise<void> {
  wanted = checkThreadCount(n, 'threads');
  await resize(wanted);
}

/** Threads a large GEMM uses now (1 until the backend is loaded). */
export function getThreads(): number {
  return pool ? pool.threads : 1;
}
