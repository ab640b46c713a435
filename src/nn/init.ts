// SPDX-License-Identifier: MIT
// Weight initialisation, seeded. The default matches PyTorch's Linear/Conv2d default
// (kaiming uniform with a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and bias,
// so lowbit's fp32 runs are comparable with the usual baselines.

import type { Rng } from '../quant/rng.js';
import { randNormal } from '../quant/rng.js';

export function uniformInit(out: Float32Array, bound: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = (rng.nextFloat() * 2 - 1) * bound;
}

export function defaultInit(
  weight: Float32Array,
  bias: Float32Array | null,
  fanIn: number,
  rng: Rng,
): void {
  const bound = 1 / Math.sqrt(fanIn);
  uniformInit(weight, bound, rng);
  if (bias) uniformInit(bias, bound, rng);
}

/** He (MSRA) normal init, std = sqrt(2 / fan_in): for deep ReLU nets with BatchNorm. */
export function heNormal(weight: Float32Array, fanIn: number, rng: Rng): void {
  const std = Math.sqrt(2 / fanIn);
  for (let i = 0; i < weight.length; i++) weight[i] = randNormal(rng) * std;
}
