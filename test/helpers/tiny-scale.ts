// SPDX-License-Identifier: MIT
// A repro scale small enough for end-to-end tests: every experiment's runs train an MLP on 96
// samples of gauss-10 for one epoch (the gauss sweep overrides the dataset per class count).

import type { Scale } from '../../src/repro/types.js';

const tiny = {
  model: 'mlp',
  dataset: 'gauss-10',
  epochs: 1,
  limit: 96,
  testLimit: 64,
  batch: 32,
  lr: 0.05,
};

export const TINY_SCALE: Scale = {
  name: 'quick',
  label: 'TEST RUN: 96 samples, 1 epoch',
  mnist: tiny,
  resnet: tiny,
  second: tiny,
  gauss: tiny,
  gaussClasses: [10],
  classifierBits: [4, 8],
};
