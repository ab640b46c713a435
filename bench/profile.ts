// SPDX-License-Identifier: MIT
// What the per-kernel profile benches share (step-profile: 1 vs 2 threads; kernel-profile: one
// backend beside another): the models they profile, option parsing, and one profiled run of
// training steps in its own process (bench/workers/train-steps.ts with the kernel timer of
// bench/kernel-timer.ts), reduced to figures per step.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { KernelTime } from './kernel-timer.js';
import type { StepsJob, StepsResult } from './workers/train-steps.js';
import type { NativePoolStats } from '../src/kernels/native/index.js';

/** The models the profiles run, with their dataset and batch. */
export const PROFILE_MODELS: Record<string, { dataset: string; batch: number }> = {
  resnet20: { dataset: 'shapes32', batch: 32 },
  resnet8: { dataset: 'shapes32', batch: 32 },
  lenet5: { dataset: 'mnist', batch: 64 },
  lstm: { dataset: 'digits-seq', batch: 32 },
  transformer: { dataset: 'translate', batch: 64 },
  dcgan: { dataset: 'mnist', batch: 64 },
};

/** The model's dataset and batch, or an error naming the models there are. */
export function profileModel(model: string): { dataset: string; batch: number } {
  const m = PROFILE_MODELS[model];
  if (!m)
    throw new Error(`--model: no model "${model}"; have ${Object.keys(PROFILE_MODELS).join(', ')}`);
  return m;
}

/**
 * The options of a profile bench: --model, --scheme, --threads, --steps, --repeat and the
 * bench's own (`own`: name -> default), as strings; null after printing `help` for --help.
 */
export function profileOptions(
  args: readonly string[],
  help: string,
  defaults: { threads: string; repeat: string },
  own: Record<string, string>,
): Record<string, string> | null {
  const opt = (d: string) => ({ type: 'string' as const, default: d });
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      model: opt('resnet20'),
      scheme: opt('fixed8'),
      threads: opt(defaults.threads),
      steps: opt('6'),
      repeat: opt(defaults.repeat),
      ...Object.fromEntries(Object.entries(own).map(([k, d]) => [k, opt(d)])),
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(help);
    return null;
  }
  return values as unknown as Record<string, string>;
}

/** An integer option >= `min`, or an error naming it. */
export function intOption(s: string, what: string, min: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${what} must be an integer >= ${min}`);
  return n;
}

/** Figures per timed step of one profiled run. */
export interface StepProfile {
  /** Wall and CPU (all threads) ms per step. */
  stepMs: number;
  cpuMs: number;
  /** Per kernel: calls, exclusive ms and worker round trips per step (and where it ran). */
  kernels: Map<string, KernelTime>;
  /** Worker round trips, and the calling thread's ms waiting for the workers, per step. */
  pool: { runs: number; waitMs: number };
  /** The addon's pool counters per step (native backend). */
  nativePool?: NativePoolStats;
}

export interface ProfileRun {
  model: string;
  scheme: string;
  threads: number;
  warmup: number;
  steps: number;
  backend: NonNullable<StepsJob['backend']>;
  /** The native instruction set (LOWBIT_NATIVE_ISA in the child), or the default. */
  isa?: string;
}

const worker = fileURLToPath(new URL('./workers/train-steps.js', import.meta.url));

/** Trains `warmup` + `steps` steps in a child process with every kernel timed. */
export function profileSteps(run: ProfileRun): StepProfile {
  const m = profileModel(run.model);
  const job: StepsJob = {
    model: run.model,
    dataset: m.dataset,
    scheme: run.scheme,
    batch: m.batch,
    threads: run.threads,
    warmup: run.warmup,
    minSteps: run.steps,
    maxSteps: run.steps,
    seconds: 0,
    layerTimes: false,
    kernelTimes: true,
    seed: 1,
    backend: run.backend,
  };
  const out = execFileSync(process.execPath, [worker, JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 24,
    env: run.isa ? { ...process.env, LOWBIT_NATIVE_ISA: run.isa } : process.env,
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as StepsResult;
  if (!r.kernel_times || !r.pool) throw new Error('the worker returned no kernel times');
  const n = r.steps;
  const kernels = new Map<string, KernelTime>();
  for (const [name, t] of Object.entries(r.kernel_times))
    kernels.set(name, {
      ...t,
      calls: t.calls / n,
      ms: t.ms / n,
      runs: t.runs / n,
      ...(t.splitMs !== undefined ? { splitMs: t.splitMs / n } : {}),
    });
  return {
    stepMs: (r.seconds * 1000) / n,
    cpuMs: (r.cpu_seconds * 1000) / n,
    kernels,
    pool: { runs: r.pool.runs / n, waitMs: r.pool.wait_ms / n },
    ...(r.native_pool
      ? {
          nativePool: Object.fromEntries(
            Object.entries(r.native_pool).map(([k, v]) => [k, v / n]),
          ) as unknown as NativePoolStats,
        }
      : {}),
  };
}
