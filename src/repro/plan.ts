// SPDX-License-Identifier: MIT
// `lowbit repro --plan`: the CPU time a suite will take, predicted from short measured probes.
// Each kind of run (model, data, scheme, batch, optimizer, telemetry) trains a few steps and
// evaluates a few batches in this process on one thread; its CPU seconds (process.cpuUsage,
// so a loaded machine slows the wall clock but not the count much) give setup, per step and
// per test sample costs, scaled to each run's steps and epochs. Runs that share the machine
// contend for its shared cache and memory bandwidth: with several jobs, the costliest kind is
// also timed beside jobs - 1 copies of itself training in worker threads (`contention`), and
// the schedule's wall time scaled by that slowdown.

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { loadDataset } from '../data/registry.js';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { testsAfter } from '../train/metrics.js';
import { train } from '../train/trainer.js';
import type { RunSpec } from './types.js';

/**
 * Training steps a probe runs. The first pays set-up; the next few still pay the JIT's
 * warm-up and an occasional garbage collection, which a mean of 4 steps counted as steady
 * cost (the LSTM's: 0.117 s per step, against 0.030-0.039 s over steps 20-40 in the same
 * process): the per-step cost is the median interval of the later steps (`steadyStep`).
 */
const PROBE_STEPS = 10;
/** Steps of a run that telemetry samples by default (train/telemetry.ts; `telemetrySamples`). */
const TELEMETRY_SAMPLES = 40;

export interface ProbeCost {
  /** CPU seconds before the first step and of everything outside steps and evaluation. */
  readonly setup: number;
  readonly perStep: number;
  readonly perTestSample: number;
  /**
   * With telemetry: the extra CPU seconds of a sampled step. A short probe samples every step,
   * a run about 40 in all, so the prediction adds this 40 times to the plain run's cost.
   */
  readonly perSampledStep?: number;
}

export interface PlannedRun {
  readonly id: string;
  readonly kind: string;
  readonly cpuSeconds: number;
}

export interface Plan {
  readonly runs: readonly PlannedRun[];
  readonly kinds: ReadonlyMap<string, ProbeCost>;
  readonly totalCpu: number;
  /** Longest-first schedule of the runs on `jobs` cores, times `contention`. */
  readonly wallOnJobs: number;
  readonly jobs: number;
  /** How many times slower `contentionKind` steps beside jobs - 1 others (1: one job). */
  readonly contention: number;
  readonly contentionKind?: string;
}

/**
 * Steady CPU seconds per step from the CPU clock read after each step (`after[i]` after step
 * i + 1): the median of the intervals between consecutive steps, leaving out the first step
 * (set-up) and the first half of the intervals (warm-up). One step: its whole time.
 */
