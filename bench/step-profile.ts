// SPDX-License-Identifier: MIT
// Where a training step's time goes on 1 and 2 threads: per kernel, calls and worker round
// trips per step and exclusive ms per step on each thread count side by side, then the
// JavaScript outside the kernels and the calling thread's wait for the workers. Each thread
// count runs in its own process (bench/profile.ts), best of --repeat by step time.
// `npm run bench -- step-profile --help` lists the options.

import type { NativePoolStats } from '../src/kernels/native/index.js';
import type { Bench } from './harness.js';
import {
  intOption,
  PROFILE_MODELS,
  profileModel,
  profileOptions,
  profileSteps,
  type StepProfile,
} from './profile.js';

const HELP = `npm run bench -- step-profile [options]
  --model M       ${Object.keys(PROFILE_MODELS).join(', ')} (default resnet20)
  --scheme S      scheme (default fixed8)
  --threads 1,2   thread counts, side by side (default 1,2)
  --steps N       profiled steps after warm-up (default 6)
  --warmup N      untimed steps first (default 3)
  --repeat N      runs per thread count, interleaved; the fastest is shown (default 1)
  --backend B     wasm or native (default wasm); native adds the addon's pool counters`;

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

export const bench: Bench = {
  name: 'step-profile',
  description: 'per-kernel time, calls and worker round trips of one training step, 1 vs 2 threads',
  async run(args) {
    const v = profileOptions(
      args,
      HELP,
      { threads: '1,2', repeat: '1' },
      { warmup: '3', backend: 'wasm' },
    );
    if (!v) return null;
    const m = profileModel(v.model);
    const threads = v.threads.split(',').map((t) => intOption(t, 'threads', 1));
    const steps = intOption(v.steps, 'steps', 1);
    const warmup = intOption(v.warmup, 'warmup', 0);
    const repeat = intOption(v.repeat, 'repeat', 1);
    const backend = v.backend;
    if (backend !== 'wasm' && backend !== 'native')
      throw new Error(`--backend: no backend "${backend}"; have wasm, native`);
    const best = new Map<number, StepProfile>();
    for (let r = 0; r < repeat; r++)
      for (const t of threads) {
        const got = profileSteps({
          model: v.model,
          scheme: v.scheme,
          threads: t,
          warmup,
          steps,
          backend,
        });
        const b = best.get(t);
        if (!b || got.stepMs < b.stepMs) best.set(t, got);
        console.log(`  ${t}t run ${r + 1}: ${f1(got.stepMs)} ms/step`);
      }
    const res = threads.map((t) => best.get(t)!);
    const names = [...new Set(res.flatMap((x) => [...x.kernels.keys()]))];
    const msOf = (x: StepProfile, k: string) => x.kernels.get(k)?.ms ?? 0;
    names.sort((a, b) => msOf(res[0], b) - msOf(res[0], a));
    const split = backend === 'native';
    const head = [
      'kernel',
      'calls',
      ...threads.flatMap((t) => [`rt@${t}t`, ...(split ? [`split@${t}t`] : []), `ms@${t}t`]),
    ];
    const lines: string[][] = [head];
    for (const k of names) {
      lines.push([
        k,
        f1(res[0].kernels.get(k)?.calls ?? 0),
        ...res.flatMap((x) => [
          f1(x.kernels.get(k)?.runs ?? 0),
          ...(split ? [f2(x.kernels.get(k)?.splitMs ?? 0)] : []),
          f2(msOf(x, k)),
        ]),
      ]);
    }
    /** A summary row's two cells per thread count, under the table's columns. */
    const cols = (a: string, b: string) => (split ? [a, '', b] : [a, b]);
    const kernelMs = (x: StepProfile) => [...x.kernels.values()].reduce((s, r) => s + r.ms, 0);
    lines.push(['(all kernels)', '', ...res.flatMap((x) => cols('', f2(kernelMs(x))))]);
    lines.push([
      '(JS outside kernels)',
      '',
      ...res.flatMap((x) => cols('', f2(x.stepMs - kernelMs(x)))),
    ]);
    lines.push([
      '(wait for workers)',
      '',
      ...res.flatMap((x) => cols(f1(x.pool.runs), f2(x.pool.waitMs))),
    ]);
    // The addon's pool, per step: threaded calls; the share of their tasks the workers ran;
    // calls the calling thread ran alone (the workers came too late); mean µs from publishing a
    // call to a worker's pick-up; pick-ups by a worker that had gone to sleep.
    const np = (x: StepProfile, f: (p: NativePoolStats) => string) =>
      x.nativePool ? f(x.nativePool) : '';
    if (res.some((x) => x.nativePool && x.nativePool.split > 0)) {
      const per = (a: number, b: number, k = 1) => (b > 0 ? (k * a) / b : 0);
      lines.push([
        '(addon pool: calls, tasks)',
        '',
        ...res.flatMap((x) =>
          cols(
            np(x, (p) => f1(p.calls)),
            np(x, (p) => f1(p.tasks)),
          ),
        ),
      ]);
      lines.push([
        '(workers ran % of tasks)',
        '',
        ...res.flatMap((x) =>
          cols(
            '',
            np(x, (p) => f1(per(p.workerTasks, p.tasks, 100))),
          ),
        ),
      ]);
      lines.push([
        '(calls run alone %)',
        '',
        ...res.flatMap((x) =>
          cols(
            '',
            np(x, (p) => f1(per(p.missed, p.calls, 100))),
          ),
        ),
      ]);
      lines.push([
        '(pick-up µs mean, slept %)',
        '',
        ...res.flatMap((x) =>
          cols(
            np(x, (p) => f1(per(p.pickupNs, p.workerJobs, 1e-3))),
            np(x, (p) => f1(per(p.slept, p.workerJobs, 100))),
          ),
        ),
      ]);
      lines.push([
        '(addon split runs, ms)',
        '',
        ...res.flatMap((x) =>
          cols(
            np(x, (p) => f1(p.split)),
            np(x, (p) => f2(p.splitNs / 1e6)),
          ),
        ),
      ]);
      lines.push([
        '(addon wait for workers ms)',
        '',
        ...res.flatMap((x) =>
          cols(
            '',
            np(x, (p) => f2(p.waitNs / 1e6)),
          ),
        ),
      ]);
    }
    lines.push(['(step, wall)', '', ...res.flatMap((x) => cols('', f2(x.stepMs)))]);
    lines.push(['(step, CPU all threads)', '', ...res.flatMap((x) => cols('', f2(x.cpuMs)))]);
    const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
    console.log(
      `${v.model} ${v.scheme}, batch ${m.batch}, ${backend}: per step (calls, rt = worker round trips, exclusive ms)`,
    );
    for (const l of lines)
      console.log(
        l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '),
      );
    for (const [i, x] of res.entries())
      if (i > 0)
        console.log(`speed-up ${threads[i]}t / ${threads[0]}t: ${f2(res[0].stepMs / x.stepMs)}x`);
    // Per step, per thread count.
    const results = res.map((x) => ({
      step_ms: x.stepMs,
      cpu_ms: x.cpuMs,
      kernels: Object.fromEntries(x.kernels),
      pool: { runs: x.pool.runs, wait_ms: x.pool.waitMs },
      ...(x.nativePool ? { native_pool: x.nativePool } : {}),
    }));
    return { model: v.model, scheme: v.scheme, batch: m.batch, backend, threads, results };
  },
};
