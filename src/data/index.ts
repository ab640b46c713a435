// SPDX-License-Identifier: MIT
// Datasets: IDX/MNIST reading, seeded batching, synthetic sets, BLEU, and the registry.
export * from './dataset.js';
export * from './idx.js';
export * from './mnist.js';
export * from './batches.js';
export * from './shapes32.js';
export * from './gauss.js';
export * from './translate.js';
export * from './bleu.js';
export * from './registry.js';
