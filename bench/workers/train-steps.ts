// SPDX-License-Identifier: MIT
// One configuration of the models bench, in its own process (so its peak RSS is its own):
// trains `warmup` steps, then times steps until `seconds` have passed (at least `minSteps`,
// at most `maxSteps`), through the ordinary trainer. argv[2]: JSON `StepsJob`. Prints one
// JSON line (`StepsResult`).

import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { installLayerTimer, type LayerTimer } from '../../src/train/layer-timer.js';
import type { RunSetup } from '../../src/train/setup.js';
import { Seq2Seq } from '../../src/models/seq2seq.js';
import { Transformer } from '../../src/models/transformer.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { poolStats, timePoolWaits, type PoolStats } from '../../src/kernels/wasm/threads.js';
import { nativePoolStats, type NativePoolStats } from '../../src/kernels/native/index.js';
import { KernelTimer, type KernelTime } from '../kernel-timer.js';

export interface StepsJob {
  model: string;
  dataset: string;
  scheme: string;
  batch: number;
  threads: number;
  warmup: number;
  minSteps: number;
  maxSteps: number;
  seconds: number;
  /** Instrument layers, sites and the optimizer with the per-kind timer. */
  layerTimes: boolean;
  /** Count calls, time and worker round trips per kernel (bench/kernel-timer.ts), and time
   * the calling thread's waits for the workers. */
  kernelTimes?: boolean;
  seed: number;
  /** Kernels (default wasm). */
  backend?: 'wasm' | 'native' | 'ref';
}

export interface StepsResult {
  backend: string;
  /** Timed (steady-state) steps and their wall time. */
  steps: number;
  seconds: number;
  samples_per_s: number;
  /** CPU time (user + system, all threads) of the timed steps, and samples per CPU second:
   * less sensitive than wall time to other processes on a shared machine. */
  cpu_seconds: number;
  samples_per_cpu_s: number;
  /** Mean loss of the timed steps (a sanity check that training runs). */
  loss: number;
  peak_rss_mb: number;
  /** Trainable parameter count. */
  params: number;
  /** Exclusive ms per kind over the timed steps, and the rest of the step time. */
  layer_ms: Record<string, number> | null;
  /** Calls and ms per kernel over the timed steps (with kernelTimes). */
  kernel_times?: Record<string, KernelTime>;
  /** Worker round trips and the calling thread's ms waiting for the workers after its own
   * slices, over the timed steps (with kernelTimes). */
  pool?: { runs: number; wait_ms: number };
  /** The addon's pool counters over the timed steps (native backend, with kernelTimes). */
  native_pool?: NativePoolStats;
  /** Classification: one sample's shape and the class count (for the PyTorch twin). */
  inputShape?: number[];
  classes?: number;
  /** seq2seq: the sizes the PyTorch twin needs, and real row lengths to draw batches from. */
  seq2seq?: Seq2SeqSizes;
}

export interface Seq2SeqSizes {
  srcVocab: number;
  tgtVocab: number;
  srcLen: number;
  tgtLen: number;
  pad: number;
  srcLens: number[];
  tgtLens: number[];
}

const job = JSON.parse(process.argv[2] ?? '{}') as StepsJob;
const cfg = parseTrainConfig(
  {
    model: job.model,
    dataset: job.dataset,
    scheme: job.scheme,
    batch: job.batch,
    epochs: 1,
    seed: job.seed,
    backend: job.backend ?? 'wasm',
    threads: job.threads,
    // Enough full batches for every step; the run stops itself after the last timed step.
    limit: job.batch * (job.warmup + job.maxSteps),
    testLimit: job.batch,
    // A GAN trains with Adam (its task requires it); its steps alternate D and G.
    ...(job.model === 'dcgan' ? { optimizer: 'adam', lr: 0.0002 } : {}),
  },
  'models bench job',
);

