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
import { Seq2Seq } from '../models/seq2seq.js';
import { Transformer } from '../models/transformer.js';
import type { Layer } from '../nn/layer.js';
import { dequantize, floatTensor, type FloatTensor, type Tensor } from '../tensor/tensor.js';
import type { Rng } from '../quant/rng.js';
import type { TrainConfig } from './config.js';
import { registerTask } from './setup.js';
import type { StepResult, Task } from './task.js';

export interface Seq2SeqTaskOptions {
  batch: number;
  seed: number;
  limit?: number;
  evalBatch?: number;
}

/** A translation model: packed ids (N, S+T) -> logits (N*T, V), and greedy decoding. */
export interface TranslationModel extends Layer {
  greedy(src: Int32Array, N: number, maxLen: number, ctx: RunContext): Int32Array;
}

export interface TokenLoss {
  readonly loss: number;
  readonly grad: FloatTensor;
  readonly tokens: number;
  readonly correct: number;
}

/** logits (N*T, V), targets (N*T) -> mean cross-entropy over non-PAD targets and its gradient. */
export function maskedCrossEntropy(logits: Tensor, targets: Int32Array, pad: number): TokenLoss {
  const [R, V] = logits.shape;
  if (targets.length !== R) throw new Error(`loss: ${R} logit rows but ${targets.length} targets`);
  const z = dequantize(logits);
  const grad = new Float32Array(R * V);
  let tokens = 0;
  for (let r = 0; r < R; r++) if (targets[r] !== pad) tokens++;
  let loss = 0;
  let correct = 0;
  const inv = 1 / Math.max(1, tokens);
  for (let r = 0; r < R; r++) {
    const y = targets[r];
    if (y === pad) continue;
    const o = r * V;
    let mx = -Infinity;
    let arg = 0;
    for (let v = 0; v < V; v++)
      if (z[o + v] > mx) {
        mx = z[o + v];
        arg = v;
      }
    if (!Number.isFinite(mx))
      throw new RangeError(`loss: logits hold ${mx}: training diverged (lower the learning rate)`);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(z[o + v] - mx);
    loss += Math.log(sum) - (z[o + y] - mx);
    for (let v = 0; v < V; v++)
      grad[o + v] = (Math.exp(z[o + v] - mx) / sum - (v === y ? 1 : 0)) * inv;
    if (arg === y) correct++;
  }
  return { loss: loss * inv, grad: floatTensor([R, V], grad), tokens, correct };
}

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
      const l = maskedCrossEntropy(this.model.forward(x, ctx), y, this.data.pad);
      this.model.backward(l.grad, ctx);
      this.model.clearSaved();
      yield { loss: l.loss, count: l.tokens, correct: l.correct };
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
    for (const b of batcher.epoch(0)) {
      const out = this.model.greedy(b.src, b.size, maxLen, ctx);
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
    for (const b of batcher.epoch(0)) {
      const { x, y } = this.pack(b);
      const l = maskedCrossEntropy(this.model.forward(x, ev), y, this.data.pad);
      tokens += l.tokens;
      correct += l.correct;
      nll += l.loss * l.tokens;
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

export function buildSeq2SeqTask(data: Seq2SeqDataset, cfg: TrainConfig, rng: Rng): Seq2SeqTask {
  if (cfg.model !== 'seq2seq' && cfg.model !== 'transformer') {
    throw new Error(
      `the ${data.name} dataset trains a translation model: use --model seq2seq or --model transformer (got ${cfg.model})`,
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
  const model =
    cfg.model === 'transformer'
      ? new Transformer('transformer', sizes, rng)
      : new Seq2Seq('seq2seq', sizes, rng);
  return new Seq2SeqTask(model, data, { batch: cfg.batch, seed: cfg.seed, limit: cfg.limit });
}

registerTask('seq2seq', (data, cfg, rng) => {
  if (data.kind !== 'seq2seq') throw new Error(`${data.name} is not a seq2seq dataset`);
  return buildSeq2SeqTask(data, cfg, rng);
});
