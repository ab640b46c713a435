// SPDX-License-Identifier: MIT
// What the full repro suite (`lowbit repro`, 70 runs) would take on 1, 10 or 100 queue
// workers, worked out from figures measured here: each distinct kind of run (model, dataset,
// scheme family, telemetry) trains a short slice on one thread for its training and
// evaluation samples per CPU second and its set-up CPU time (CPU time of one thread is what
// the run takes on a core of its own, however busy this machine is meanwhile); the suite's
// own run list (src/repro at full scale) gives each run's sizes; runs go to the first free
// worker in suite order (the queue is FIFO), each paying the queue's overhead per job
// (LOWBIT_QUEUE_OVERHEAD_MS, default 200, above the `sweep` bench's figure). A worker here is
// one run slot of one core (a 2-core machine like this one is 2 workers with --concurrency 2
// --threads 1).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/register.js';
import { setThreads } from '../src/kernels/wasm/index.js';
import { loadDataset } from '../src/data/registry.js';
import { EXPERIMENTS } from '../src/repro/suite.js';
import { FULL } from '../src/repro/scale.js';
import type { RunSpec } from '../src/repro/types.js';
import { parseTrainConfig } from '../src/train/config.js';
import { train } from '../src/train/trainer.js';
import { printTable, type Bench } from './harness.js';

interface Rates {
  trainPerS: number;
  evalPerS: number;
  setupS: number;
}

