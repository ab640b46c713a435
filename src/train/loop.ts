// SPDX-License-Identifier: MIT
// The training loop: epochs of task steps and optimizer updates, evaluation, metrics and
// checkpoints kept by a RunStore (store.ts), exact resume. Browser-safe: it touches no file;
// the Node entry's `train` (trainer.ts) puts a run folder behind the store. Errors that stop
// a run (divergence, bad data) leave the last checkpoint intact and say how to continue.

import type { Dataset } from '../data/dataset.js';
import type { RunContext } from '../nn/context.js';
import { captureCheckpoint, restoreCheckpoint, START, type Position } from './checkpoint.js';
import { lrAt, type TrainConfig } from './config.js';
import { formatEpoch, type EpochMetrics } from './metrics.js';
import { setupRun, type RunSetup, type SetupOptions } from './setup.js';
import type { RunStore } from './store.js';
import type { StepResult } from './task.js';
import { RunTelemetry } from './telemetry.js';
import { yieldToEventLoop } from './yield.js';

export interface TrainHooks {
  /** Called once everything is built, before the first step. */
  started?(setup: RunSetup): void;
  /** A line of output (start-up notes, epoch summaries). */
  log?(line: string): void;
  /**
   * Called after every step with (batches done in the epoch, batches per epoch, epoch index,
   * the batch's mean loss, the batch's result: loss, samples, correct predictions).
   */
  progress?(done: number, total: number, epoch: number, loss: number, batch: StepResult): void;
  /** Called after every epoch with its metrics (also kept by the store). */
  epochEnd?(m: EpochMetrics, setup: RunSetup): void;
  /** Asked after every step; true stops the run after saving a checkpoint. */
  shouldStop?(): boolean;
}

export interface TrainOptions extends TrainHooks {
  /**
   * The data to train on, instead of loading `cfg.dataset` by name: e.g. MNIST built from
   * IDX bytes in a browser (mnistFromIdx). Its name should match `cfg.dataset`.
   */
  data?: Dataset;
  /** A new run's starting weights (cfg.init's checkpoint); ignored on resume. */
  init?: SetupOptions['init'];
}

export interface TrainResult {
  readonly setup: RunSetup;
  readonly metrics: EpochMetrics[];
  /** True if the run stopped early on request (a checkpoint was written). */
  readonly interrupted: boolean;
}

/**
 * Trains per `cfg`. With a `store`, the run's configuration, metrics and a checkpoint after
 * every epoch go to it, and `resume` continues from its checkpoint bit for bit. Between
 * steps the loop yields to the event loop, so signal handlers and messages are served.
 */
export async function train(
  cfg: TrainConfig,
  store: RunStore | null,
  opts: TrainOptions = {},
  resume = false,
): Promise<TrainResult> {
  if (resume && !store) throw new Error('resume: give the store that holds the run');
  const log = opts.log ?? (() => {});
  if (cfg.init !== undefined && !resume && !opts.init)
    throw new Error(`--init ${cfg.init}: give the checkpoint of that run to start from`);
  const setup = await setupRun(cfg, { data: opts.data, init: resume ? undefined : opts.init });
  opts.started?.(setup);
  if (store) await store.open(resume);
  try {
    return await runEpochs(cfg, setup, store, opts, resume, log);
  } finally {
    await store?.close?.();
  }
}

async function runEpochs(
  cfg: TrainConfig,
  setup: RunSetup,
  store: RunStore | null,
  hooks: TrainHooks,
  resume: boolean,
  log: (line: string) => void,
): Promise<TrainResult> {
  const { task, optimizer, kernels } = setup;
  let pos: Position = START;
  if (store && resume) {
    const saved = await store.readCheckpoint();
    if (!saved) throw new Error(`${store.label} has no checkpoint to resume from`);
    pos = restoreCheckpoint(saved, setup.model, optimizer, store.label);
    await store.truncateMetrics(pos.epoch);
    log(`resuming ${store.label} at epoch ${pos.epoch + 1}, batch ${pos.batchInEpoch}`);
  } else if (store) {
    await store.writeConfig({ ...cfg, resolvedScheme: setup.scheme });
  }
  let haveCheckpoint = resume;
  const totalSteps = cfg.epochs * task.batchesPerEpoch;
  const telemetry = cfg.telemetry ? new RunTelemetry(totalSteps) : null;
  const metrics: EpochMetrics[] = [];
  let step = pos.step;
  let interrupted = false;

  for (let epoch = pos.epoch; epoch < cfg.epochs && !interrupted; epoch++) {
    const first = epoch === pos.epoch;
    const start = first ? pos.batchInEpoch : 0;
    const acc = first ? { ...pos.partial } : { lossSum: 0, count: 0, correct: 0, seconds: 0 };
    const t0 = performance.now();
    const ctxAt = (): RunContext => {
      telemetry?.beginStep(step, epoch);
      return { kernels, step, epoch, training: true, telemetry };
    };
    try {
      let k = start;
      for (const r of task.trainEpoch(epoch, ctxAt, start)) {
        if (!Number.isFinite(r.loss)) {
          throw new RangeError(`loss is ${r.loss}: training diverged (lower --lr)`);
        }
        optimizer.step({ kernels, step, epoch, lr: lrAt(cfg, step, totalSteps), telemetry });
        for (const p of setup.model.params()) p.zeroGrad();
        step++;
        acc.lossSum += r.loss * r.count;
        acc.count += r.count;
        acc.correct += r.correct;
        hooks.progress?.(k + 1, task.batchesPerEpoch, epoch, r.loss, r);
        if (hooks.shouldStop?.()) {
          interrupted = true;
          acc.seconds += (performance.now() - t0) / 1000;
          const at = { epoch, batchInEpoch: k + 1, step, partial: acc };
          if (store) {
            await store.writeCheckpoint(captureCheckpoint(setup.model, optimizer, at), 'stop');
            haveCheckpoint = true;
          }
          break;
        }
        k++;
        await yieldToEventLoop();
      }
    } catch (e) {
      const where = `epoch ${epoch + 1}, step ${step}`;
      const hint =
        store && haveCheckpoint
          ? `; the last checkpoint in ${store.label} is intact (--resume continues from it)`
          : '';
      throw new Error(`${(e as Error).message} [at ${where}]${hint}`, { cause: e });
    }
    if (interrupted) break;
    acc.seconds += (performance.now() - t0) / 1000;
    const evalCtx: RunContext = { kernels, step, epoch, training: false, telemetry: null };
    const evalMetrics = task.evaluate(evalCtx);
    const m: EpochMetrics = {
      epoch: epoch + 1,
      train_loss: acc.lossSum / Math.max(1, acc.count),
      train_acc: acc.correct / Math.max(1, acc.count),
      test_acc: evalMetrics.test_acc ?? NaN,
      ...evalMetrics,
      samples_per_s: acc.count / Math.max(1e-9, acc.seconds),
      seconds: acc.seconds,
      lr: lrAt(cfg, step - 1, totalSteps),
    };
    metrics.push(m);
    if (store) {
      await store.appendMetrics(m);
      if (telemetry) await store.appendTelemetry(telemetry.takeEpoch(epoch + 1));
      const at = { ...START, epoch: epoch + 1, step };
      await store.writeCheckpoint(captureCheckpoint(setup.model, optimizer, at), 'epoch');
      haveCheckpoint = true;
    }
    hooks.epochEnd?.(m, setup);
    log(formatEpoch(m, cfg.epochs));
  }
  return { setup, metrics, interrupted };
}
