// SPDX-License-Identifier: MIT
// The GAN task (`--model dcgan` on MNIST): alternating discriminator and generator steps, each
// a step of the run, so the loop applies its update, checkpoints and resumes like any run.
//   step 2i:   D step on batch i: BCE(D(x_real), 1) + BCE(D(G(z)), 0), gradients in D only
//   step 2i+1: G step: BCE(D(G(z')), 1) (the non-saturating loss), gradients in G only
// Each net has its own Adam (beta1 0.5, Radford et al.); the noise of every step is drawn from
// a generator seeded by (seed, epoch, step), so a resumed run draws the same z. Real images
// are mapped from MNIST's normalisation to tanh's range [-1, 1].

import type { ClassificationDataset } from '../data/dataset.js';
import { Batcher } from '../data/batches.js';
import { MNIST_MEAN, MNIST_STD } from '../data/mnist.js';
import type { RunContext } from '../nn/context.js';
import type { Param } from '../nn/param.js';
import { Dcgan } from '../models/dcgan.js';
import { makeRng, randNormal, type Rng } from '../quant/rng.js';
import { dequantize, floatTensor, type FloatTensor, type Tensor } from '../tensor/tensor.js';
import type { TrainConfig } from './config.js';
import { confidentFraction, frechetDistance, type Judge } from './gan-judge.js';
import type { StepResult, Task } from './task.js';

export interface GanTaskOptions {
  batch: number;
  seed: number;
  limit?: number;
  /** Fixed noise vectors for evaluation and sample grids. */
  evalSamples?: number;
}

/** Adam's beta1 for both nets (DCGAN). */
export const GAN_BETA1 = 0.5;

export interface BceResult {
  readonly loss: number;
  /** d loss / d logit, already divided by N. */
  readonly grad: FloatTensor;
  /** Logits on the target's side of 0. */
  readonly correct: number;
}

/** Mean binary cross-entropy of logits (N, 1) against one target (0 or 1), stable form. */
export function bceWithLogits(logits: Tensor, target: 0 | 1): BceResult {
  const z = dequantize(logits);
  const N = z.length;
  const grad = new Float32Array(N);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < N; i++) {
    const v = z[i];
    if (!Number.isFinite(v))
      throw new RangeError(`gan: a logit is ${v}: training diverged (lower the learning rate)`);
    // -log sigmoid(v) for target 1, -log(1 - sigmoid(v)) for 0: max(v,0) - v*t + log(1+e^-|v|)
    loss += Math.max(v, 0) - v * target + Math.log1p(Math.exp(-Math.abs(v)));
    const p = 1 / (1 + Math.exp(-v));
    grad[i] = (p - target) / N;
    if (v > 0 === (target === 1)) correct++;
  }
  return { loss: loss / N, grad: floatTensor(logits.shape, grad), correct };
}

/** z (N, Z, 1, 1) ~ N(0, 1) from `rng`. */
export function latent(N: number, Z: number, rng: Rng): FloatTensor {
  const z = new Float32Array(N * Z);
  for (let i = 0; i < z.length; i++) z[i] = randNormal(rng);
  return floatTensor([N, Z, 1, 1], z);
}

/** MNIST-normalised pixels -> [-1, 1]. */
export function toTanhRange(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] * MNIST_STD + MNIST_MEAN) * 2 - 1;
  return out;
}

export class GanTask implements Task {
  readonly trainSize: number;
  /** Two steps (D then G) per batch of real images. */
  readonly batchesPerEpoch: number;
  private readonly batcher: Batcher;

  constructor(
    readonly model: Dcgan,
    readonly data: ClassificationDataset,
    readonly opts: GanTaskOptions,
  ) {
    const [C, H, W] = data.inputShape;
    if (data.inputShape.length !== 3 || C !== 1 || H !== 28 || W !== 28)
      throw new Error(
        `dcgan generates 1x28x28 images (MNIST); ${data.name} has [${data.inputShape.join(', ')}]`,
      );
    // The discriminator's first layer needs its input gradient (the G step flows through it).
    this.batcher = new Batcher(data.train, {
      batchSize: opts.batch,
      seed: opts.seed,
      limit: opts.limit,
    });
    this.trainSize = this.batcher.n;
    this.batchesPerEpoch = 2 * this.batcher.batchesPerEpoch;
  }

  /** Parameters per optimizer: the generator's, then the discriminator's. */
  readonly adamBeta1 = GAN_BETA1;
  /** Scores the samples at each evaluation when set (--judge). */
  judge: Judge | null = null;

