// SPDX-License-Identifier: MIT
// Models by name, for the CLI and for experiments, each with the task it trains on. A model
// of images or sequences with classes (classification, and the GAN on a classification
// dataset's images) is built from the dataset's per-sample input shape, its class count and a
// seeded generator; a translation model from the dataset's vocabularies and lengths.

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
import { Seq2Seq } from './seq2seq.js';
import { Transformer } from './transformer.js';
import type { TranslationModel, TranslationSizes } from './translation.js';

export type ModelBuilder = (inputShape: Shape, numClasses: number, rng: Rng) => Layer;
export type TranslationBuilder = (sizes: TranslationSizes, rng: Rng) => TranslationModel;

/** What a model trains on: which training task (train/tasks.ts) builds and drives it. */
export type ModelTask = 'classification' | 'gan' | 'translation';

type Entry =
  | { readonly task: 'classification' | 'gan'; readonly summary: string; build: ModelBuilder }
  | { readonly task: 'translation'; readonly summary: string; build: TranslationBuilder };

const models = new Map<string, Entry>();

/** A model built from an input shape and a class count (a classifier). */
export function registerModel(name: string, summary: string, build: ModelBuilder): void {
  models.set(name, { task: 'classification', build, summary });
}

/** A GAN: built from its images' shape, trained by the GAN task on a classification dataset. */
export function registerGanModel(name: string, summary: string, build: ModelBuilder): void {
  models.set(name, { task: 'gan', build, summary });
}

/** A translation model, built from a translation dataset's vocabularies and lengths. */
export function registerTranslationModel(
  name: string,
  summary: string,
  build: TranslationBuilder,
): void {
  models.set(name, { task: 'translation', build, summary });
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
registerTranslationModel(
  'seq2seq',
  'LSTM encoder, dot attention, LSTM decoder',
  (sizes, r) => new Seq2Seq('seq2seq', sizes, r),
);
registerTranslationModel(
  'transformer',
  'encoder-decoder Transformer, d_model 32, 2 heads, 1+1 layers, LayerNorm',
  (sizes, r) => new Transformer('transformer', sizes, r),
);
registerModel(
  'cnn-bn',
  'conv net with BatchNorm (Park et al. SVHN style): 2x(conv-BN-ReLU)+pool x3, fc256-BN, fc',
  (s, c, r) => cnnBn(s, c, r),
);

registerGanModel(
  'dcgan',
  'DCGAN for 28x28 digits: generator z-convT7-BN-ReLU-convT4/2-BN-ReLU-convT4/2-tanh, discriminator conv4/2-LReLU-conv4/2-BN-LReLU-fc',
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

/** The task `name` trains on, or undefined for an unknown model. */
export function modelTask(name: string): ModelTask | undefined {
  return models.get(name)?.task;
}

export function modelSummaries(): { name: string; task: ModelTask; summary: string }[] {
  return [...models].map(([name, m]) => ({ name, task: m.task, summary: m.summary }));
}

function entry(name: string): Entry {
  const m = models.get(name);
  if (!m) throw new Error(`unknown model "${name}": known models are ${modelNames().join(', ')}`);
  return m;
}

/** Names of the models of one task, for error messages. */
function namesOf(task: ModelTask): string {
  return [...models].flatMap(([n, m]) => (m.task === task ? [n] : [])).join(', ');
}

/** Builds a classification model or a GAN from a per-sample input shape and a class count. */
export function buildModel(name: string, inputShape: Shape, numClasses: number, rng: Rng): Layer {
  const m = entry(name);
  if (m.task === 'translation') {
    throw new Error(
      `${name} is a translation model, built from a translation dataset's vocabularies: ` +
        `train it with --dataset translate`,
    );
  }
  return m.build(inputShape, numClasses, rng);
}

/** Builds a translation model for a dataset's vocabularies and lengths. */
export function buildTranslationModel(
  name: string,
  sizes: TranslationSizes,
  rng: Rng,
): TranslationModel {
  const m = entry(name);
  if (m.task !== 'translation') {
    throw new Error(
      `${name} is a ${m.task} model, not a translation model: the translation models are ` +
        namesOf('translation'),
    );
  }
  return m.build(sizes, rng);
}
