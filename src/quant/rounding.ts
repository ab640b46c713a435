// SPDX-License-Identifier: MIT
// Rounding modes. Each maps a real x (in units of the target step) to an integer.
//
//   nearest:    floor(x + 1/2)          round half up (ties go toward +inf)
//   stochastic: floor(x + u), u ~ U[0,1) with 24 random bits
//               P(round up) = frac(x) (to 2^-24), so E[result] = x: unbiased
//   floor:      floor(x)                truncation toward -inf (an arithmetic right shift)
//
// On integer mantissas shifted right by s bits the same rules are
//   nearest (m + 2^(s-1)) >> s,  stochastic (m + r) >> s with r the top s of the 24
//   random bits,  floor m >> s,
// which give the same integers as the float formulas on the dequantized values.

import type { Rng } from './rng.js';

export type Rounding = 'nearest' | 'stochastic' | 'floor';
export const ROUNDINGS: readonly Rounding[] = ['nearest', 'stochastic', 'floor'];

export function roundNearest(x: number): number {
  return Math.floor(x + 0.5);
}

export function roundStochastic(x: number, rng: Rng): number {
  return Math.floor(x + rng.nextFloat());
}

export function roundFloor(x: number): number {
  return Math.floor(x);
}

export function checkRounding(r: string): Rounding {
  if ((ROUNDINGS as readonly string[]).includes(r)) return r as Rounding;
  throw new Error(`unknown rounding "${r}": use one of ${ROUNDINGS.join(', ')}`);
}
