// SPDX-License-Identifier: MIT
// A task couples a model with a dataset: how one batch is trained and how the test split is
// evaluated. Classification is built in; sequence tasks add their own.

import type { Layer } from '../nn/layer.js';
import type { RunContext } from '../nn/context.js';
import type { Param } from '../nn/param.js';

export interface StepResult {
  /** Mean loss of the batch. */
  readonly loss: number;
  /** Samples in the batch. */
  readonly count: number;
  /** Correct predictions (classification), for the training accuracy. */
  readonly correct: number;
}

export interface Task {
  readonly model: Layer;
  /** Training samples per epoch and batches per epoch. */
  readonly trainSize: number;
  readonly batchesPerEpoch: number;
  /**
   * Runs forward + backward for every batch of an epoch from `startBatch` on, yielding after
   * each one; the caller applies the update (and may pause) before asking for the next.
   */
  trainEpoch(
    epoch: number,
    ctxAt: (stepInEpoch: number) => RunContext,
    startBatch: number,
  ): Iterable<StepResult>;
  /**
   * Parameter groups that each get their own optimizer (a GAN's two nets), and options they
   * share; absent: one optimizer over model.params().
   */
  optimizerGroups?(): { name: string; params: Param[] }[];
  readonly adamBeta1?: number;
  /** Test-split metrics, e.g. { test_acc } (fractions in [0, 1]). */
  evaluate(ctx: RunContext): Record<string, number>;
}
