// SPDX-License-Identifier: MIT
// The training loop: epochs of task steps and optimizer updates, evaluation, metrics and
// checkpoints kept by a RunStore (store.ts), exact resume. Browser-safe: it touches no file;
// the Node entry's `train` (trainer.ts) puts a run folder behind the store. Errors that stop
// a run (divergence, bad data) leave the last checkpoint intact and say how to continue.
// A resumed run trusts only its own record: the scheme in the store's config, the position
// and states in its checkpoint, the metrics lines that checkpoint covers.

import type { Dataset } from '../data/dataset.js';
import type { RunContext } from '../nn/context.js';
import type { SchemeSpec } from '../schemes/schema.js';
import { loadScheme } from '../schemes/resolve.js';
import { captureCheckpoint, restoreCheckpoint, START, type Position } from './checkpoint.js';
import { baseLrAt, lrAt, withLrFrom, type TrainConfig } from './config.js';
import {
  chanceLoss,
  DivergenceError,
  DivergenceWatch,
  divergenceAdvice,
  WEIGHT_CHECK_EVERY,
} from './divergence.js';
import { formatWarnings } from './format-check.js';
import { formatEpoch, testsAfter, type EpochMetrics } from './metrics.js';
import { setupRun, type RunSetup, type SetupOptions } from './setup.js';
import type { RunRecord, RunStore } from './store.js';
import type { StepResult } from './task.js';
import { RunTelemetry } from './telemetry.js';
import { ThreadTuner } from './thread-tuner.js';
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
  /**
   * On resume: the learning rate from the checkpoint on (e.g. lower, after a divergence).
   * Recorded in the run's configuration (`lrChanges`), so the record says what it trained with.
   */
  lr?: number;
}

export interface TrainResult {
  readonly setup: RunSetup;
  readonly metrics: EpochMetrics[];
  /** True if the run stopped early on request (a checkpoint was written). */
  readonly interrupted: boolean;
  /** The configuration the run ended with (a resume may have extended or changed it). */
  readonly config: TrainConfig;
  /** Epochs done, from the run's checkpoint (all of cfg.epochs when it finished). */
  readonly epochsDone: number;
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
  if (opts.lr !== undefined && !resume) {
    throw new Error('a learning rate option for a resume was given to a fresh run: set cfg.lr');
  }
  const log = opts.log ?? (() => {});
  if (cfg.init !== undefined && !resume && !opts.init)
    throw new Error(`--init ${cfg.init}: give the checkpoint of that run to start from`);
  // The store first: a folder that cannot be used (a file, locked by another run) fails
  // before minutes of data loading.
  if (store) await store.open(resume);
  try {
    const record = resume ? await store!.readRecord?.() : null;
    const scheme = recordedScheme(cfg, record ?? null, store, log);
    const setup = await setupRun(cfg, {
      data: opts.data,
      ...(scheme ? { scheme } : {}),
      ...(!resume && opts.init ? { init: opts.init } : {}),
    });
    opts.started?.(setup);
    for (const w of formatWarnings(setup.model)) log(`warning: ${w}`);
    return await runEpochs(cfg, setup, store, opts, resume, log);
  } finally {
    await store?.close?.();
  }
}

/**
 * The scheme a resumed run continues with: the one its record holds. A scheme file edited
 * since is noted, not used (the run would silently train another scheme).
 */
function recordedScheme(
  cfg: TrainConfig,
  record: RunRecord | null,
  store: RunStore | null,
  log: (line: string) => void,
): SchemeSpec | null {
  if (!record?.resolvedScheme) return null;
  let now: SchemeSpec | null = null;
  try {
    now = loadScheme(cfg.scheme);
  } catch {
    // gone or unreadable: the record is all that counts anyway
  }
  if (now && canonical(now) !== canonical(record.resolvedScheme)) {
    log(
      `note: scheme ${cfg.scheme} has changed since this run started; resuming with the ` +
        `scheme recorded in ${store!.label} (start a new run to train with the new one)`,
    );
  }
  return record.resolvedScheme;
}

