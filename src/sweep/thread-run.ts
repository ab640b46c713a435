// SPDX-License-Identifier: MIT
// Run threads (thread-main.ts): each trains one run at a time and stays for the next, so a
// list of short runs pays for loading modules and WASM kernels once per thread, not per run.
// A run reports progress, finished epochs (with their checkpoint when asked) and its outcome;
// `stop()` asks it to stop after its current step, with a mid-epoch checkpoint.

import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { EpochMetrics } from '../train/run-folder.js';
import type { RunOutcome, RunSpec } from './spec.js';
import type { ThreadTimes } from './hops.js';
import type { RunRequest, Snapshot, ThreadMessage } from './thread-protocol.js';

export interface ThreadHooks {
  started?(startEpoch: number): void;
  progress?(done: number, total: number, epoch: number, loss: number): void;
  /** A finished epoch; `snapshot` when `collect` was asked. May return a promise to await. */
  epoch?(m: EpochMetrics, snapshot?: Snapshot): void | Promise<void>;
}

export interface ThreadRun {
  /**
   * Resolves with the outcome, the thread's stamps, and, for an interrupted run with
   * `collect`, its last state.
   */
  readonly done: Promise<RunEnd>;
  stop(): void;
}

export interface RunEnd {
  readonly outcome: RunOutcome;
  readonly snapshot?: Snapshot;
  readonly times?: ThreadTimes;
}

export interface ThreadOptions {
  /** WASM GEMM threads for the run when its config sets none (machine-side, not recorded). */
  threads?: number;
  /** Report each epoch's checkpoint and new lines (for a worker that persists them). */
  collect?: boolean;
}

/**
 * Old generation a run thread's heap starts with, in MB. A run allocates its data, model and
 * checkpoints in bursts; from V8's default start (a few MB) a run thread ran a full
 * mark-compact every 0.15-0.3 s (35 in six LeNet-5 runs of ~1.2 s, their marking on the
 * helper threads that compete with the other worker's run on a 2-core machine); from 128 MB, 1.
 */
const INITIAL_OLD_SPACE_MB = 128;
let heapSized = false;

/** Sets the initial old space of isolates created from now on (run threads), once. */
function sizeRunHeaps(): void {
  if (heapSized) return;
  setFlagsFromString(`--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`);
  heapSized = true;
}

/** One thread, one run at a time. */
class RunThread {
  private readonly worker =
    (sizeRunHeaps(), new Worker(new URL('./thread-main.js', import.meta.url)));
  /** Set once the thread died or failed: it takes no more runs. */
  broken = false;

  run(spec: RunSpec, dir: string, hooks: ThreadHooks, o: ThreadOptions): ThreadRun {
    const stop = new SharedArrayBuffer(4);
    const req: RunRequest = {
      spec,
      dir,
      stop,
      collect: Boolean(o.collect),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
    };
    const w = this.worker;
    // Epoch hooks may be asynchronous (a write to Redis): keep them in order, and finish them
    // before the outcome is reported.
    let chain: Promise<void> = Promise.resolve();
    const done = new Promise<RunEnd>((resolve, reject) => {
      const cleanup = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const fail = (e: Error): void => {
        this.broken = true;
        cleanup();
        reject(e);
      };
      const onMessage = (m: ThreadMessage): void => {
        switch (m.type) {
          case 'started':
            hooks.started?.(m.startEpoch);
            break;
          case 'progress':
            hooks.progress?.(m.done, m.total, m.epoch, m.loss);
            break;
          case 'epoch':
            chain = chain.then(() => hooks.epoch?.(m.metrics, m.snapshot));
            break;
          case 'done':
            cleanup();
            chain.then(
              () => resolve({ outcome: m.outcome, snapshot: m.snapshot, times: m.times }),
              (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
            );
            break;
          case 'error':
            fail(new Error(m.message));
            break;
        }
      };
      const onError = (e: Error): void => fail(e);
      const onExit = (code: number): void =>
        fail(new Error(`the run's thread exited (code ${code}) before the run finished`));
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
    });
    w.postMessage(req);
    return { done, stop: () => Atomics.store(new Int32Array(stop), 0, 1) };
  }

  /** Loads modules and kernels (with `threads` GEMM threads) now; resolves once done. */
  warm(threads?: number): Promise<void> {
    const w = this.worker;
    return new Promise<void>((resolve, reject) => {
      const onMessage = (m: ThreadMessage): void => {
        if (m.type !== 'ready' && m.type !== 'error') return;
        w.off('message', onMessage);
        w.off('exit', onExit);
        if (m.type === 'ready') resolve();
        else reject(new Error(m.message));
      };
      const onExit = (code: number): void => {
        w.off('message', onMessage);
        reject(new Error(`a run thread exited (code ${code}) while it loaded`));
      };
      w.on('message', onMessage);
      w.on('exit', onExit);
      w.postMessage({ warm: true, ...(threads !== undefined ? { threads } : {}) });
    });
  }

  async close(): Promise<void> {
    this.broken = true;
    await this.worker.terminate();
  }
}

/** Run threads to reuse: at most one run on each at a time. */
export class ThreadPool {
  private readonly idle: RunThread[] = [];
  private readonly all = new Set<RunThread>();

  /**
   * Starts `n` threads now and waits until their modules and kernels are loaded, so the first
   * runs do not pay for it (a worker warms its threads before it takes jobs).
   */
  async warm(n: number, threads?: number): Promise<void> {
    const ts = Array.from({ length: n }, () => new RunThread());
    for (const t of ts) this.all.add(t);
    await Promise.all(ts.map((t) => t.warm(threads)));
    this.idle.push(...ts);
  }

  /** Starts `spec` on an idle thread (or a new one). */
  run(spec: RunSpec, dir: string, hooks: ThreadHooks, o: ThreadOptions = {}): ThreadRun {
    const t = this.idle.pop() ?? new RunThread();
    this.all.add(t);
    const r = t.run(spec, dir, hooks, o);
    const back = (): void => {
      if (t.broken) this.all.delete(t);
      else this.idle.push(t);
    };
    r.done.then(back, () => {
      this.all.delete(t);
      void t.close();
    });
    return r;
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((t) => t.close()));
    this.all.clear();
    this.idle.length = 0;
  }
}
