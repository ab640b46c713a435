// SPDX-License-Identifier: MIT
// Number formats: float32, fixed<bits,frac>, dfp<bits>.
export * from './format.js';
