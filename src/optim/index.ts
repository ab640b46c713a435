// SPDX-License-Identifier: MIT
// The optimizers: plain and low-precision SGD/Momentum, Adam, WAGEUBN's integer Momentum.
// Which one a run uses, with its sites bound from a scheme, is schemes/optimizer.ts.

export * from './optimizer.js';
export * from './sgd.js';
export * from './adam.js';
export * from './wageubn-momentum.js';
export * from './wageubn-budget.js';
