// SPDX-License-Identifier: MIT
// Tensors, shapes and storage dtypes.
export * from './dtype.js';
export * from './shape.js';
export * from './tensor.js';