/** The measured stand-in for a scheme: variants that cost the same share one measurement. */
function family(scheme: string): string {
  const name = scheme.replace(/^.*\//, '').replace(/\.json$/, '');
  if (name.startsWith('wageubn-only-')) return 'wageubn';
  if (name.startsWith('int8-classifier')) return 'int8-classifier8';
  if (name === 'dfp8-nr') return 'dfp8-sr';
  if (name === 'int8-lazy') return 'int8';
  return name;
}

/** Slice sizes: enough steps past the first (warm-up) to time, few enough for a bench. */
const SLICE: Record<string, { limit: number; testLimit: number }> = {
  resnet20: { limit: 192, testLimit: 128 },
  lenet5: { limit: 1920, testLimit: 1000 },
  mlp: { limit: 3200, testLimit: 1000 },
  'cnn-bn': { limit: 640, testLimit: 500 },
  transformer: { limit: 640, testLimit: 200 },
  dcgan: { limit: 640, testLimit: 256 },
};

/** CPU seconds of this process so far (one thread trains: wall time on an idle core). */
const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Telemetry samples about `telemetrySamples` (default 40) steps of a run: a slice of a few
 * steps would sample nearly all of them (a sampled ResNet-20 step costs ~5x one that is not),
 * so a kind is timed without telemetry and, where the suite records it, with every step
 * sampled; a run's sampled share of steps weighs the two.
 */
const TELEMETRY_SAMPLES = 40;

async function measure(spec: RunSpec, schemeRef: string, everyStep: boolean): Promise<Rates> {
  const slice = SLICE[spec.config.model];
  if (!slice) throw new Error(`sweep-suite: no slice size for model ${spec.config.model}`);
  // A GAN run's judge and a fine-tuning run's start are other runs of the suite (not trained
  // here): the judge's scoring is left out, and fine-tuning is timed from a fresh start.
  const { judge: _j, init: _i, reinitClassifier: _r, ...config } = spec.config;
  const cfg = parseTrainConfig({
    ...config,
    scheme: schemeRef,
    telemetry: everyStep,
    telemetrySamples: everyStep ? 1e6 : undefined,
    epochs: 1,
    limit: slice.limit,
    testLimit: slice.testLimit,
  });
  const c0 = cpuS();
  let started = c0;
  let trained = c0;
  await train(cfg, null, {
    started: () => (started = cpuS()),
    progress: (done, total) => {
      if (done === total) trained = cpuS();
    },
  });
  const end = cpuS();
  return {
    trainPerS: slice.limit / (trained - started),
    evalPerS: slice.testLimit / Math.max(1e-3, end - trained),
    setupS: started - c0,
  };
}

/** Makespan of `durations` (seconds, in queue order) on `w` workers, first free worker first. */
function fifo(durations: readonly number[], w: number): number {
  const free = new Array<number>(w).fill(0);
  for (const d of durations) {
    let k = 0;
    for (let i = 1; i < w; i++) if (free[i] < free[k]) k = i;
    free[k] += d;
  }
  return Math.max(...free);
}

const hours = (s: number): string => (s / 3600).toFixed(s < 36000 ? 2 : 1);

export const bench: Bench = {
  name: 'sweep-suite',
  description: 'the full repro suite on 1, 10 and 100 queue workers, from measured run speeds',
  async run() {
    await setThreads(1);
    const overheadS = Number(process.env.LOWBIT_QUEUE_OVERHEAD_MS ?? 200) / 1000;
    const schemeDir = mkdtempSync(join(tmpdir(), 'lowbit-bench-suite-'));
    const ctx = {
      scale: FULL,
      schemePath: (n: string) => join(schemeDir, `${n}.json`),
      runPath: (id: string) => join(schemeDir, 'runs', id),
    };
    for (const e of EXPERIMENTS)
      for (const s of e.schemes?.(FULL) ?? [])
        writeFileSync(ctx.schemePath(s.name), JSON.stringify(s));
    const specs = new Map<string, RunSpec>();
    for (const e of EXPERIMENTS) for (const r of e.runs(ctx)) specs.set(r.id, r);

    // One measurement per kind of run, and one with every step sampled where it records
    // telemetry.
    const kindOf = (s: RunSpec): string =>
      `${s.config.model}/${s.config.dataset}/${family(s.config.scheme)}`;
    const rates = new Map<string, Rates>();
    const sampled = new Map<string, Rates>();
    const sizes = new Map<string, { train: number; test: number }>();
    const log = (kind: string, r: Rates): void =>
      console.log(
        `${kind}: train ${r.trainPerS.toFixed(0)}/s, eval ${r.evalPerS.toFixed(0)}/s, set-up ${r.setupS.toFixed(1)} s`,
      );
    for (const s of specs.values()) {
      const kind = kindOf(s);
      if (!sizes.has(s.config.dataset)) {
        const d = loadDataset(s.config.dataset, { seed: 1 });
        sizes.set(s.config.dataset, { train: d.train.n, test: d.test.n });
      }
      const fam = family(s.config.scheme);
      const ref = s.config.scheme.includes('/') ? ctx.schemePath(fam) : fam;
      if (!rates.has(kind)) {
        rates.set(kind, await measure(s, ref, false));
        log(kind, rates.get(kind)!);
      }
      if (s.config.telemetry && !sampled.has(kind)) {
        sampled.set(kind, await measure(s, ref, true));
        log(`${kind}, telemetry on every step`, sampled.get(kind)!);
      }
    }
    const runs = [...specs.values()].map((s) => {
      const r = rates.get(kindOf(s))!;
      const z = sizes.get(s.config.dataset)!;
      const epochs = s.config.epochs ?? 1;
      const n = s.config.limit ?? z.train;
      const t = s.config.testLimit ?? z.test;
      // The share of steps telemetry samples (src/train/telemetry.ts: every round(steps /
      // samples)-th step).
      const steps = epochs * Math.ceil(n / (s.config.batch ?? 64));
      const every = Math.max(
        1,
        Math.round(steps / (s.config.telemetrySamples ?? TELEMETRY_SAMPLES)),
      );
      const f = s.config.telemetry ? 1 / every : 0;
      const tr = sampled.get(kindOf(s));
      const perSample = (1 - f) / r.trainPerS + (tr ? f / tr.trainPerS : 0);
      return { s, seconds: r.setupS + epochs * (n * perSample + t / r.evalPerS) + overheadS };
    });
    const durations = runs.map((r) => r.seconds);
    const total = durations.reduce((a, b) => a + b, 0);
    const longest = Math.max(...durations);
    const byKind = new Map<string, { n: number; s: number }>();
    for (const r of runs) {
      const k = `${r.s.config.model}/${r.s.config.dataset}`;
      const v = byKind.get(k) ?? { n: 0, s: 0 };
      byKind.set(k, { n: v.n + 1, s: v.s + r.seconds });
    }
    console.log(`\nfull suite: ${runs.length} runs, ${hours(total)} run-hours on one core each:`);
    printTable(
      ['runs of', 'count', 'run-hours', 'longest run, h'],
      [...byKind.entries()].map(([k, v]) => [
        k,
        v.n,
        hours(v.s),
        hours(
          Math.max(
            ...runs
              .filter((r) => k === `${r.s.config.model}/${r.s.config.dataset}`)
              .map((r) => r.seconds),
          ),
        ),
      ]),
    );
    const workers = [1, 2, 10, 100];
    const table = workers.map((w) => ({
      workers: w,
      hours: fifo(durations, w) / 3600,
      bound: Math.max(longest, total / w) / 3600,
    }));
    console.log('\nwall time of the whole suite through the queue (FIFO, suite order):');
    printTable(
      ['workers', 'wall, h', 'lower bound, h', 'busy share'],
      table.map((t) => [
        t.workers,
        t.hours.toFixed(2),
        t.bound.toFixed(2),
        `${((100 * total) / 3600 / t.workers / t.hours).toFixed(0)}%`,
      ]),
    );
    rmSync(schemeDir, { recursive: true, force: true });
    return {
      runs: runs.length,
      run_hours: total / 3600,
      longest_hours: longest / 3600,
      rates: Object.fromEntries(rates),
      rates_telemetry_every_step: Object.fromEntries(sampled),
      table,
    };
  },
};
