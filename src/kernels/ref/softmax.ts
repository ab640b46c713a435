// SPDX-License-Identifier: MIT
// Reference kernels of attention's softmax on the fixed-point path (the definition of
// correct; assembly/softmax.ts computes the same bits). Rows of `cols` scores, of which the
// first `valid` (or valid[r]) take part (padded source positions get probability 0).
// Forward, per row (exact integer arithmetic; expneg: fixed-functions.ts):
//   u_s = max(floor((s_s - max_s s) * mult + 1/2), -2^31)   scores relative to the row's max on
//         the Q.12 grid; mult = 2^(exp + 12) / sqrt(H) (one float64 product, then rounding)
//   e_s = expneg(-u_s)                       Q0.15 in [0, 32768] (0 below exp(-12))
//   p_s = min(floor((e_s 2^15 + floor(sum e / 2)) / sum e), 32767)   Q0.15, nearest
// The Q.12 scores are within 2^-13 of the exact scaled scores and expneg within 2^-14 of
// exp: each p is within 2^-12 of the float softmax and a row sums to 1 within 2^-10
// (test/unit/fixed-functions.test.ts).
// Backward in float64 on the Q0.15 probabilities, each ds rounded to float32 once:
//   d_s = dp_s * dpScale;  dot = sum_s p_s d_s (in order s);  ds_s = p_s (d_s - dot) * scale

import type { AccArray } from '../spec.js';
import { fixedExpNeg, V_FRAC } from './fixed-functions.js';
import { roundNearest } from '../../quant/rounding.js';

const P_MAX = 32767;

// scores (rows, cols) accumulators -> p (rows, cols) Q0.15 int16.
export function softmax_fixed(
  scores: AccArray,
  rows: number,
  cols: number,
  valid: number | Int32Array,
  mult: number,
  p: Int16Array,
): void {
  if (typeof valid !== 'number' && valid.length < rows)
    throw new RangeError(`softmax_fixed: valid holds ${valid.length} elements, needs ${rows}`);
  const e = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const L = Math.max(0, Math.min(typeof valid === 'number' ? valid : valid[r], cols));
    const o = r * cols;
    let mx = -Infinity;
    for (let s = 0; s < L; s++) mx = Math.max(mx, scores[o + s]);
    let sum = 0;
    for (let s = 0; s < L; s++) {
      const u = Math.max(roundNearest((scores[o + s] - mx) * mult), -(2 ** 31));
      sum += e[s] = fixedExpNeg(-u);
    }
    const half = Math.floor(sum / 2);
    for (let s = 0; s < L; s++)
      p[o + s] = Math.min(Math.floor((e[s] * 2 ** V_FRAC + half) / sum), P_MAX);
    p.fill(0, o + L, o + cols);
  }
}

// p (rows, cols) Q0.15, dp (rows, cols) at dpScale -> ds (rows, cols) float32.
export function softmax_bwd(
  p: Int16Array,
  dp: AccArray | Float32Array,
  dpScale: number,
  rows: number,
  cols: number,
  scale: number,
  ds: Float32Array,
): void {
  const u = 2 ** -V_FRAC;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let s = 0; s < cols; s++) dot += p[o + s] * u * (dp[o + s] * dpScale);
    for (let s = 0; s < cols; s++) ds[o + s] = p[o + s] * u * (dp[o + s] * dpScale - dot) * scale;
  }
}
