// SPDX-License-Identifier: MIT
// DCGAN for 28x28 single-channel images (MNIST), Radford et al.'s recipe at MNIST size:
//   generator     z (N,Z,1,1) -> convT 7x7 -> (64,7,7) BN ReLU -> convT 4x4/2 -> (32,14,14) BN
//                 ReLU -> convT 4x4/2 -> (1,28,28) tanh
//   discriminator x (N,1,28,28) -> conv 4x4/2 -> (32,14,14) LeakyReLU(0.2) -> conv 4x4/2 ->
//                 (64,7,7) BN LeakyReLU(0.2) -> fc -> logit (N,1)
// Weights N(0, 0.02), BatchNorm gamma N(1, 0.02), as DCGAN initialises them. The two nets
// are children of one container, so schemes bind sites in both (layer names say the role:
// g_* and d_*) and a checkpoint holds both.

import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv2d.js';
import { ConvTranspose2d } from '../nn/conv-transpose2d.js';
import { BatchNorm2d } from '../nn/batchnorm.js';
import { ReLU } from '../nn/relu.js';
import { LeakyReLU } from '../nn/leaky-relu.js';
import { Tanh } from '../nn/tanh.js';
import { Flatten } from '../nn/flatten.js';
import { Linear } from '../nn/linear.js';
import { Layer } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import type { RunContext } from '../nn/context.js';
import { randNormal, type Rng } from '../quant/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { sumCosts, type LayerCost } from '../nn/cost.js';

export interface DcganSize {
  /** Latent size Z. */
  readonly z: number;
  /** Generator widths (first, second convT) and discriminator widths (first, second conv). */
  readonly g: readonly [number, number];
  readonly d: readonly [number, number];
}

export const DCGAN_SIZE: DcganSize = { z: 64, g: [64, 32], d: [32, 64] };

function normalInit(p: Param, mean: number, std: number, rng: Rng): void {
  const v = p.value;
  for (let i = 0; i < v.length; i++) v[i] = mean + std * randNormal(rng);
}

function dcganInit(net: Layer, rng: Rng): void {
  for (const p of net.params()) {
    if (p.role === 'weight') normalInit(p, 0, 0.02, rng);
    else if (p.role === 'gamma') normalInit(p, 1, 0.02, rng);
    else p.value.fill(0);
  }
}

/** The generator: z (N,Z,1,1) -> image (N,1,28,28) in (-1, 1). */
export function dcganGenerator(rng: Rng, s: DcganSize = DCGAN_SIZE): Sequential {
  const [a, b] = s.g;
  const net = new Sequential('generator', [
    new ConvTranspose2d('g_convt1', s.z, a, 7, rng, { bias: false }),
    new BatchNorm2d('g_bn1', a),
    new ReLU('g_relu1'),
    new ConvTranspose2d('g_convt2', a, b, 4, rng, { stride: 2, padding: 1, bias: false }),
    new BatchNorm2d('g_bn2', b),
    new ReLU('g_relu2'),
    new ConvTranspose2d('g_convt3', b, 1, 4, rng, { stride: 2, padding: 1 }),
    new Tanh('g_tanh'),
  ]);
  dcganInit(net, rng);
  return net;
}

/** The discriminator: image (N,1,28,28) -> logit (N,1) of "real". */
export function dcganDiscriminator(rng: Rng, s: DcganSize = DCGAN_SIZE): Sequential {
  const [a, b] = s.d;
  const net = new Sequential('discriminator', [
    new Conv2d('d_conv1', 1, a, 4, rng, { stride: 2, padding: 1 }),
    new LeakyReLU('d_lrelu1', 0.2),
    new Conv2d('d_conv2', a, b, 4, rng, { stride: 2, padding: 1, bias: false }),
    new BatchNorm2d('d_bn2', b),
    new LeakyReLU('d_lrelu2', 0.2),
    new Flatten('d_flatten'),
    new Linear('d_fc', b * 7 * 7, 1, rng),
  ]);
  dcganInit(net, rng);
  return net;
}

/**
 * Both nets as one layer tree (params, buffers, sites, checkpoints). It has no forward of its
 * own: the GAN task drives the generator and the discriminator.
 */
export class Dcgan extends Layer {
  readonly kind = 'dcgan';
  readonly generator: Sequential;
  readonly discriminator: Sequential;

  constructor(
    rng: Rng,
    readonly size: DcganSize = DCGAN_SIZE,
  ) {
    super('dcgan');
    this.generator = dcganGenerator(rng, size);
    this.discriminator = dcganDiscriminator(rng, size);
  }

  override children(): Layer[] {
    return [this.generator, this.discriminator];
  }

  override params(): Param[] {
    return [...this.generator.params(), ...this.discriminator.params()];
  }

  outputShape(_input: Shape): Shape {
    return [1, 28, 28];
  }

  /**
   * One forward and backward of each net at `batch`: the generator from z (Z,1,1), the
   * discriminator on images (1,28,28). A GAN batch runs them more than once (the GAN task: D on
   * real and on fake images, then G through D), so a step costs a sum of these.
   */
  cost(_input: Shape, batch: number): LayerCost {
    const g = this.generator.cost([this.size.z, 1, 1], batch);
    const d = this.discriminator.cost(g.output, batch);
    return sumCosts(d.output, [g, d]);
  }

  forward(_x: Tensor, _ctx: RunContext): Tensor {
    throw new Error('dcgan: train it with the GAN task (lowbit train --model dcgan)');
  }

  backward(_dy: Tensor, _ctx: RunContext): Tensor {
    throw new Error('dcgan: train it with the GAN task (lowbit train --model dcgan)');
  }

  override clearSaved(): void {
    this.generator.clearSaved();
    this.discriminator.clearSaved();
  }
}