export function steadyStep(after: readonly number[], start: number): number {
  if (after.length < 2) return after.length ? after[0] - start : 0;
  const d = after.slice(1).map((t, i) => t - after[i]);
  const tail = d.slice(Math.floor(d.length / 2)).sort((a, b) => a - b);
  const m = tail.length >> 1;
  return tail.length % 2 ? tail[m] : (tail[m - 1] + tail[m]) / 2;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** What a run's cost depends on; runs of one kind share a probe. */
export function kindOf(c: TrainConfig): string {
  const scheme = typeof c.scheme === 'string' ? c.scheme.replace(/^.*\//, '') : 'inline';
  return [c.model, c.dataset, scheme, `b${c.batch}`, c.optimizer, c.telemetry ? 'telemetry' : '']
    .filter(Boolean)
    .join(' ');
}

/** Loop steps per batch of training samples: a GAN takes a D and a G step. */
const stepsPerBatch = (c: TrainConfig): number => (c.model === 'dcgan' ? 2 : 1);

/**
 * Test samples an evaluation costs as: a GAN evaluates a fixed 256 generated images and at
 * most as many real ones, whatever its test split.
 */
const evalSamples = (c: TrainConfig, testLimit: number): number =>
  c.model === 'dcgan' ? Math.min(testLimit, 256) : testLimit;

/** c cut to a probe of PROBE_STEPS steps on one thread, evaluating `testN` samples. */
function probeConfig(c: TrainConfig, testN: number): TrainConfig {
  return parseTrainConfig({
    ...c,
    init: undefined,
    reinitClassifier: undefined,
    // A GAN's judge is a run of the suite that may not exist yet; scoring 256 samples with a
    // LeNet-5 is small beside the generator's evaluation the probe measures.
    judge: undefined,
    epochs: 1,
    limit: PROBE_STEPS * c.batch,
    testLimit: testN,
    threads: 1,
  });
}

/** Wall seconds per steady training step of a probe of c in this thread. */
async function wallPerStep(c: TrainConfig): Promise<number> {
  const cfg = probeConfig({ ...c, telemetry: false }, c.batch);
  const t0 = performance.now() / 1000;
  const after: number[] = [];
  await train(cfg, null, {
    log: () => {},
    progress(done: number) {
      if (done === after.length + 1) after.push(performance.now() / 1000);
    },
  });
  return steadyStep(after, t0);
}

/**
 * How many times slower a run of c steps while jobs - 1 others train beside it (each on its
 * own core): wall seconds per step beside jobs - 1 worker threads training c, over alone; at
 * least 1. Wall clock, not CPU time: the process's CPU clock counts the load threads too.
 */
export async function contention(c: TrainConfig, jobs: number): Promise<number> {
  if (jobs <= 1) return 1;
  const alone = await wallPerStep(c);
  const load = { ...c, init: undefined, judge: undefined, epochs: 100000, threads: 1 };
  const workers = Array.from(
    { length: jobs - 1 },
    () => new Worker(new URL('../sweep/load-thread.js', import.meta.url), { workerData: load }),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
            w.once('exit', (code) => reject(new Error(`the load thread stopped (exit ${code})`)));
          }),
      ),
    );
    const beside = await wallPerStep(c);
    return Math.max(1, beside / alone);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function probe(c: TrainConfig): Promise<ProbeCost> {
  // A GAN's evaluation is the same size whatever the probe's split: probe it whole.
  const testN =
    c.model === 'dcgan'
      ? evalSamples(c, c.testLimit ?? 2000)
      : Math.min(c.testLimit ?? 2 * c.batch, 2 * c.batch);
  const cfg = probeConfig(c, testN);
  const t0 = cpuNow();
  const after: number[] = [];
  await train(cfg, null, {
    log: () => {},
    progress(done: number) {
      if (done === after.length + 1) after.push(cpuNow());
    },
  });
  const end = cpuNow();
  const last = after.length ? after[after.length - 1] : t0;
  const perStep = steadyStep(after, t0);
  // Set-up: all the time before the steady steps began, less the steps it covers.
  const setup = after.length ? last - t0 - after.length * perStep : 0;
  return {
    setup: Math.max(0, setup),
    perStep,
    perTestSample: (end - last) / evalSamples(c, testN),
  };
}

function trainSize(c: TrainConfig): number {
  if (c.limit !== undefined) return c.limit;
  return loadDataset(c.dataset, { seed: c.seed }).train.n;
}

/** Predicted CPU seconds of a run from its kind's probe. */
export function predictCpu(c: TrainConfig, p: ProbeCost, trainN: number): number {
  const steps = Math.ceil(trainN / c.batch) * c.epochs * stepsPerBatch(c);
  // Test passes run only after the epochs `testsAfter` picks (evalEvery, evalLast, the last).
  let passes = 0;
  for (let e = 1; e <= c.epochs; e++) if (testsAfter(c, e)) passes++;
  const test = passes * evalSamples(c, c.testLimit ?? 2000);
  const samples = c.telemetrySamples ?? TELEMETRY_SAMPLES;
  const sampled = p.perSampledStep ? Math.min(steps, samples) * p.perSampledStep : 0;
  return p.setup + steps * p.perStep + test * p.perTestSample + sampled;
}

