// SPDX-License-Identifier: MIT
// Models by name, for the CLI and for experiments. Each builder takes the dataset's
// per-sample input shape, its class count and a seeded generator for initialisation.

import type { Layer } from '../nn/layer.js';
import type { Rng } from '../quant/rng.js';
import type { Shape } from '../tensor/shape.js';
import { mlp } from './mlp.js';
import { lenet5 } from './lenet5.js';
import { resnet20 } from './resnet20.js';
import { resnet8 } from './resnet8.js';
import { cnnBn } from './cnn-bn.js';
import { lstmClassifier } from './lstm.js';
import { Dcgan } from './dcgan.js';

export type ModelBuilder = (inputShape: Shape, numClasses: number, rng: Rng) => Layer;

const models = new Map<string, { build: ModelBuilder; summary: string }>();

export function registerModel(name: string, summary: string, build: ModelBuilder): void {
  models.set(name, { build, summary });
}

registerModel('mlp', 'multilayer perceptron, hidden 300-100 (LeNet-300-100)', (s, c, r) =>
  mlp(s, c, r),
);
registerModel('lenet5', 'LeNet-5: conv6-pool-conv16-pool-fc120-fc84-fc', lenet5);
registerModel(
  'resnet20',
  'ResNet-20 (CIFAR style): 3 stages x 3 basic blocks, 16/32/64 ch, BN, GAP, fc',
  resnet20,
);
registerModel('resnet8', 'ResNet-8: ResNet-20 with 1 basic block per stage, 16/32/64 ch', resnet8);
registerModel(
  'lstm',
  'LSTM classifier for (T, F) sequences: LSTM 64 -> fc on the last state',
  (s, c, r) => lstmClassifier(s, c, r),
);
registerModel(
  'seq2seq',
  'LSTM encoder, dot attention, LSTM decoder (translation; built by the seq2seq task)',
  () => {
    throw new Error(
      "seq2seq is built from a translation dataset's vocabularies: use --dataset translate",
    );
  },
);
registerModel(
  'transformer',
  'encoder-decoder Transformer, d_model 32, 2 heads, 1+1 layers, LayerNorm (translation; built by the seq2seq task)',
  () => {
    throw new Error(
      "transformer is built from a translation dataset's vocabularies: use --dataset translate",
    );
  },
);
registerModel(
  'cnn-bn',
  'conv net with BatchNorm (Park et al. SVHN style): 2x(conv-BN-ReLU)+pool x3, fc256-BN, fc',
  (s, c, r) => cnnBn(s, c, r),
);

registerModel(
  'dcgan',
  'DCGAN for 28x28 digits: generator z-convT7-BN-ReLU-convT4/2-BN-ReLU-convT4/2-tanh, discriminator conv4/2-LReLU-conv4/2-BN-LReLU-fc (built by the GAN task)',
  // Both nets in one layer tree; the GAN task (train/gan.ts) drives them, `lowbit train
  // --model dcgan --dataset mnist --optimizer adam`.
  (s, _c, r) => {
    if (s.join('x') !== '1x28x28')
      throw new Error(`dcgan draws 28x28 single-channel images: got input [${s.join(', ')}]`);
    return new Dcgan(r);
  },
);

export function modelNames(): string[] {
  return [...models.keys()];
}

export function modelSummaries(): { name: string; summary: string }[] {
  return [...models].map(([name, m]) => ({ name, summary: m.summary }));
}

export function buildModel(name: string, inputShape: Shape, numClasses: number, rng: Rng): Layer {
  const m = models.get(name);
  if (!m) throw new Error(`unknown model "${name}": known models are ${modelNames().join(', ')}`);
  return m.build(inputShape, numClasses, rng);
}
