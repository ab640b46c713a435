// SPDX-License-Identifier: MIT
// The two scales of the suite. `quick` shows every experiment in minutes on a laptop-class
// CPU (few samples and steps: accuracies are far from converged); `full` trains to
// convergence-level accuracy at this machine's scale and may take hours.

import { slug } from './runs.js';
import type { RunSpec, Scale, Setting } from './types.js';

export const QUICK: Scale = {
  name: 'quick',
  label:
    'QUICK RUN: a few hundred to a few thousand samples, 1-2 epochs; accuracies are not converged',
  mnist: {
    model: 'lenet5',
    dataset: 'mnist',
    epochs: 2,
    limit: 4000,
    testLimit: 1000,
    batch: 32,
    lr: 0.05,
  },
  resnet: {
    model: 'resnet20',
    dataset: 'shapes32',
    epochs: 1,
    limit: 128,
    testLimit: 128,
    batch: 32,
    lr: 0.05,
  },
  gauss: { model: 'mlp', epochs: 1, batch: 32, lr: 0.05 },
  gaussClasses: [10, 100, 1000],
  classifierBits: [4, 6, 8, 10, 12, 16],
};

export const FULL: Scale = {
  name: 'full',
  label: 'full run: all training samples, tens of epochs (still far smaller than the papers)',
  mnist: { model: 'lenet5', dataset: 'mnist', epochs: 10, batch: 64, lr: 0.05 },
  resnet: { model: 'resnet20', dataset: 'shapes32', epochs: 30, batch: 64, lr: 0.05 },
  gauss: { model: 'mlp', epochs: 10, batch: 64, lr: 0.05 },
  gaussClasses: [10, 30, 100, 300, 1000],
  classifierBits: [4, 6, 8, 9, 10, 11, 12, 13, 14, 16],
};

export function scaleByName(name: 'quick' | 'full'): Scale {
  return name === 'quick' ? QUICK : FULL;
}

/**
 * A run of `scheme` in `setting`. Every suite run records telemetry (sampled, cheap), so any
 * experiment can draw distributions from any run and identical runs are shared.
 */
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
    telemetry: true,
    ...(limit !== undefined ? { limit } : {}),
    ...(testLimit !== undefined ? { testLimit } : {}),
  };
  const id = slug(
    [model, dataset, scheme, `e${epochs}`, `n${limit ?? 'all'}`, `b${batch}`, `lr${lr}`].join('-'),
  );
  return { id, config };
}
