// SPDX-License-Identifier: MIT
// Classification: softmax cross-entropy on the model's (N, classes) output.

import type { ClassificationDataset } from '../data/dataset.js';
import { Batcher } from '../data/batches.js';
import { skipDataInputGrad, type Layer } from '../nn/layer.js';
import type { RunContext } from '../nn/context.js';
import { predict, softmaxCrossEntropy } from '../nn/loss.js';
import { floatTensor } from '../tensor/tensor.js';
import type { StepResult, Task } from './task.js';

export interface ClassificationOptions {
  batch: number;
  seed: number;
  limit?: number;
  /**
   * Batch size for evaluation; default the training batch. Larger batches do not pay here: a
   * ResNet's im2col matrices at batch 300 outgrow the caches and the kernels' workspace (every
   * kernel then copies its operands), and dynamic-exponent schemes see batches of the size they
   * trained on.
   */
  evalBatch?: number;
}

export class ClassificationTask implements Task {
  readonly trainSize: number;
  readonly batchesPerEpoch: number;
  private readonly batcher: Batcher;

  constructor(
    readonly model: Layer,
    readonly data: ClassificationDataset,
    readonly opts: ClassificationOptions,
  ) {
    // The data's gradient is never used: the first layer can skip computing it.
    skipDataInputGrad(model);
    this.batcher = new Batcher(data.train, {
      batchSize: opts.batch,
      seed: opts.seed,
      limit: opts.limit,
    });
    this.trainSize = this.batcher.n;
    this.batchesPerEpoch = this.batcher.batchesPerEpoch;
  }

  *trainEpoch(
    epoch: number,
    ctxAt: (k: number) => RunContext,
    startBatch: number,
  ): Generator<StepResult> {
    const shape = this.data.inputShape;
    let k = 0;
    for (const b of this.batcher.epoch(epoch)) {
      if (k < startBatch) {
        k++;
        continue;
      }
      const ctx = ctxAt(k);
      const x = floatTensor([b.size, ...shape], b.x);
      const logits = this.model.forward(x, ctx);
      const l = softmaxCrossEntropy(logits, b.y, undefined, ctx);
      this.model.backward(l.grad, ctx);
      this.model.clearSaved();
      yield { loss: l.loss, count: b.size, correct: l.correct };
      k++;
    }
  }

  evaluate(ctx: RunContext): Record<string, number> {
    const split = this.data.test;
    const batcher = new Batcher(split, {
      batchSize: this.opts.evalBatch ?? this.opts.batch,
      shuffle: false,
    });
    let correct = 0;
    let top5 = 0;
    const C = this.data.numClasses;
    let id = -1;
    for (const b of batcher.epoch(0)) {
      // Each batch's arrays live in the kernels' workspace (no copies in and out of every
      // kernel); the logits are read before the next batch frees them.
      const bctx: RunContext = { ...ctx, evalStep: id-- };
      const logits = this.model.forward(floatTensor([b.size, ...this.data.inputShape], b.x), bctx);
      const pred = predict(logits);
      for (let i = 0; i < b.size; i++) if (pred[i] === b.y[i]) correct++;
      if (C > 10) top5 += topKHits(logits.kind === 'float' ? logits.data : logits.mant, b.y, C, 5);
    }
    const out: Record<string, number> = { test_acc: correct / Math.max(1, batcher.n) };
    if (C > 10) out.test_top5 = top5 / Math.max(1, batcher.n);
    return out;
  }
}

/** Rows of (N, C) scores whose label is among the k largest. */
function topKHits(z: ArrayLike<number>, y: Int32Array, C: number, k: number): number {
  let hits = 0;
  for (let n = 0; n < y.length; n++) {
    const t = z[n * C + y[n]];
    let above = 0;
    for (let c = 0; c < C; c++) if (z[n * C + c] > t) above++;
    if (above < k) hits++;
  }
  return hits;
}
