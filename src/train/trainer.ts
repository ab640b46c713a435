// SPDX-License-Identifier: MIT
// The training loop: epochs of task steps and optimizer updates, evaluation, metrics and
// checkpoints in the run folder, exact resume. Errors that stop a run (divergence, bad data)
// leave the last checkpoint intact and say how to continue.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunContext } from '../nn/context.js';
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint, type Position } from './checkpoint.js';
import { lrAt, type TrainConfig } from './config.js';
import {
  appendMetrics,
  ensureDir,
  truncateMetrics,
  writeConfig,
  type EpochMetrics,
} from './run-folder.js';
import { setupRun, type RunSetup } from './setup.js';
import { RunTelemetry } from './telemetry.js';

export interface TrainHooks {
  /** Called once everything is built, before the first step. */
  started?(setup: RunSetup): void;
  /** A line of output (start-up notes, epoch summaries). */
  log?(line: string): void;
  /** Called after every step with (batch index within epoch, batches per epoch, epoch). */
  progress?(done: number, total: number, epoch: number, loss: number): void;
  /** Asked after every step; true stops the run after saving a checkpoint. */
  shouldStop?(): boolean;
  /** Called after every finished epoch, once its metrics and checkpoint are written. */
  epochEnd?(m: EpochMetrics): void;
}

export interface TrainResult {
  readonly setup: RunSetup;
  readonly metrics: EpochMetrics[];
  /** True if the run stopped early on request (a checkpoint was written). */
  readonly interrupted: boolean;
}

const ZERO: Position = {
  epoch: 0,
  batchInEpoch: 0,
  step: 0,
  partial: { lossSum: 0, count: 0, correct: 0, seconds: 0 },
};

/**
 * Trains per `cfg`. With `outDir` the run folder gets config.json, metrics.jsonl and a
 * checkpoint after every epoch; `resume` continues from that folder's checkpoint.
 */
export async function train(
  cfg: TrainConfig,
  outDir: string | null,
  hooks: TrainHooks = {},
  resume = false,
): Promise<TrainResult> {
  const log = hooks.log ?? (() => {});
  const setup = await setupRun(cfg);
  const { task, optimizer, kernels } = setup;
  hooks.started?.(setup);
  let pos = ZERO;
  const ckptPath = outDir ? join(outDir, CHECKPOINT_FILE) : null;
  if (outDir) {
    ensureDir(outDir);
    if (resume) {
      if (!ckptPath || !existsSync(ckptPath)) {
        throw new Error(
          `${outDir} has no ${CHECKPOINT_FILE} to resume from: start the run again without --resume`,
        );
      }
      pos = loadCheckpoint(ckptPath, setup.model, optimizer);
      truncateMetrics(outDir, pos.epoch);
      log(`resuming ${outDir} at epoch ${pos.epoch + 1}, batch ${pos.batchInEpoch}`);
    } else {
      if (existsSync(ckptPath!)) {
        throw new Error(
          `${outDir} already holds a run: use --resume to continue it, or choose another --out`,
        );
      }
      writeConfig(outDir, cfg, { resolvedScheme: setup.scheme });
    }
  }
  const totalSteps = cfg.epochs * task.batchesPerEpoch;
  const telemetry = cfg.telemetry ? new RunTelemetry(totalSteps) : null;
  const metrics: EpochMetrics[] = [];
  let step = pos.step;
  let interrupted = false;

  for (let epoch = pos.epoch; epoch < cfg.epochs && !interrupted; epoch++) {
    const first = epoch === pos.epoch;
    const start = first ? pos.batchInEpoch : 0;
    const acc = first ? { ...pos.partial } : { lossSum: 0, count: 0, correct: 0, seconds: 0 };
    let t0 = performance.now();
    const ctxAt = (): RunContext => {
      telemetry?.beginStep(step, epoch);
      return { kernels, step, epoch, training: true, telemetry };
    };
    const stopAt = (k: number): void => {
      interrupted = true;
      acc.seconds += (performance.now() - t0) / 1000;
      if (ckptPath) {
        saveCheckpoint(ckptPath, setup.model, optimizer, {
          epoch,
          batchInEpoch: k + 1,
          step,
          partial: acc,
        });
      }
      throw new StopSignal();
    };
    try {
      task.trainEpoch(
        epoch,
        ctxAt,
        (r, k) => {
          if (!Number.isFinite(r.loss)) {
            throw new RangeError(`loss is ${r.loss}: training diverged (lower --lr)`);
          }
          optimizer.step({ kernels, step, epoch, lr: lrAt(cfg, step, totalSteps), telemetry });
          for (const p of setup.model.params()) p.zeroGrad();
          step++;
          acc.lossSum += r.loss * r.count;
          acc.count += r.count;
          acc.correct += r.correct;
          hooks.progress?.(k + 1, task.batchesPerEpoch, epoch, r.loss);
          if (hooks.shouldStop?.()) stopAt(k);
        },
        start,
      );
    } catch (e) {
      if (e instanceof StopSignal) break;
      const where = `epoch ${epoch + 1}, step ${step}`;
      const hint =
        ckptPath && existsSync(ckptPath)
          ? `; the last checkpoint in ${outDir} is intact (--resume continues from it)`
          : '';
      throw new Error(`${(e as Error).message} [at ${where}]${hint}`, { cause: e });
    }
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
    if (outDir) {
      appendMetrics(outDir, m);
      if (telemetry) telemetry.writeEpoch(outDir, epoch + 1);
      saveCheckpoint(ckptPath!, setup.model, optimizer, { ...ZERO, epoch: epoch + 1, step });
    }
    log(formatEpoch(m, cfg.epochs));
    hooks.epochEnd?.(m);
    t0 = performance.now();
  }
  return { setup, metrics, interrupted };
}

class StopSignal extends Error {
  constructor() {
    super('stopped');
  }
}

export function formatEpoch(m: EpochMetrics, epochs: number): string {
  const extra = Object.entries(m)
    .filter(([k]) => k.startsWith('test_') && k !== 'test_acc')
    .map(([k, v]) => `  ${k} ${(v * 100).toFixed(2)}%`)
    .join('');
  return (
    `epoch ${m.epoch}/${epochs}  loss ${m.train_loss.toFixed(4)}  ` +
    `test_acc ${(m.test_acc * 100).toFixed(2)}%${extra}  ` +
    `${Math.round(m.samples_per_s).toLocaleString('en-US')} samples/s  (${m.seconds.toFixed(1)} s)`
  );
}
