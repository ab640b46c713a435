// SPDX-License-Identifier: MIT
// Training speed per model and scheme, beside PyTorch fp32: steady-state training samples/s
// (warm-up steps skipped) on 1 and 2 threads, peak RSS, and the share of step time per layer
// kind, each configuration in its own process (bench/workers/train-steps.ts). Where an
// interpreter imports torch, the same networks train in PyTorch fp32 in the same run
// (bench/workers/torch-models.py) and their samples/s and parameter counts print alongside.
// Each configuration runs on the wasm kernels and, where the addon loaded, the native ones.
// `npm run bench -- models --help` lists the options.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeUnavailable } from '../src/kernels/native/index.js';
import { findTorch, type Bench } from './harness.js';
import { report, type Row, type TorchRow } from './models-report.js';
import type { StepsJob, StepsResult } from './workers/train-steps.js';

/**
 * The dataset and batch each model trains on here (the issue's settings), and the schemes a
 * model runs when --schemes is not given where they differ from the default list (the GAN:
 * Park et al.'s INT8 W / INT16 A,G,Adam with and without the lazy update; it trains with Adam,
 * which WAGEUBN's integer optimizer does not replace).
 */
const MODELS: Record<string, { dataset: string; batch: number; schemes?: string }> = {
  resnet20: { dataset: 'shapes32', batch: 32 },
  lenet5: { dataset: 'mnist', batch: 64 },
  lstm: { dataset: 'digits-seq', batch: 32 },
  seq2seq: { dataset: 'translate', batch: 64 },
  transformer: { dataset: 'translate', batch: 64 },
  resnet8: { dataset: 'shapes32', batch: 32 },
  dcgan: { dataset: 'mnist', batch: 64, schemes: 'fp32,fixed8,int16,int8w16,int8w16-lazy' },
};
const ALL_SCHEMES = ['fp32', 'fixed8', 'dfp8-sr', 'wageubn8', 'adaptive', 'int16', 'int8-lazy'];
const DEFAULTS = {
  models: 'resnet20,lenet5,lstm,seq2seq,transformer,dcgan',
  schemes: ALL_SCHEMES.join(','),
  threads: '1,2',
  seconds: '6',
  warmup: '3',
  'min-steps': '3',
  'max-steps': '400',
  repeat: '1',
  backends: 'wasm,native',
};
const QUICK = {
  models: 'lenet5,resnet20',
  schemes: 'fp32,fixed8,wageubn8,int8-lazy',
  threads: '1',
  seconds: '2',
  warmup: '2',
  'min-steps': '2',
};
const LR = 0.02;
const MOMENTUM = 0.9;

const HELP = `npm run bench -- models [options]
  --models a,b      models (${Object.keys(MODELS).join(', ')}; default ${DEFAULTS.models})
  --schemes a,b     schemes (default ${DEFAULTS.schemes}; dcgan: ${MODELS.dcgan.schemes})
  --threads 1,2     thread counts (default ${DEFAULTS.threads})
  --seconds S       timed seconds per configuration after warm-up (default ${DEFAULTS.seconds})
  --warmup N        untimed steps first (default ${DEFAULTS.warmup})
  --min-steps N     at least N timed steps (default ${DEFAULTS['min-steps']})
  --max-steps N     at most N timed steps (default ${DEFAULTS['max-steps']})
  --repeat N        run every configuration N times, interleaved; report the best (default 1)
  --backends a,b    kernels (wasm, native, ref; default ${DEFAULTS.backends}: native where it loads)
  --batch N         one batch size for every model (default: resnet 32, lenet5 64, lstm 32, seq2seq 64, transformer 64, dcgan 64)
  --quick           ${Object.entries(QUICK)
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ')} (a minute or two)
  --no-torch        skip the PyTorch column
  --no-layer-times  skip the per-layer-kind timer
  --python PATH     interpreter that imports torch (default: $LOWBIT_TORCH_PYTHON, /usr/bin/python3, python3)
  --baseline DIR    another built lowbit tree (npm run build there; it must have this bench's worker):
                    each configuration also runs there, right after this tree's, for before/after ratios`;

const worker = fileURLToPath(new URL('./workers/train-steps.js', import.meta.url));
// dist/bench/models.js -> <repo>/bench/workers/torch-models.py (not compiled, not copied)
const torchScript = fileURLToPath(new URL('../../bench/workers/torch-models.py', import.meta.url));

