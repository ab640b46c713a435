// SPDX-License-Identifier: MIT
// Rounding modes. Each maps a real x (in units of the target step) to an integer.
//
//   nearest:    floor(x + 1/2)          round half up (ties go toward +inf)
//   nearest-even: round half to even    ties go to the even neighbour (IEEE roundTiesToEven,
//               WebAssembly's f64.nearest): unbiased where ties are frequent, e.g. on values
//               that lie on a grid only a bit or two finer than the target
//   stochastic: floor(x + u), u ~ U[0,1) with 24 random bits
//               P(round up) = frac(x) (to 2^-24), so E[result] = x: unbiased
//   floor:      floor(x)                truncation toward -inf (an arithmetic right shift)
//
// On integer mantissas shifted right by s bits the same rules are
//   nearest (m + 2^(s-1)) >> s,  nearest-even round_half_even(m / 2^s) (exact in float64),
//   stochastic (m + r) >> s with r the top s of the 24 random bits,  floor m >> s,
// which give the same integers as the float formulas on the dequantized values.

import type { Rng } from './rng.js';

export type Rounding = 'nearest' | 'nearest-even' | 'stochastic' | 'floor';
export const ROUNDINGS: readonly Rounding[] = ['nearest', 'nearest-even', 'stochastic', 'floor'];

export function roundNearest(x: number): number {
  return Math.floor(x + 0.5);
}

/**
 * Round half to even, exactly as IEEE roundTiesToEven (f64.nearest), signed zeros included:
 * Math.round rounds half up, and r - x is exact (|r - x| <= 1/2 with r, x within a factor of
 * two, or r = 0), so a tie is recognised exactly and moved down to the even neighbour.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
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
