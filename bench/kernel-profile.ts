// SPDX-License-Identifier: MIT
// Where a training step's time goes, kernel by kernel, on each backend side by side: calls and
// milliseconds per step of every kernel the layers call (bench/kernel-timer.ts), over the
// same steps of the same model and scheme, each backend in its own process (bench/profile.ts),
// best of --repeat runs per kernel. For the native backend the table says which kernels run in
// the addon and which fall back to the wasm kernels.
// `npm run bench -- kernel-profile --help` lists the options.

import { nativeUnavailable } from '../src/kernels/native/index.js';
import { printTable, type Bench } from './harness.js';
import type { KernelTime } from './kernel-timer.js';
import {
  intOption,
  PROFILE_MODELS,
  profileModel,
  profileOptions,
  profileSteps,
  type StepProfile,
} from './profile.js';

const HELP = `npm run bench -- kernel-profile [options]
  --model M         ${Object.keys(PROFILE_MODELS).join(', ')} (default resnet20)
  --scheme S        scheme (default fixed8)
  --backends a,b    kernels side by side (default wasm,native); native@ISA: the native
                    kernels of one instruction set (e.g. native@avx512vnni,native@avx512amx)
  --threads N       threads (default 1)
  --steps N         timed steps after 2 warm-up steps (default 6)
  --repeat N        runs per backend, interleaved; the least time per kernel (default 2)`;

/** Per kernel, the least ms per step over the runs (and the step time likewise). */
function best(runs: StepProfile[]): StepProfile {
  const kernels = new Map<string, KernelTime>();
  for (const r of runs)
    for (const [name, t] of r.kernels) {
      const e = kernels.get(name);
      if (!e || t.ms < e.ms) kernels.set(name, t);
    }
  const least = runs.reduce((a, b) => (b.stepMs < a.stepMs ? b : a));
  return { ...least, kernels };
}

export const bench: Bench = {
  name: 'kernel-profile',
  description: 'calls and ms per kernel in one training step, per backend side by side',
  async run(args) {
    const v = profileOptions(
      args,
      HELP,
      { threads: '1', repeat: '2' },
      { backends: 'wasm,native' },
    );
    if (!v) return null;
    const d = profileModel(v.model);
    const backends = v.backends.split(',').filter(Boolean);
    const kind = (b: string) => b.split('@')[0] as 'wasm' | 'native' | 'ref';
    for (const b of backends)
      if (!['wasm', 'native', 'ref'].includes(kind(b)) || (b.includes('@') && kind(b) !== 'native'))
        throw new Error(`--backends: no backend "${b}"; have wasm, native, native@ISA, ref`);
    const nativeName = backends.find((b) => kind(b) === 'native');
    if (nativeName) {
      const why = nativeUnavailable();
      if (why) throw new Error(`--backends native: ${why}`);
    }
    const steps = intOption(v.steps, 'steps', 1);
    const repeat = intOption(v.repeat, 'repeat', 1);
    const threads = intOption(v.threads, 'threads', 1);
    const runs = new Map<string, StepProfile[]>(backends.map((b) => [b, []]));
    for (let r = 0; r < repeat; r++)
      for (const backend of backends)
        runs.get(backend)!.push(
          profileSteps({
            model: v.model,
            scheme: v.scheme,
            threads,
            warmup: 2,
            steps,
            backend: kind(backend),
            isa: backend.split('@')[1],
          }),
        );
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
    if (nativeName) head.push('native on');
    if (backends.length > 1) head.push('ratio');
    const rows: (string | number)[][] = [];
    const data: Record<string, Record<string, KernelTime>> = {};
    for (const n of sorted) {
      const row: (string | number)[] = [n];
      const any = [...prof.values()].find((p) => p.kernels.has(n))!.kernels.get(n)!;
      row.push(any.calls.toFixed(0));
      for (const b of backends) {
        const t = prof.get(b)!.kernels.get(n);
        row.push(t ? t.ms.toFixed(2) : '-');
        (data[b] ??= {})[n] = t ?? { calls: 0, ms: 0, runs: 0 };
      }
      if (nativeName) row.push(prof.get(nativeName)!.kernels.get(n)?.on ?? '-');
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
