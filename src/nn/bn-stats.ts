// SPDX-License-Identifier: MIT
// Per-channel arithmetic of BatchNorm on the sums of the `bn_sums` kernel (out (C, 4) =
// [sa_hi, sa_lo, sab_hi, sab_lo], each sum hi * 2^32 + lo): the batch mean and variance, and
// the sums as float64. C values per layer and step, so plain TypeScript.

const TWO32 = 4294967296;

/** Sum j (0: of a, 1: of a b) of channel c as float64: the exact sum rounded once. */
export function sumOf(sums: Float64Array, c: number, j: 0 | 1): number {
  // hi * 2^32 is exact and lo < 2^32 (or hi = 0 for float sums): one rounding at the add.
  return sums[4 * c + 2 * j] * TWO32 + sums[4 * c + 2 * j + 1];
}

function exactOf(sums: Float64Array, c: number, j: 0 | 1): bigint {
  return BigInt(sums[4 * c + 2 * j]) * 4294967296n + BigInt(sums[4 * c + 2 * j + 1]);
}

/**
 * Mean and biased variance of channel c over m values, in the units of the stored numbers,
 * from sums of x and x^2. Exact sums (integer x): mean = S1 / m and var = (m S2 - S1^2) / m^2
 * with the numerator exact (BigInt), each rounded once before the division. Float sums:
 * var = max(0, S2 / m - mean^2).
 */
export function meanVar(
  sums: Float64Array,
  c: number,
  m: number,
  exact: boolean,
): { mean: number; variance: number } {
  const mean = sumOf(sums, c, 0) / m;
  if (!exact) return { mean, variance: Math.max(0, sumOf(sums, c, 1) / m - mean * mean) };
  const s1 = exactOf(sums, c, 0);
  const bm = BigInt(m);
  return { mean, variance: Number(bm * exactOf(sums, c, 1) - s1 * s1) / (m * m) };
}