function list(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function count(s: string, what: string, min = 0): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${what} must be an integer >= ${min}`);
  return n;
}

function lastJson<T>(out: string): T {
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

function errorText(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  const lines = (err.stderr || err.message || String(e)).trim().split('\n');
  return lines.find((l) => /Error|error/.test(l)) ?? lines[lines.length - 1];
}

export const bench: Bench = {
  name: 'models',
  description:
    'training samples/s per model and scheme (1 and 2 threads) beside PyTorch fp32, peak RSS, time per layer kind',
  async run(args) {
    const { values: v } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        models: { type: 'string' },
        schemes: { type: 'string' },
        threads: { type: 'string' },
        seconds: { type: 'string' },
        warmup: { type: 'string' },
        'min-steps': { type: 'string' },
        'max-steps': { type: 'string' },
        repeat: { type: 'string' },
        backends: { type: 'string' },
        batch: { type: 'string' },
        quick: { type: 'boolean', default: false },
        'no-torch': { type: 'boolean', default: false },
        'no-layer-times': { type: 'boolean', default: false },
        python: { type: 'string' },
        baseline: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (v.help) {
      console.log(HELP);
      return null;
    }
    const o = { ...DEFAULTS, ...(v.quick ? QUICK : {}), ...stripUndefined(v) };
    const models = list(o.models);
    for (const m of models) {
      if (!MODELS[m])
        throw new Error(`--models: no setting for "${m}"; have ${Object.keys(MODELS).join(', ')}`);
    }
    // A model's own default schemes unless --schemes (or --quick) names them.
    const schemesOf = (model: string): string[] =>
      list(v.schemes ?? (v.quick ? o.schemes : (MODELS[model].schemes ?? o.schemes)));
    const threads = list(o.threads).map((t) => count(t, 'threads', 1));
    const seconds = Number(o.seconds);
    if (!(seconds >= 0)) throw new Error('--seconds must be a number >= 0');
    const warmup = count(o.warmup, 'warmup');
    const minSteps = count(o['min-steps'], 'min-steps', 1);
    const maxSteps = count(o['max-steps'], 'max-steps', minSteps);
    const repeat = count(o.repeat, 'repeat', 1);
    const backends = list(o.backends);
    for (const b of backends)
      if (!['wasm', 'native', 'ref'].includes(b))
        throw new Error(`--backends: no backend "${b}"; have wasm, native, ref`);
    const noNative = backends.includes('native') ? nativeUnavailable() : null;
    if (noNative) {
      if (v.backends !== undefined) throw new Error(`--backends native: ${noNative}`);
      backends.splice(backends.indexOf('native'), 1);
      console.log(`no native column: ${noNative}`);
    }
    const batchAll = v.batch === undefined ? undefined : count(v.batch, 'batch', 1);
    const torch = v['no-torch']
      ? { python: null, note: 'no PyTorch column (--no-torch)' }
      : findTorch(v.python);
    console.log(
      `${torch.note}\nsteady state: ${warmup} warm-up steps, then >= ${minSteps} steps and ${seconds} s ` +
        `(<= ${maxSteps} steps) per configuration, best of ${repeat}; ${backends.join(', ')} kernels; each in its own process`,
    );

    const baseWorker = v.baseline ? baselineWorker(v.baseline) : null;
    if (baseWorker) console.log(`baseline: ${baseWorker} (run right after each configuration)`);
    const lowbit = new Map<
      string,
      Runs<StepsResult> & { model: string; scheme: string; backend: string }
    >();
    const base = new Map<string, Runs<StepsResult>>();
    const pytorch = new Map<string, Runs<TorchResult> & { model: string }>();
    const info = new Map<string, StepsResult>();
    const meta = (model: string) => ({
      dataset: MODELS[model].dataset,
      batch: batchAll ?? MODELS[model].batch,
    });
    const budget = { warmup, minSteps, maxSteps, seconds };
    for (let r = 0; r < repeat; r++) {
      for (const model of models) {
        const { dataset, batch } = meta(model);
        for (const t of threads) {
          for (const scheme of schemesOf(model))
            for (const backend of backends) {
              const job: StepsJob = {
                ...budget,
                model,
                dataset,
                scheme,
                batch,
                threads: t,
                layerTimes: !v['no-layer-times'],
                seed: 1,
                backend: backend as StepsJob['backend'],
              };
              const got = runLowbit(job);
              const key = `${model}/${scheme}/${t}/${backend}`;
              const e = lowbit.get(key) ?? {
                model,
                scheme,
                backend,
                threads: t,
                ok: [],
                errors: [],
              };
              lowbit.set(key, e);
              if (typeof got === 'string') e.errors.push(got);
              else {
                e.ok.push(got);
                if (!info.has(model)) info.set(model, got);
              }
              console.log(`  ${model} ${scheme} ${backend} ${t}t: ${describe(got)}`);
              if (baseWorker) {
                const b = runLowbit(job, baseWorker);
                const eb = base.get(key) ?? { threads: t, ok: [], errors: [] };
                base.set(key, eb);
                if (typeof b === 'string') eb.errors.push(b);
                else eb.ok.push(b);
                console.log(`  ${model} ${scheme} ${backend} ${t}t (baseline): ${describe(b)}`);
              }
            }
          if (torch.python && info.has(model)) {
            const got = runTorch(torch.python, info.get(model)!, {
              ...budget,
              model,
              batch,
              threads: t,
            });
            const key = `${model}/${t}`;
            const e = pytorch.get(key) ?? { model, threads: t, ok: [], errors: [] };
            pytorch.set(key, e);
            if (typeof got === 'string') e.errors.push(got);
            else e.ok.push(got);
            console.log(`  ${model} PyTorch fp32 ${t}t: ${describe(got)}`);
          }
        }
      }
    }
    const rows: Row[] = [...lowbit.entries()].map(([key, e]) => {
      const best = bestOf(e.ok);
      const b = base.get(key);
      const bb = b ? bestOf(b.ok) : null;
      return {
        model: e.model,
        ...meta(e.model),
        scheme: e.scheme,
        backend: e.backend,
        threads: e.threads,
        samples_per_s: best?.samples_per_s ?? 0,
        samples_per_cpu_s: Math.max(0, ...e.ok.map((x) => x.samples_per_cpu_s)),
        runs: e.ok.map((x) => x.samples_per_s),
        steps: best?.steps ?? 0,
        peak_rss_mb: Math.max(0, ...e.ok.map((x) => x.peak_rss_mb)),
        params: best?.params ?? 0,
        layer_share: best ? shares(best) : null,
        ...(best ? {} : { error: e.errors[0] }),
        ...(b
          ? {
              baseline: bb
                ? {
                    samples_per_s: bb.samples_per_s,
                    samples_per_cpu_s: Math.max(0, ...b.ok.map((x) => x.samples_per_cpu_s)),
                    runs: b.ok.map((x) => x.samples_per_s),
                  }
                : { error: b.errors[0] },
            }
          : {}),
      };
    });
    const torchRows: TorchRow[] = [...pytorch.values()].map((e) => {
      const best = bestOf(e.ok);
      return {
        model: e.model,
        threads: e.threads,
        samples_per_s: best?.samples_per_s ?? 0,
        samples_per_cpu_s: Math.max(0, ...e.ok.map((x) => x.samples_per_cpu_s)),
        runs: e.ok.map((x) => x.samples_per_s),
        params: best?.params ?? 0,
        peak_rss_mb: Math.max(0, ...e.ok.map((x) => x.peak_rss_mb)),
        ...(best ? {} : { error: e.errors[0] }),
      };
    });
    return report(rows, torchRows, info, torch.note);
  },
};

/** The runs of one configuration, and the errors of those that failed. */
interface Runs<T> {
  threads: number;
  ok: T[];
  errors: string[];
}

interface TorchResult {
  samples_per_s: number;
  samples_per_cpu_s: number;
  params: number;
  peak_rss_mb: number;
}

/** The run with the most samples/s (wall clock). */
function bestOf<T extends { samples_per_s: number }>(xs: T[]): T | null {
  return xs.reduce<T | null>((b, x) => (!b || x.samples_per_s > b.samples_per_s ? x : b), null);
}

function describe(r: { samples_per_s: number; samples_per_cpu_s: number } | string): string {
  return typeof r === 'string'
    ? r
    : `${r.samples_per_s.toFixed(1)} samples/s, ${r.samples_per_cpu_s.toFixed(1)} per CPU s`;
}

/** The models worker of another built tree; throws saying what is missing. */
function baselineWorker(dir: string): string {
  const w = resolve(dir, 'dist/bench/workers/train-steps.js');
  if (!existsSync(w)) {
    throw new Error(
      `--baseline ${dir}: no ${w}; build that tree (npm run build) with this bench's worker in it`,
    );
  }
  return w;
}

