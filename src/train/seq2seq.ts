// SPDX-License-Identifier: MIT
// Translation: teacher-forced training of the seq2seq model with cross-entropy over target
// tokens (PAD targets ignored); evaluation reports token accuracy (teacher-forced) as test_acc
// and corpus BLEU of greedy decodes as test_bleu. Step results count target tokens, so the
// trainer's train_loss is per token and train_acc is token accuracy.

import type { Seq2SeqDataset, SeqSplit } from '../data/dataset.js';
import { decodeTokens } from '../data/dataset.js';
import { SeqBatcher, type SeqBatch } from '../data/batches.js';
import { corpusBleu } from '../data/bleu.js';
import type { RunContext } from '../nn/context.js';
import { floatTensor, type FloatTensor } from '../tensor/tensor.js';
import { softmaxCrossEntropy } from '../nn/loss.js';
import { buildTranslationModel as buildNamed, modelTask } from '../models/registry.js';
import type { TranslationModel } from '../models/translation.js';
import type { Rng } from '../quant/rng.js';
import type { TrainConfig } from './config.js';
import type { StepResult, Task } from './task.js';

export interface Seq2SeqTaskOptions {
  batch: number;
  seed: number;
  limit?: number;
  evalBatch?: number;
}

export type { TranslationModel } from '../models/translation.js';

export class Seq2SeqTask implements Task {
  readonly trainSize: number;
  readonly batchesPerEpoch: number;
  private readonly batcher: SeqBatcher;
  private readonly S: number;
  private readonly T: number;

  constructor(
    readonly model: TranslationModel,
    readonly data: Seq2SeqDataset,
    readonly opts: Seq2SeqTaskOptions,
  ) {
    this.batcher = new SeqBatcher(data.train, {
      batchSize: opts.batch,
      seed: opts.seed,
      limit: opts.limit,
    });
    this.trainSize = this.batcher.n;
    this.batchesPerEpoch = this.batcher.batchesPerEpoch;
    this.S = data.maxSrcLen;
    this.T = data.maxTgtLen - 1;
  }

  /** Packs a batch as the model's input [src | tgt[:, :-1]] and the targets tgt[:, 1:]. */
  private pack(b: Pick<SeqBatch, 'src' | 'tgt' | 'size'>): { x: FloatTensor; y: Int32Array } {
    const { S, T } = this;
    const W = T + 1;
    const x = new Float32Array(b.size * (S + T));
    const y = new Int32Array(b.size * T);
    for (let n = 0; n < b.size; n++) {
      const o = n * (S + T);
      for (let s = 0; s < S; s++) x[o + s] = b.src[n * S + s];
      for (let t = 0; t < T; t++) {
        x[o + S + t] = b.tgt[n * W + t];
        y[n * T + t] = b.tgt[n * W + t + 1];
      }
    }
    return { x: floatTensor([b.size, S + T], x), y };
  }

  *trainEpoch(
    epoch: number,
    ctxAt: (k: number) => RunContext,
    startBatch: number,
  ): Generator<StepResult> {
    let k = 0;
    for (const b of this.batcher.epoch(epoch)) {
      if (k < startBatch) {
        k++;
        continue;
      }
      const ctx = ctxAt(k);
      const { x, y } = this.pack(b);
      const l = softmaxCrossEntropy(this.model.forward(x, ctx), y, this.data.pad, ctx);
      this.model.backward(l.grad, ctx);
      this.model.clearSaved();
      yield { loss: l.loss, count: l.count, correct: l.correct };
      k++;
    }
  }

  /** Greedy translations of a split, as token strings, with their references. */
  translate(split: SeqSplit, ctx: RunContext): { cands: string[][]; refs: string[][] } {
    const batcher = new SeqBatcher(split, {
      batchSize: this.opts.evalBatch ?? 256,
      shuffle: false,
    });
    const cands: string[][] = [];
    const refs: string[][] = [];
    const maxLen = this.data.maxTgtLen + 2;
    let id = -1;
    for (const b of batcher.epoch(0)) {
      // Each batch's arrays live in the kernels' workspace until the next batch (see
      // ClassificationTask.evaluate); its tokens are decoded before then.
      const out = this.model.greedy(b.src, b.size, maxLen, { ...ctx, evalStep: id-- });
      for (let n = 0; n < b.size; n++) {
        cands.push(decodeTokens(this.data.tgtVocab, out.subarray(n * maxLen, (n + 1) * maxLen)));
        refs.push(
          decodeTokens(
            this.data.tgtVocab,
            b.tgt.subarray(n * (this.T + 1), (n + 1) * (this.T + 1)),
          ),
        );
      }
    }
    return { cands, refs };
  }

  evaluate(ctx: RunContext): Record<string, number> {
    const ev: RunContext = { ...ctx, training: false };
    const batcher = new SeqBatcher(this.data.test, {
      batchSize: this.opts.evalBatch ?? 256,
      shuffle: false,
    });
    let tokens = 0;
    let correct = 0;
    let nll = 0;
    let id = -1;
    for (const b of batcher.epoch(0)) {
      const { x, y } = this.pack(b);
      const bctx: RunContext = { ...ev, evalStep: id-- };
      const l = softmaxCrossEntropy(this.model.forward(x, bctx), y, this.data.pad);
      tokens += l.count;
      correct += l.correct;
      nll += l.loss * l.count;
    }
    const { cands, refs } = this.translate(this.data.test, ev);
    const bleu = corpusBleu(
      cands,
      refs.map((r) => [r]),
    ).bleu;
    // Perplexity: exp of the mean per-token cross-entropy (teacher-forced).
    return {
      test_acc: correct / Math.max(1, tokens),
      test_bleu: bleu,
      test_ppl: Math.exp(nll / Math.max(1, tokens)),
    };
  }
}

/** The translation model `name` (models/registry.ts) sized for `data`'s vocabularies. */
export function buildTranslationModel(
  data: Seq2SeqDataset,
  name: string,
  rng: Rng,
): TranslationModel {
  if (modelTask(name) !== 'translation') {
    throw new Error(
      `the ${data.name} dataset trains a translation model: use --model seq2seq or --model transformer (got ${name})`,
    );
  }
  const sizes = {
    srcVocab: data.srcVocab.tokens.length,
    tgtVocab: data.tgtVocab.tokens.length,
    srcLen: data.maxSrcLen,
    tgtLen: data.maxTgtLen - 1,
    pad: data.pad,
    bos: data.bos,
    eos: data.eos,
  };
  return buildNamed(name, sizes, rng);
}

export function buildSeq2SeqTask(data: Seq2SeqDataset, cfg: TrainConfig, rng: Rng): Seq2SeqTask {
  const model = buildTranslationModel(data, cfg.model, rng);
  return new Seq2SeqTask(model, data, { batch: cfg.batch, seed: cfg.seed, limit: cfg.limit });
}
