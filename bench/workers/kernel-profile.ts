// SPDX-License-Identifier: MIT
// One configuration of the step-profile bench, in its own process: trains `warmup` steps, then
// `steps` steps with every kernel of the backend wrapped by a timer (exclusive ms, calls, and
// the worker round trips each kernel made), and the calling thread's wait for the workers
// timed. What is left of the step time is JavaScript outside the kernels (layers, sites, the
// trainer). argv[2]: JSON `ProfileJob`. Prints one JSON line (`ProfileResult`).

import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import type { RunSetup } from '../../src/train/setup.js';
import { poolStats, timePoolWaits } from '../../src/kernels/wasm/threads.js';

export interface ProfileJob {
  model: string;
  dataset: string;
  scheme: string;
  batch: number;
  threads: number;
  warmup: number;
  steps: number;
  seed: number;
}

export interface KernelRow {
  calls: number;
  /** Exclusive ms over the timed steps. */
  ms: number;
  /** Round trips to the worker threads (0: the kernel ran on the calling thread only). */
  runs: number;
}

export interface ProfileResult {
  steps: number;
  /** Wall ms of the timed steps. */
  ms: number;
  /** CPU ms (all threads) of the timed steps. */
  cpu_ms: number;
  kernels: Record<string, KernelRow>;
  /** Round trips and the calling thread's ms waiting for workers after its own slices. */
  pool: { runs: number; wait_ms: number };
}

type AnyFn = (...args: unknown[]) => unknown;

const job = JSON.parse(process.argv[2] ?? '{}') as ProfileJob;
const cfg = parseTrainConfig(
  {
    model: job.model,
    dataset: job.dataset,
    scheme: job.scheme,
    batch: job.batch,
    epochs: 1,
    seed: job.seed,
    backend: 'wasm',
    threads: job.threads,
    limit: job.batch * (job.warmup + job.steps),
    testLimit: job.batch,
    // A GAN trains with Adam (its task requires it); its steps alternate D and G.
    ...(job.model === 'dcgan' ? { optimizer: 'adam', lr: 0.0002 } : {}),
  },
  'step-profile job',
);

const rows = new Map<string, KernelRow>();
let on = false;
/** Per open kernel call: [child ms, child round trips]. */
const stack: [number, number][] = [];
const SKIP = new Set(['setThreads', 'describe', 'stepArray']);

function instrument(k: object): void {
  const rec = k as Record<string, unknown>;
  for (const [name, f] of Object.entries(rec)) {
    if (typeof f !== 'function' || SKIP.has(name)) continue;
    const fn = f as AnyFn;
    rec[name] = (...args: unknown[]): unknown => {
      if (!on) return fn.apply(k, args);
      const t0 = performance.now();
      const r0 = poolStats().runs;
      stack.push([0, 0]);
      try {
        return fn.apply(k, args);
      } finally {
        const dt = performance.now() - t0;
        const dr = poolStats().runs - r0;
        const [cms, cruns] = stack.pop()!;
        if (stack.length) {
          stack[stack.length - 1][0] += dt;
          stack[stack.length - 1][1] += dr;
        }
        const row = rows.get(name) ?? { calls: 0, ms: 0, runs: 0 };
        row.calls++;
        row.ms += dt - cms;
        row.runs += dr - cruns;
        rows.set(name, row);
      }
    };
  }
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let t0 = 0;
let c0 = 0;
let p0 = poolStats();
let result: ProfileResult | null = null;
let stop = false;
let setup: RunSetup | null = null;
await train(cfg, null, {
  started(s) {
    setup = s;
    instrument(s.kernels);
  },
  progress(done) {
    if (done === job.warmup) {
      on = true;
      timePoolWaits(true);
      t0 = performance.now();
      c0 = cpuMs();
      p0 = poolStats();
      return;
    }
    if (done === job.warmup + job.steps) {
      const p = poolStats();
      result = {
        steps: job.steps,
        ms: performance.now() - t0,
        cpu_ms: cpuMs() - c0,
        kernels: Object.fromEntries(rows),
        pool: { runs: p.runs - p0.runs, wait_ms: p.waitMs - p0.waitMs },
      };
      on = false;
      stop = true;
    }
  },
  shouldStop: () => stop,
});
if (!setup) throw new Error('the run did not start');
if (!result) throw new Error(`the run stopped before ${job.warmup + job.steps} steps`);
process.stdout.write(JSON.stringify(result) + '\n');
