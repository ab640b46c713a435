// SPDX-License-Identifier: MIT
// Multi-threaded GEMM: N-1 worker threads (node:worker_threads) plus the calling thread run
// slices of one GEMM on shared WebAssembly memory; each slice writes its own block of C, so
// results equal the single-threaded ones exactly. Node only: a browser main thread may not
// block in Atomics.wait, so there the kernels stay single-threaded.
//
// setThreads(n) picks the count (default: LOWBIT_THREADS, else all cores).

import type { GemmRunner, WasmContext } from './context.js';
import type { ArgsOf } from './exports.js';
import {
  ARGS_PER_SLOT,
  CTRL_PER_SLOT,
  FN_CODES,
  Slot,
  type ThreadedFn,
} from './thread-protocol.js';

interface WorkerHandle {
  terminate(): Promise<number>;
  unref(): void;
  once(ev: 'message' | 'error' | 'exit', fn: (x: unknown) => void): void;
}

let wanted: number | null = null;
let context: WasmContext | null = null;
let pool: Pool | null = null;

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
  }

  get threads(): number {
    return this.workers.length + 1;
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
    let failed = false;
    for (let w = 0; w < used; w++) {
      const at = w * CTRL_PER_SLOT + Slot.Done;
      for (let d = Atomics.load(this.ctrl, at); d !== seq; d = Atomics.load(this.ctrl, at)) {
        Atomics.wait(this.ctrl, at, d);
      }
      if (Atomics.load(this.ctrl, w * CTRL_PER_SLOT + Slot.Error)) failed = true;
    }
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

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

async function defaultThreads(): Promise<number> {
  const env = isNode() ? process.env.LOWBIT_THREADS : undefined;
  if (env !== undefined && env !== '') return checkCount(Number(env), 'LOWBIT_THREADS');
  if (!isNode()) return 1;
  const os = await import('node:os');
  return os.availableParallelism();
}

function checkCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new RangeError(`${what}=${n}: the thread count must be an integer from 1 to 256`);
  }
  return n;
}

async function startPool(ctx: WasmContext, n: number): Promise<Pool | null> {
  if (n <= 1 || !ctx.mod.shared || !isNode()) return null;
  const { Worker } = await import('node:worker_threads');
  const nw = n - 1;
  const ctrl = new SharedArrayBuffer(nw * CTRL_PER_SLOT * 4);
  const args = new SharedArrayBuffer(nw * ARGS_PER_SLOT * 8);
  const url = new URL('./worker.js', import.meta.url);
  const workers: WorkerHandle[] = [];
  try {
    await Promise.all(
      Array.from({ length: nw }, (_, slot) => {
        const w = new Worker(url, {
          workerData: {
            module: ctx.mod.module,
            memory: ctx.mod.memory,
            ctrl: new Int32Array(ctrl),
            args: new Float64Array(args),
            slot,
          },
        });
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
          w.once('exit', () => reject(new Error('GEMM worker exited during start')));
        });
      }),
    );
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  for (const w of workers) w.unref(); // idle workers must not keep the process alive
  return new Pool(workers, ctrl, args);
}

async function resize(n: number): Promise<void> {
  if (!context) return;
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
    await resize(wanted ?? (await defaultThreads()));
  } catch (e) {
    if (explicit) throw e;
    // The default must not stop the backend from loading (a bundle without worker.js, say):
    // stay on one thread and say why.
    const msg = `lowbit: wasm GEMM stays single-threaded (${(e as Error).message})`;
    if (isNode()) process.emitWarning(msg);
    else console.warn(msg);
  }
}

/**
 * Runs WASM GEMMs on `n` threads (n-1 workers + the caller). Results are identical for every
 * n. Resolves once the workers are ready; n = 1 stops them. Where shared memory or
 * worker_threads are missing (browsers), the kernels stay on one thread.
 */
export async function setThreads(n: number): Promise<void> {
  wanted = checkCount(n, 'threads');
  await resize(wanted);
}

/** Threads a large GEMM uses now (1 until the backend is loaded). */
export function getThreads(): number {
  return pool ? pool.threads : 1;
}