let timer: LayerTimer | null = null;
let kernelTimer: KernelTimer | null = null;
let kernelTimes: Record<string, KernelTime> | undefined;
// The native backend falls back to the wasm kernels: the profile says which kernels do.
const wasmBase = job.kernelTimes && job.backend === 'native' ? await loadWasmKernels() : null;
let setup: RunSetup | null = null;
let t0 = 0;
let tLast = 0;
let cpu0 = 0;
let cpuLast = 0;
let pool0: PoolStats = poolStats();
let poolLast: PoolStats = pool0;
const countNative = job.kernelTimes === true && job.backend === 'native';
let native0: NativePoolStats | null = null;
let nativeLast: NativePoolStats | null = null;
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let maxSteps = job.maxSteps;
/** Steps per batch of samples: 2 for a GAN (a D step and a G step), else 1. */
const stepsPerBatch = job.model === 'dcgan' ? 2 : 1;
let timed = 0;
let lossSum = 0;
let stop = false;
await train(cfg, null, {
  started(s) {
    setup = s;
    // A small training set ends the epoch early: stop at its last full batch.
    maxSteps = Math.min(
      maxSteps,
      Math.floor(s.task.trainSize / job.batch) * stepsPerBatch - job.warmup,
    );
    if (maxSteps < 1) {
      throw new Error(`${job.dataset} has too few samples for ${job.warmup} warm-up steps`);
    }
    if (job.layerTimes) timer = installLayerTimer(s.model, s.optimizer);
    if (job.kernelTimes) kernelTimer = new KernelTimer(s.kernels, wasmBase);
    t0 = performance.now();
    cpu0 = cpuNow();
  },
  progress(done, _total, _epoch, loss) {
    const now = performance.now();
    if (done === job.warmup) {
      // Steady state starts here: the clock and the per-kind totals start over.
      t0 = now;
      cpu0 = cpuNow();
      timer?.reset();
      if (kernelTimer) {
        kernelTimer.reset();
        timePoolWaits(true);
        pool0 = poolStats();
        if (countNative) native0 = nativePoolStats(true);
      }
      return;
    }
    if (done < job.warmup) return;
    timed++;
    tLast = now;
    cpuLast = cpuNow();
    if (kernelTimer) poolLast = poolStats();
    if (countNative) nativeLast = nativePoolStats();
    lossSum += loss;
    const elapsed = (now - t0) / 1000;
    if (timed >= maxSteps || (timed >= job.minSteps && elapsed >= job.seconds)) stop = true;
    // The per-kernel figures of the timed steps only (not of what the trainer does on stopping).
    if (stop && kernelTimer) kernelTimes = kernelTimer.times();
  },
  shouldStop: () => stop,
});
const seconds = (tLast - t0) / 1000;
const cpuSeconds = cpuLast - cpu0;
const s = setup as RunSetup | null;
if (!s) throw new Error('the run did not start');
let layer_ms: Record<string, number> | null = null;
const tm = timer as LayerTimer | null;
if (tm) {
  layer_ms = { ...tm.times().ms };
  layer_ms.other = Math.max(0, seconds * 1000 - tm.totalMs());
  tm.uninstall();
}
const kt = kernelTimer as KernelTimer | null;
const kernel_times = kt ? (kernelTimes ?? kt.times()) : undefined;
kt?.uninstall();
const m = s.model;
const d = s.data;
const sample = job.batch * 8;
const result: StepsResult = {
  backend: s.kernels.name,
  steps: timed,
  seconds,
  // Real images per second: a GAN's D and G steps together train on one batch.
  samples_per_s: (timed * job.batch) / stepsPerBatch / seconds,
  cpu_seconds: cpuSeconds,
  samples_per_cpu_s: (timed * job.batch) / stepsPerBatch / cpuSeconds,
  loss: lossSum / Math.max(1, timed),
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  params: m.params().reduce((n, p) => n + p.size, 0),
  layer_ms,
  ...(kernel_times
    ? {
        kernel_times,
        pool: { runs: poolLast.runs - pool0.runs, wait_ms: poolLast.waitMs - pool0.waitMs },
        ...(native0 && nativeLast
          ? {
              native_pool: Object.fromEntries(
                Object.entries(nativeLast as NativePoolStats).map(([k, v]) => [
                  k,
                  v - native0![k as keyof NativePoolStats],
                ]),
              ) as unknown as NativePoolStats,
            }
          : {}),
      }
    : {}),
  ...(d.kind === 'classification' ? { inputShape: [...d.inputShape], classes: d.numClasses } : {}),
  ...((m instanceof Seq2Seq || m instanceof Transformer) && d.kind === 'seq2seq'
    ? {
        seq2seq: {
          srcVocab: m.sizes.srcVocab,
          tgtVocab: m.sizes.tgtVocab,
          srcLen: m.sizes.srcLen,
          tgtLen: m.sizes.tgtLen,
          pad: m.pad,
          srcLens: [...d.train.srcLen.subarray(0, sample)],
          tgtLens: [...d.train.tgtLen.subarray(0, sample)],
        },
      }
    : {}),
};
process.stdout.write(JSON.stringify(result) + '\n');
