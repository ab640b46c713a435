// SPDX-License-Identifier: MIT
// The two scales of the suite. `quick` shows every experiment in small runs (few samples and
// steps, a smaller ResNet: accuracies are far from converged); `full` trains ResNet-20 on
// shapes32 and LeNet-5 on all of MNIST for tens of epochs and takes hours.

import { slug } from '../sweep/spec.js';
import type { RunSpec, Scale, Setting } from './types.js';

/**
 * Quick: every experiment in small runs (56 runs; see test/unit/report-scale.test.ts). LeNet-5 and the
 * MLP see 10,000 MNIST samples once. The BatchNorm experiments use ResNet-8 (ResNet-20 with
 * one block per stage) on MNIST, not shapes32: ResNet-8 trains at ~100-150 samples/s in fp32
 * here (~60 in wageubn, ~20 with telemetry), and on shapes32 it stays near chance (13-31%)
 * within the few thousand samples that fit, while MNIST gets well above it. The gauss-N sweep
 * stops at N = 300 (rule: 11 bits): with INT8 hidden layers, N = 1000 stays at chance for 3
 * epochs (~10 s each), which is all the budget allows.
 */
export const QUICK: Scale = {
  name: 'quick',
  label:
    'QUICK RUN: LeNet-5 and MLP on 10,000 MNIST samples for 1 epoch; ResNet-8 on 1,280 MNIST samples for 2 epochs in place of ResNet-20 on shapes32; gauss-N for N = 10, 100, 300 (not 1000) for 8 epochs at 4 classifier widths; accuracies are not converged and differences of a few points are noise',
  mnist: {
    model: 'lenet5',
    dataset: 'mnist',
    epochs: 1,
    limit: 10000,
    testLimit: 2000,
    batch: 32,
    lr: 0.02,
  },
  second: {
    model: 'mlp',
    dataset: 'mnist',
    epochs: 1,
    limit: 10000,
    testLimit: 2000,
    batch: 32,
    lr: 0.02,
  },
  resnet: {
    model: 'resnet8',
    dataset: 'mnist',
    epochs: 2,
    limit: 1280,
    testLimit: 500,
    batch: 32,
    lr: 0.05,
  },
  gauss: { model: 'mlp', epochs: 8, batch: 32, lr: 0.05 },
  gaussClasses: [10, 100, 300],
  classifierBits: [4, 8, 12, 16],
};

const FULL_RESNET: Setting = {
  model: 'resnet20',
  dataset: 'shapes32',
  epochs: 30,
  batch: 64,
  lr: 0.05,
};

export const FULL: Scale = {
  name: 'full',
  label: 'full run: all training samples, tens of epochs (still far smaller than the papers)',
  mnist: { model: 'lenet5', dataset: 'mnist', epochs: 10, batch: 64, lr: 0.02 },
  resnet: FULL_RESNET,
  second: FULL_RESNET,
  gauss: { model: 'mlp', epochs: 10, batch: 64, lr: 0.05 },
  gaussClasses: [10, 30, 100, 300, 1000],
  classifierBits: [4, 6, 8, 9, 10, 11, 12, 13, 14, 16],
};

const MODEL_NAMES: Record<string, string> = {
  lenet5: 'LeNet-5',
  mlp: 'MLP (300-100)',
  resnet8: 'ResNet-8',
  resnet20: 'ResNet-20',
  'cnn-bn': 'CNN-BN',
};

const DATA_NAMES: Record<string, string> = { mnist: 'MNIST', shapes32: 'shapes32' };

/** "LeNet-5 on MNIST (8000 of the training samples, 1 epoch, batch 32, lr 0.02)". */
export function describe(s: Setting): string {
  const n = s.limit === undefined ? 'all training samples' : `${s.limit} training samples`;
  const ep = `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}`;
  const test = s.testLimit === undefined ? '' : `, ${s.testLimit} test samples`;
  return `${modelName(s.model)} on ${DATA_NAMES[s.dataset] ?? s.dataset} (${n}, ${ep}, batch ${s.batch}, lr ${s.lr}${test})`;
}

export function modelName(model: string): string {
  return MODEL_NAMES[model] ?? model;
}

export function scaleByName(name: 'quick' | 'full'): Scale {
  return name === 'quick' ? QUICK : FULL;
}

/**
 * Schemes whose runs record telemetry: the experiments read distributions only from fp32 and
 * wageubn8 (WAGEUBN Fig. 9) and adaptive (Zhang's widths and adjustments). Telemetry samples
 * about 40 steps per run, so a short run pays it on nearly every step (ResNet-8 trains ~4x
 * slower with it); the rule is by scheme alone so that shared runs agree.
 */
const TELEMETRY_SCHEMES = new Set(['fp32', 'wageubn8', 'adaptive']);

/** A run of `scheme` in `setting`; identical runs (same id) are shared between experiments. */
export function runOf(
  setting: Setting,
  scheme: string,
  schemeRef = scheme,
  dataset = setting.dataset,
): RunSpec {
  const { model, epochs, limit, testLimit, batch, lr } = setting;
  const config = {
    model,
    dataset,
    scheme: schemeRef,
    epochs,
    batch,
    lr,
    seed: 1,
    telemetry: TELEMETRY_SCHEMES.has(scheme),
    ...(limit !== undefined ? { limit } : {}),
    ...(testLimit !== undefined ? { testLimit } : {}),
  };
  const id = slug(
    [model, dataset, scheme, `e${epochs}`, `n${limit ?? 'all'}`, `b${batch}`, `lr${lr}`].join('-'),
  );
  return { id, config };
}