function runLowbit(job: StepsJob, script = worker): StepsResult | string {
  try {
    const out = execFileSync(process.execPath, [script, JSON.stringify(job)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return lastJson<StepsResult>(out);
  } catch (e) {
    return errorText(e);
  }
}

function stripUndefined<T extends object>(o: T): Partial<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Share of the timed step time per layer kind. */
function shares(r: StepsResult): Record<string, number> | null {
  if (!r.layer_ms) return null;
  const total = r.seconds * 1000;
  const out: Record<string, number> = {};
  for (const [k, ms] of Object.entries(r.layer_ms)) out[k] = ms / Math.max(1e-9, total);
  return out;
}

interface TorchJobBase {
  model: string;
  batch: number;
  threads: number;
  warmup: number;
  minSteps: number;
  maxSteps: number;
  seconds: number;
}

function runTorch(python: string, lowbit: StepsResult, j: TorchJobBase): TorchResult | string {
  const job = {
    ...j,
    seed: 1,
    lr: LR,
    momentum: MOMENTUM,
    inputShape: lowbit.inputShape,
    classes: lowbit.classes,
    seq2seq: lowbit.seq2seq,
  };
  try {
    const out = execFileSync(python, [torchScript, JSON.stringify(job)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: String(j.threads) },
    });
    return lastJson<TorchResult>(out);
  } catch (e) {
    return errorText(e);
  }
}
