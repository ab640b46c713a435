// SPDX-License-Identifier: MIT
// sum |x| in one fixed float64 order (Kernels.sum_abs): 16 lanes, so that a native kernel runs
// it as two vectors of eight float64 lanes and gets the same bits. Adaptive fixed point's QEM
// (quant/adaptive.ts) takes these sums of every tensor at its adjustment steps; summed one
// element at a time in JavaScript they took ~25 ms of a ResNet-20 step (~40% of it).

/** Lanes of sumAbs: element i adds to lane i mod LANES. */
export const SUM_ABS_LANES = 16;

/**
 * sum |x_i| in float64 (each x_i's stored number): element i adds to lane i mod 16, each lane
 * in index order; lanes combine pairwise, m_j = l_j + l_(j+8), then m_j + m_(j+4), then
 * + (j+2), then the last two. Integer x: every partial sum is an integer, so the result is the
 * exact sum while it stays below 2^53. NaN anywhere gives NaN; an infinity gives +Infinity.
 */
export function sumAbs(x: ArrayLike<number>): number {
  const l = new Float64Array(SUM_ABS_LANES);
  const n = x.length;
  let i = 0;
  for (; i + SUM_ABS_LANES <= n; i += SUM_ABS_LANES)
    for (let j = 0; j < SUM_ABS_LANES; j++) l[j] += Math.abs(x[i + j]);
  for (let j = 0; i < n; i++, j++) l[j] += Math.abs(x[i]);
  for (let w = SUM_ABS_LANES / 2; w >= 1; w /= 2) for (let j = 0; j < w; j++) l[j] += l[j + w];
  return l[0];
}