/** A telemetry run's cost: the plain run's probe plus the measured cost of a sampled step. */
async function probeKind(c: TrainConfig, known: Map<string, ProbeCost>): Promise<ProbeCost> {
  if (!c.telemetry) return probe(c);
  const plainCfg = { ...c, telemetry: false };
  const pk = kindOf(plainCfg);
  let plain = known.get(pk);
  if (!plain) {
    plain = await probe(plainCfg);
    known.set(pk, plain);
  }
  const tel = await probe(c);
  return { ...plain, perSampledStep: Math.max(0, tel.perStep - plain.perStep) };
}

/** Longest-first list scheduling of `costs` on `jobs` workers: the makespan. */
export function makespan(costs: readonly number[], jobs: number): number {
  const w = new Array<number>(Math.max(1, jobs)).fill(0);
  for (const c of [...costs].sort((a, b) => b - a)) {
    const i = w.indexOf(Math.min(...w));
    w[i] += c;
  }
  return Math.max(...w);
}

/**
 * Probes every kind of run among `specs` and predicts the suite's time. `backend` is the one
 * the runs will use (the suite sets it on every run): the probes measure with it, since the
 * backends' speeds differ by up to 2x per scheme.
 */
export async function planSuite(
  specs: Iterable<RunSpec>,
  jobs: number,
  log: (line: string) => void,
  backend?: TrainConfig['backend'],
): Promise<Plan> {
  const kinds = new Map<string, ProbeCost>();
  const configs = new Map<string, TrainConfig>();
  const runs: PlannedRun[] = [];
  const sizes = new Map<string, number>();
  for (const spec of specs) {
    const c = parseTrainConfig(
      backend ? { ...spec.config, backend } : spec.config,
      `run ${spec.id}`,
    );
    const kind = kindOf(c);
    if (!configs.has(kind)) configs.set(kind, c);
    let p = kinds.get(kind);
    if (!p) {
      p = await probeKind(c, kinds);
      kinds.set(kind, p);
      const tel = p.perSampledStep ? `, +${p.perSampledStep.toFixed(3)} s per sampled step` : '';
      log(
        `probe ${kind}: setup ${p.setup.toFixed(2)} s, ${p.perStep.toFixed(3)} s/step, ${(p.perTestSample * 1000).toFixed(2)} ms/test sample${tel} (CPU)`,
      );
    }
    const sk = `${c.dataset} ${c.limit ?? 'all'}`;
    if (!sizes.has(sk)) sizes.set(sk, trainSize(c));
    runs.push({ id: spec.id, kind, cpuSeconds: predictCpu(c, p, sizes.get(sk)!) });
  }
  const totalCpu = runs.reduce((a, r) => a + r.cpuSeconds, 0);
  // The kind that costs most in all: its slowdown beside the other jobs scales the schedule.
  const byKind = new Map<string, number>();
  for (const r of runs) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + r.cpuSeconds);
  const top = [...byKind].sort((a, b) => b[1] - a[1])[0]?.[0];
  let factor = 1;
  if (top && jobs > 1) {
    try {
      factor = await contention(configs.get(top)!, jobs);
      log(
        `contention: a ${top} step takes ${factor.toFixed(2)}x its time alone beside ${jobs - 1} more (wall clock)`,
      );
    } catch (e) {
      log(`contention not measured (${(e as Error).message}): the schedule assumes none`);
    }
  }
  return {
    runs,
    kinds,
    totalCpu,
    wallOnJobs:
      makespan(
        runs.map((r) => r.cpuSeconds),
        jobs,
      ) * factor,
    jobs,
    contention: factor,
    ...(top && jobs > 1 ? { contentionKind: top } : {}),
  };
}
