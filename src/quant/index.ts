// SPDX-License-Identifier: MIT
// Rounding, seeded generators and quantizers.
export * from './rng.js';
export * from './rounding.js';
export * from './stats.js';
export * from './quantize.js';