  optimizerGroups(): { name: string; params: Param[] }[] {
    return [
      { name: 'generator', params: this.model.generator.params() },
      { name: 'discriminator', params: this.model.discriminator.params() },
    ];
  }

  /** The noise of step k of an epoch: its own stream, the same on a resumed run. */
  private noise(N: number, epoch: number, k: number): FloatTensor {
    const s = (this.opts.seed * 0x9e3779b1 + (epoch * this.batchesPerEpoch + k) * 0x85ebca6b) >>> 0;
    return latent(N, this.model.size.z, makeRng(s ^ 0x5bd1e995));
  }

  *trainEpoch(
    epoch: number,
    ctxAt: (k: number) => RunContext,
    startBatch: number,
  ): Generator<StepResult> {
    const { generator: G, discriminator: D } = this.model;
    let i = 0;
    for (const b of this.batcher.epoch(epoch)) {
      const N = b.size;
      for (const phase of [0, 1]) {
        const k = 2 * i + phase;
        if (k < startBatch) continue;
        const ctx = ctxAt(k);
        const fake = G.forward(this.noise(N, epoch, k), ctx);
        if (phase === 0) {
          G.clearSaved();
          const real = floatTensor([N, 1, 28, 28], toTanhRange(b.x));
          const lr = bceWithLogits(D.forward(real, ctx), 1);
          D.backward(lr.grad, ctx);
          D.clearSaved();
          const lf = bceWithLogits(D.forward(floatTensor(fake.shape, dequantize(fake)), ctx), 0);
          D.backward(lf.grad, ctx);
          D.clearSaved();
          yield { loss: lr.loss + lf.loss, count: 2 * N, correct: lr.correct + lf.correct };
        } else {
          const l = bceWithLogits(D.forward(fake, ctx), 1);
          const dx = D.backward(l.grad, ctx);
          D.clearSaved();
          for (const p of D.params()) p.zeroGrad(); // the G step updates G only
          G.backward(dx, ctx);
          G.clearSaved();
          yield { loss: l.loss, count: N, correct: l.correct };
        }
      }
      i++;
    }
  }

  /** n images (n, 1, 28, 28) in [-1, 1] from the fixed evaluation noise (G in eval mode). */
  samples(ctx: RunContext, n = this.opts.evalSamples ?? 256): Float32Array {
    const ev: RunContext = { ...ctx, training: false };
    const z = latent(n, this.model.size.z, makeRng((this.opts.seed ^ 0x2545f491) >>> 0));
    return dequantize(this.model.generator.forward(z, ev)).slice();
  }

  /**
   * The discriminator's view of the test split and of the fixed-noise samples: its losses and
   * its accuracy (test_acc: fraction of real and generated images it tells apart).
   */
  evaluate(ctx: RunContext): Record<string, number> {
    const ev: RunContext = { ...ctx, training: false };
    const D = this.model.discriminator;
    const fakes = this.samples(ev);
    const nf = fakes.length / 784;
    const lf = bceWithLogits(D.forward(floatTensor([nf, 1, 28, 28], fakes), ev), 0);
    const gl = bceWithLogits(D.forward(floatTensor([nf, 1, 28, 28], fakes), ev), 1);
    const nr = Math.min(this.data.test.n, nf);
    const real = toTanhRange(this.data.test.x.subarray(0, nr * 784));
    const lr = bceWithLogits(D.forward(floatTensor([nr, 1, 28, 28], real), ev), 1);
    const out: Record<string, number> = {
      test_acc: (lr.correct + lf.correct) / (nr + nf),
      test_d_loss: lr.loss + lf.loss,
      test_g_loss: gl.loss,
    };
    if (this.judge) {
      const jf = this.judge.judge(fakes, nf);
      const jr = this.judge.judge(real, nr);
      out.test_fid = frechetDistance(jf.features, nf, jr.features, nr, jf.d);
      out.test_confident = confidentFraction(jf.top);
    }
    return out;
  }
}

export function buildGanTask(data: ClassificationDataset, cfg: TrainConfig, rng: Rng): GanTask {
  if (cfg.optimizer !== 'adam')
    throw new Error(
      'dcgan trains with Adam (beta1 0.5, one per net): add --optimizer adam (and e.g. --lr 0.0002)',
    );
  return new GanTask(new Dcgan(rng), data, { batch: cfg.batch, seed: cfg.seed, limit: cfg.limit });
}
