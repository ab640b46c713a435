// SPDX-License-Identifier: MIT
// Attention's softmax on the fixed-point path: forward in integers (exp(-x) by table), backward
// in float64 rounded to float32 once. Definitions and bounds: src/kernels/ref/softmax.ts; these
// compute the same bits. Score arguments take KIND_I32 or KIND_F64 elements, dp also KIND_F32.

import { KIND_F32, KIND_F64 } from './codes';
import { fixedExpNeg } from './fixed_functions';

const EXP_END: f64 = 49152; // 12.0 in Q.12

// @ts-ignore: decorator
@inline
function at(p: usize, kind: i32, i: i32): f64 {
  if (kind == KIND_F64) return load<f64>(p + (<usize>i << 3));
  if (kind == KIND_F32) return <f64>load<f32>(p + (<usize>i << 2));
  return <f64>load<i32>(p + (<usize>i << 2));
}

/**
 * scores (rows, cols) of kind ks -> p (rows, cols) i16 Q0.15; the first `valid` columns take
 * part, or valid[r] (i32) of row r where validRows is not 0.
 */
export function softmax_fixed(
  scores: usize,
  ks: i32,
  rows: i32,
  cols: i32,
  valid: i32,
  validRows: usize,
  mult: f64,
  p: usize,
): void {
  for (let r = 0; r < rows; r++) {
    const v = validRows ? load<i32>(validRows + (<usize>r << 2)) : valid;
    const L = max<i32>(0, min<i32>(v, cols));
    const o = r * cols;
    let mx: f64 = -Infinity;
    for (let s = 0; s < L; s++) mx = max<f64>(mx, at(scores, ks, o + s));
    let sum: i64 = 0;
    // e_s (up to 32768) does not fit the int16 output: recomputed in the second pass.
    for (let s = 0; s < L; s++) sum += <i64>expAt(scores, ks, o + s, mx, mult);
    const half = sum >> 1;
    for (let s = 0; s < L; s++) {
      const e = <i64>expAt(scores, ks, o + s, mx, mult);
      const q = (e * 32768 + half) / sum;
      store<i16>(p + (<usize>(o + s) << 1), <i16>(q > 32767 ? 32767 : q));
    }
    if (cols > L) memory.fill(p + (<usize>(o + L) << 1), 0, <usize>(cols - L) << 1);
  }
}

// @ts-ignore: decorator
@inline
function expAt(scores: usize, ks: i32, i: i32, mx: f64, mult: f64): i32 {
  let u = Math.floor((at(scores, ks, i) - mx) * mult + 0.5);
  if (u < -2147483648) u = -2147483648;
  const a = -u;
  return a >= EXP_END ? 0 : fixedExpNeg(<i32>a);
}

/** p (rows, cols) i16 Q0.15, dp (rows, cols) of kind kd at dpScale -> ds (rows, cols) f32. */
export function softmax_bwd(
  p: usize,
  dp: usize,
  kd: i32,
  dpScale: f64,
  rows: i32,
  cols: i32,
  scale: f64,
  ds: usize,
): void {
  const u: f64 = 1.0 / 32768;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot: f64 = 0;
    for (let s = 0; s < cols; s++)
      dot += <f64>load<i16>(p + (<usize>(o + s) << 1)) * u * (at(dp, kd, o + s) * dpScale);
    for (let s = 0; s < cols; s++) {
      const ps = <f64>load<i16>(p + (<usize>(o + s) << 1)) * u;
      store<f32>(ds + (<usize>(o + s) << 2), <f32>(ps * (at(dp, kd, o + s) * dpScale - dot) * scale));
    }
  }
}