/** JSON with object keys sorted, so two equal schemes compare equal whatever their key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

async function runEpochs(
  cfg0: TrainConfig,
  setup: RunSetup,
  store: RunStore | null,
  hooks: TrainOptions,
  resume: boolean,
  log: (line: string) => void,
): Promise<TrainResult> {
  const { task, optimizer, kernels } = setup;
  let cfg = cfg0;
  let pos: Position = START;
  if (store && resume) {
    const saved = await store.readCheckpoint();
    if (!saved) throw new Error(`${store.label} has no checkpoint to resume from`);
    const r = restoreCheckpoint(saved, setup.model, optimizer, store.label, task.batchesPerEpoch);
    pos = r;
    const kept = await store.truncateMetrics(r.metricsLines);
    if (typeof kept === 'number' && kept < r.metricsLines) {
      log(
        `warning: ${store.label} holds ${kept} metrics lines but its checkpoint covers ` +
          `${r.metricsLines} epochs: the metrics of the missing epochs are lost`,
      );
    }
    if (hooks.lr !== undefined) {
      const before = baseLrAt(cfg, pos.step);
      cfg = withLrFrom(cfg, pos.step, hooks.lr);
      if (hooks.lr !== before) log(`learning rate ${before} -> ${hooks.lr} from step ${pos.step}`);
    }
    if (pos.epoch >= cfg.epochs) {
      log(
        `${store.label} has finished all ${pos.epoch} epochs of its run: nothing to train. ` +
          `To train longer, resume with more epochs (--epochs ${pos.epoch + 1} or more).`,
      );
    } else {
      log(`resuming ${store.label} at epoch ${pos.epoch + 1}, batch ${pos.batchInEpoch}`);
    }
  }
  // A fresh run in a store with no checkpoint: lines of an earlier attempt killed before its
  // first checkpoint are covered by none, so they go.
  if (store && !resume) await store.truncateMetrics(0);
  if (store) await store.writeConfig({ ...cfg, resolvedScheme: setup.scheme });
  let haveCheckpoint = resume;
  const totalSteps = cfg.epochs * task.batchesPerEpoch;
  const telemetry = cfg.telemetry ? new RunTelemetry(totalSteps, cfg.telemetrySamples) : null;
  const watch = new DivergenceWatch(chanceLoss(setup.data));
  const params = setup.model.params();
  const metrics: EpochMetrics[] = [];
  // No count fixed: measure the first steps on each choice and keep the faster (the same bits
  // on any count, so only the speed changes).
  const choices = setup.threadChoices;
  const tuner = choices && kernels.setThreads ? new ThreadTuner(choices, choices.at(-1)!) : null;
  let step = pos.step;
  let epochsDone = pos.epoch;
  let interrupted = false;
  const stopHere = async (at: Position): Promise<void> => {
    interrupted = true;
    if (store) {
      await store.writeCheckpoint(captureCheckpoint(setup.model, optimizer, at), 'stop');
      haveCheckpoint = true;
    }
  };

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
      let stepT0 = performance.now();
      for (const r of task.trainEpoch(epoch, ctxAt, start)) {
        watch.observe(r.loss, step);
        optimizer.step({ kernels, step, epoch, lr: lrAt(cfg, step, totalSteps), telemetry });
        if (tuner && !tuner.choice) {
          tuner.record(performance.now() - stepT0);
          if (tuner.choice) log(ThreadTuner.describe(tuner.choice));
        }
        for (const p of params) p.zeroGrad();
        if (step % WEIGHT_CHECK_EVERY === 0) watch.checkWeights(params, step);
        step++;
        acc.lossSum += r.loss * r.count;
        acc.count += r.count;
        acc.correct += r.correct;
        hooks.progress?.(k + 1, task.batchesPerEpoch, epoch, r.loss, r);
        if (hooks.shouldStop?.()) {
          acc.seconds += (performance.now() - t0) / 1000;
          watch.checkWeights(params, step - 1);
          await stopHere({ epoch, batchInEpoch: k + 1, step, partial: acc });
          break;
        }
        k++;
        await yieldToEventLoop();
        const n = tuner?.threadsFor();
        if (n != null) await kernels.setThreads!(n);
        stepT0 = performance.now();
      }
      if (!interrupted) watch.checkWeights(params, step - 1);
    } catch (e) {
      const where = `epoch ${epoch + 1}, step ${step}`;
      const kept =
        store && haveCheckpoint
          ? `the last checkpoint in ${store.label} is intact (written before this step)`
          : `no checkpoint was written`;
      if (e instanceof DivergenceError) {
        throw new Error(
          `${e.message} [at ${where}]. ${kept[0].toUpperCase()}${kept.slice(1)}. ` +
            divergenceAdvice(lrAt(cfg, step, totalSteps), Boolean(store && haveCheckpoint)),
          { cause: e },
        );
      }
      const hint = store && haveCheckpoint ? `; ${kept} (--resume continues from it)` : '';
      throw new Error(`${(e as Error).message} [at ${where}]${hint}`, { cause: e });
    }
    if (interrupted) break;
    acc.seconds += (performance.now() - t0) / 1000;
    const evalCtx: RunContext = { kernels, step, epoch, training: false, telemetry: null };
    // Between test passes (evalEvery) the row's test figures are NaN (null in metrics.jsonl).
    const evalMetrics = testsAfter(cfg, epoch + 1) ? task.evaluate(evalCtx) : {};
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
    epochsDone = epoch + 1;
    if (store) {
      // Metrics line first, checkpoint second: a crash between them leaves a line the
      // checkpoint does not cover, which the next resume drops and writes again.
      await store.appendMetrics(m);
      if (telemetry) await store.appendTelemetry(telemetry.takeEpoch(epoch + 1));
      const at = { ...START, epoch: epoch + 1, step };
      await store.writeCheckpoint(
        captureCheckpoint(setup.model, optimizer, at, epoch + 1),
        'epoch',
      );
      haveCheckpoint = true;
    }
    hooks.epochEnd?.(m, setup);
    log(formatEpoch(m, cfg.epochs));
  }
  return { setup, metrics, interrupted, config: cfg, epochsDone };
}
