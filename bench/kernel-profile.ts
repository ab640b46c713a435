// SPDX-License-Identifier: MIT
// Where a training step's time goes, kernel by kernel, on each backend side by side: calls and
// milliseconds per step of every kernel the layers call (bench/kernel-timer.ts), over the
// same steps of the same model and scheme, each backend in its own process
// (bench/workers/train-steps.ts), best of --repeat runs per kernel. For the native backend
// the table says which kernels run in the addon and which fall back to the wasm kernels.
// `npm run bench -- kernel-profile --help` lists the options.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeUnavailable } from '../src/kernels/native/index.js';
import { printTable, type Bench } from './harness.js';
import type { StepsJob, StepsResult } from './workers/train-steps.js';

const DATASETS: Record<string, { dataset: string; batch: number }> = {
  resnet20: { dataset: 'shapes32', batch: 32 },
  resnet8: { dataset: 'shapes32', batch: 32 },
  lenet5: { dataset: 'mnist', batch: 64 },
};

const HELP = `npm run bench -- kernel-profile [options]
  --model M         ${Object.keys(DATASETS).join(', ')} (default resnet20)
  --scheme S        scheme (default fixed8)
  --backends a,b    kernels side by side (default wasm,native)
  --threads N       threads (default 1)
  --steps N         timed steps after 2 warm-up steps (default 6)
  --repeat N        runs per backend, interleaved; the least time per kernel (default 2)`;

const worker = fileURLToPath(new URL('./workers/train-steps.js', import.meta.url));

function int(s: string, what: string, min: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${what} must be an integer >= ${min}`);
  return n;
}

interface Profile {
  steps: number;
  stepMs: number;
  kernels: Map<string, { calls: number; ms: number; on?: string }>;
}

function runOne(job: StepsJob): Profile {
  const out = execFileSync(process.execPath, [worker, JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as StepsResult;
  if (!r.kernel_times) throw new Error('the worker returned no kernel times');
  return {
    steps: r.steps,
    stepMs: (r.seconds * 1000) / r.steps,
    kernels: new Map(Object.entries(r.kernel_times)),
  };
}

/** Per kernel, the least ms per step over the runs (and the step time likewise). */
function best(runs: Profile[]): Profile {
  const kernels = new Map<string, { calls: number; ms: number; on?: string }>();
  for (const r of runs)
    for (const [name, t] of r.kernels) {
      const perStep = { calls: t.calls / r.steps, ms: t.ms / r.steps, on: t.on };
      const e = kernels.get(name);
      if (!e || perStep.ms < e.ms) kernels.set(name, perStep);
    }
  return { steps: 1, stepMs: Math.min(...runs.map((r) => r.stepMs)), kernels };
}

export const bench: Bench = {
  name: 'kernel-profile',
  description: 'calls and ms per kernel in one training step, per backend side by side',
  async run(args) {
    const { values: v } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        model: { type: 'string', default: 'resnet20' },
        scheme: { type: 'string', default: 'fixed8' },
        backends: { type: 'string', default: 'wasm,native' },
        threads: { type: 'string', default: '1' },
        steps: { type: 'string', default: '6' },
        repeat: { type: 'string', default: '2' },
        help: { type: 'boolean', default: false },
      },
    });
    if (v.help) {
      console.log(HELP);
      return null;
    }
    const d = DATASETS[v.model!];
    if (!d) throw new Error(`--model: have ${Object.keys(DATASETS).join(', ')}`);
    const backends = v.backends!.split(',').filter(Boolean);
    for (const b of backends)
      if (!['wasm', 'native', 'ref'].includes(b))
        throw new Error(`--backends: no backend "${b}"; have wasm, native, ref`);
    if (backends.includes('native')) {
      const why = nativeUnavailable();
      if (why) throw new Error(`--backends native: ${why}`);
    }
    const steps = int(v.steps!, 'steps', 1);
    const repeat = int(v.repeat!, 'repeat', 1);
    const threads = int(v.threads!, 'threads', 1);
    const runs = new Map<string, Profile[]>(backends.map((b) => [b, []]));
    for (let r = 0; r < repeat; r++)
      for (const backend of backends) {
        const job: StepsJob = {
          model: v.model!,
          dataset: d.dataset,
          scheme: v.scheme!,
          batch: d.batch,
          threads,
          warmup: 2,
          minSteps: steps,
          maxSteps: steps,
          seconds: 0,
          layerTimes: false,
          kernelTimes: true,
          seed: 1,
          backend: backend as StepsJob['backend'],
        };
        runs.get(backend)!.push(runOne(job));
      }
    const prof = new Map([...runs].map(([b, rs]) => [b, best(rs)]));
    const names = new Set<string>();
    for (const p of prof.values()) for (const n of p.kernels.keys()) names.add(n);
    const total = (n: string) =>
      Math.max(...[...prof.values()].map((p) => p.kernels.get(n)?.ms ?? 0));
    const sorted = [...names].sort((a, b) => total(b) - total(a));
    const first = backends[0];
    console.log(
      `${v.model} ${v.scheme} batch ${d.batch}, ${threads} thread(s): ms per step (least of ` +
        `${repeat} runs of ${steps} steps), calls per step; ratio = ${backends.at(-1)}/${first}`,
    );
    const head = ['kernel', 'calls'];
    for (const b of backends) head.push(`${b} ms`);
    if (backends.includes('native')) head.push('native on');
    if (backends.length > 1) head.push('ratio');
    const rows: (string | number)[][] = [];
    const data: Record<string, Record<string, { calls: number; ms: number; on?: string }>> = {};
    for (const n of sorted) {
      const row: (string | number)[] = [n];
      const any = [...prof.values()].find((p) => p.kernels.has(n))!.kernels.get(n)!;
      row.push(any.calls.toFixed(0));
      for (const b of backends) {
        const t = prof.get(b)!.kernels.get(n);
        row.push(t ? t.ms.toFixed(2) : '-');
        (data[b] ??= {})[n] = t ?? { calls: 0, ms: 0 };
      }
      if (backends.includes('native')) row.push(prof.get('native')!.kernels.get(n)?.on ?? '-');
      if (backends.length > 1) {
        const a = prof.get(first)!.kernels.get(n)?.ms;
        const z = prof.get(backends.at(-1)!)!.kernels.get(n)?.ms;
        row.push(a && z ? (z / a).toFixed(2) : '-');
      }
      rows.push(row);
    }
    const sum = (b: string) => [...prof.get(b)!.kernels.values()].reduce((s, t) => s + t.ms, 0);
    rows.push(['all kernels', '', ...backends.map((b) => sum(b).toFixed(1))]);
    rows.push(['whole step', '', ...backends.map((b) => prof.get(b)!.stepMs.toFixed(1))]);
    printTable(head, rows);
    return {
      model: v.model,
      scheme: v.scheme,
      batch: d.batch,
      threads,
      steps,
      repeat,
      step_ms: Object.fromEntries([...prof].map(([b, p]) => [b, p.stepMs])),
      kernels: data,
    };
  },
};
