// SPDX-License-Identifier: MIT
// Starts one run of a list in its own worker thread (thread-main.ts) and follows it: progress,
// finished epochs (with their checkpoint when asked), the outcome. `stop()` asks the run to
// stop after its current step; it then writes a mid-epoch checkpoint and ends `interrupted`.

import { Worker } from 'node:worker_threads';
import type { RunOutcome, RunSpec } from './spec.js';
import type { Snapshot, ThreadInput, ThreadMessage } from './thread-protocol.js';
import type { EpochMetrics } from '../train/run-folder.js';

export interface ThreadHooks {
  started?(startEpoch: number): void;
  progress?(done: number, total: number, epoch: number, loss: number): void;
  /** A finished epoch; `snapshot` when `collect` was asked. May return a promise to await. */
  epoch?(m: EpochMetrics, snapshot?: Snapshot): void | Promise<void>;
}

export interface ThreadRun {
  /** Resolves with the outcome and, for an interrupted run with `collect`, its last state. */
  readonly done: Promise<{ outcome: RunOutcome; snapshot?: Snapshot }>;
  stop(): void;
  /** Ends the thread at once (the run folder keeps its last complete checkpoint). */
  kill(): Promise<void>;
}

export interface ThreadOptions {
  threads?: number;
  collect?: boolean;
}

export function runInThread(
  spec: RunSpec,
  dir: string,
  hooks: ThreadHooks,
  o: ThreadOptions = {},
): ThreadRun {
  const stop = new SharedArrayBuffer(4);
  const input: ThreadInput = {
    spec,
    dir,
    stop,
    collect: Boolean(o.collect),
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
  };
  const worker = new Worker(new URL('./thread-main.js', import.meta.url), { workerData: input });
  // Epoch hooks may be asynchronous (a write to Redis): keep them in order, and finish them
  // before the outcome is reported.
  let chain: Promise<void> = Promise.resolve();
  const done = new Promise<{ outcome: RunOutcome; snapshot?: Snapshot }>((resolve, reject) => {
    let settled = false;
    let reported = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      f();
    };
    worker.on('message', (m: ThreadMessage) => {
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
          reported = true;
          chain.then(
            () => finish(() => resolve({ outcome: m.outcome, snapshot: m.snapshot })),
            (e: unknown) => finish(() => reject(e instanceof Error ? e : new Error(String(e)))),
          );
          break;
        case 'error':
          finish(() => reject(new Error(m.message)));
          break;
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => {
      if (!reported)
        finish(() =>
          reject(new Error(`the run's thread exited (code ${code}) before it finished`)),
        );
    });
  });
  return {
    done,
    stop: () => Atomics.store(new Int32Array(stop), 0, 1),
    kill: async () => {
      await worker.terminate();
    },
  };
}
