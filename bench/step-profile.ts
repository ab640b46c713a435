// SPDX-License-Identifier: MIT
// Where a training step's time goes on 1 and 2 threads: per kernel, calls and worker round
// trips per step and exclusive ms per step on each thread count side by side, then the
// JavaScript outside the kernels and the calling thread's wait for the workers. Each thread
// count runs in its own process (bench/workers/kernel-profile.ts), best of --repeat by step
// time. `npm run bench -- step-profile --help` lists the options.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Bench } from './harness.js';
import type { ProfileJob, ProfileResult } from './workers/kernel-profile.js';

const DATASETS: Record<string, { dataset: string; batch: number }> = {
  resnet20: { dataset: 'shapes32', batch: 32 },
  resnet8: { dataset: 'shapes32', batch: 32 },
  lenet5: { dataset: 'mnist', batch: 64 },
  transformer: { dataset: 'translate', batch: 64 },
  dcgan: { dataset: 'mnist', batch: 64 },
};

const HELP = `npm run bench -- step-profile [options]
  --model M       ${Object.keys(DATASETS).join(', ')} (default resnet20)
  --scheme S      scheme (default fixed8)
  --threads 1,2   thread counts, side by side (default 1,2)
  --steps N       profiled steps after warm-up (default 6)
  --warmup N      untimed steps first (default 3)
  --repeat N      runs per thread count, interleaved; the fastest is shown (default 1)`;

const worker = fileURLToPath(new URL('./workers/kernel-profile.js', import.meta.url));

function runJob(job: ProfileJob): ProfileResult {
  const out = execFileSync(process.execPath, [worker, JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ProfileResult;
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

export const bench: Bench = {
  name: 'step-profile',
  description: 'per-kernel time, calls and worker round trips of one training step, 1 vs 2 threads',
  async run(args) {
    const { values: v } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        model: { type: 'string', default: 'resnet20' },
        scheme: { type: 'string', default: 'fixed8' },
        threads: { type: 'string', default: '1,2' },
        steps: { type: 'string', default: '6' },
        warmup: { type: 'string', default: '3' },
        repeat: { type: 'string', default: '1' },
        help: { type: 'boolean', default: false },
      },
    });
    if (v.help) {
      console.log(HELP);
      return null;
    }
    const m = DATASETS[v.model!];
    if (!m) throw new Error(`--model: have ${Object.keys(DATASETS).join(', ')}`);
    const threads = v.threads!.split(',').map(Number);
    const steps = Number(v.steps);
    const warmup = Number(v.warmup);
    const repeat = Number(v.repeat);
    for (const [n, what, min] of [
      [steps, 'steps', 1],
      [warmup, 'warmup', 0],
      [repeat, 'repeat', 1],
      ...threads.map((t) => [t, 'threads', 1] as const),
    ] as const) {
      if (!Number.isInteger(n) || n < min)
        throw new Error(`--${what} must be an integer >= ${min}`);
    }
    const best = new Map<number, ProfileResult>();
    for (let r = 0; r < repeat; r++)
      for (const t of threads) {
        const got = runJob({
          model: v.model!,
          dataset: m.dataset,
          scheme: v.scheme!,
          batch: m.batch,
          threads: t,
          warmup,
          steps,
          seed: 1,
        });
        const b = best.get(t);
        if (!b || got.ms < b.ms) best.set(t, got);
        console.log(`  ${t}t run ${r + 1}: ${f1(got.ms / got.steps)} ms/step`);
      }
    const res = threads.map((t) => best.get(t)!);
    const names = [...new Set(res.flatMap((x) => Object.keys(x.kernels)))];
    const per = (x: ProfileResult, n: number) => n / x.steps;
    const msOf = (x: ProfileResult, k: string) => per(x, x.kernels[k]?.ms ?? 0);
    names.sort((a, b) => msOf(res[0], b) - msOf(res[0], a));
    const head = ['kernel', 'calls', ...threads.flatMap((t) => [`rt@${t}t`, `ms@${t}t`])];
    const lines: string[][] = [head];
    for (const k of names) {
      const k0 = res[0].kernels[k];
      lines.push([
        k,
        f1(per(res[0], k0?.calls ?? 0)),
        ...res.flatMap((x) => [f1(per(x, x.kernels[k]?.runs ?? 0)), f2(msOf(x, k))]),
      ]);
    }
    const kernelMs = (x: ProfileResult) =>
      Object.values(x.kernels).reduce((s, r) => s + r.ms, 0) / x.steps;
    lines.push(['(all kernels)', '', ...res.flatMap((x) => ['', f2(kernelMs(x))])]);
    lines.push([
      '(JS outside kernels)',
      '',
      ...res.flatMap((x) => ['', f2(x.ms / x.steps - kernelMs(x))]),
    ]);
    lines.push([
      '(wait for workers)',
      '',
      ...res.flatMap((x) => [f1(per(x, x.pool.runs)), f2(per(x, x.pool.wait_ms))]),
    ]);
    lines.push(['(step, wall)', '', ...res.flatMap((x) => ['', f2(x.ms / x.steps)])]);
    lines.push([
      '(step, CPU all threads)',
      '',
      ...res.flatMap((x) => ['', f2(x.cpu_ms / x.steps)]),
    ]);
    const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
    console.log(
      `${v.model} ${v.scheme}, batch ${m.batch}: per step (calls, rt = worker round trips, exclusive ms)`,
    );
    for (const l of lines)
      console.log(
        l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '),
      );
    const base = res[0].ms / res[0].steps;
    for (const x of res.slice(1))
      console.log(
        `speed-up ${threads[res.indexOf(x)]}t / ${threads[0]}t: ${f2(base / (x.ms / x.steps))}x`,
      );
    return { model: v.model, scheme: v.scheme, batch: m.batch, threads, results: res };
  },
};
