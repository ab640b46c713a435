// SPDX-License-Identifier: MIT
// The Kernels table's recurrent and attention kernels (spec.ts): the LSTM step on the
// fixed-point and float paths with their backwards, lowbit's own float64 exp/sigmoid/tanh, and
// attention's integer softmax. ref/ implements them; the faster backends match it bit for bit.

import type { AccArray, FloatFn, LstmStep } from './spec-types.js';

export interface SequenceKernels {
  /**
   * One LSTM step's gate arithmetic in fixed point (formats, rounding and error bound in
   * ref/lstm.ts): gx, gh (N,4H) the two GEMMs' accumulators, scaled onto Q.12 by 2^zx and
   * 2^zh (zx = their exponent + 12), b12 (4H) the bias in Q.12, hPrev (N,H) Q0.15, cPrev
   * (N,H) Q.15 ->
   * act (N,4H) gates i,f,g,o, tc = tanh(c_t), h (N,H) Q0.15, c (N,H) Q.15.
   */
  lstm_fwd_fixed(
    s: LstmStep,
    gx: AccArray,
    zx: number,
    gh: AccArray,
    zh: number,
    b12: Int32Array,
    hPrev: Int16Array,
    cPrev: Int32Array,
    act: Int16Array,
    tc: Int16Array,
    h: Int16Array,
    c: Int32Array,
  ): void;
  /**
   * Its backward in float32 (ref/lstm.ts): dh = dhp * scale on rows live at t+1 (dhp null:
   * kept), dh += ey (null: none), then dz (N,4H) and dc from the saved act, tc and cPrev.
   */
  lstm_bwd_f32(
    s: LstmStep,
    dhp: AccArray | null,
    scale: number,
    ey: Float32Array | null,
    act: Int16Array,
    tc: Int16Array,
    cPrev: Int32Array,
    dh: Float32Array,
    dc: Float32Array,
    dz: Float32Array,
  ): void;
  /**
   * One LSTM step's gates on the float path (arithmetic in ref/lstm-float.ts): gx, gh (N,4H)
   * the two GEMMs' rows of step t, bias (4H), hPrev, cPrev (N,H) -> act (N,4H) gates i,f,g,o,
   * tc = tanh(c_t), h, c (N,H); all float32, float64 inside, lowbit's own sigmoid and tanh.
   */
  lstm_fwd_float(
    s: LstmStep,
    gx: Float32Array,
    gh: Float32Array,
    bias: Float32Array,
    hPrev: Float32Array,
    cPrev: Float32Array,
    act: Float32Array,
    tc: Float32Array,
    h: Float32Array,
    c: Float32Array,
  ): void;
  /**
   * Its backward (ref/lstm-float.ts): dh = dhp on rows live at t+1 (dhp null: kept), dh += ey
   * (null: none), then dz (N,4H) and dc from the saved act, tc and cPrev; all float32.
   */
  lstm_bwd_float(
    s: LstmStep,
    dhp: Float32Array | null,
    ey: Float32Array | null,
    act: Float32Array,
    tc: Float32Array,
    cPrev: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    dz: Float32Array,
  ): void;
  /** y[i] = fn(x[i]) for i < y.length with lowbit's float64 exp, sigmoid, tanh. */
  float_fn_f64(fn: FloatFn, x: Float64Array, y: Float64Array): void;
  /**
   * Attention's softmax in fixed point over rows of scores (ref/softmax.ts): the first
   * `valid` columns (an Int32Array: valid[r] of row r, so one call covers rows of different
   * masks), scaled by `mult` = 2^(exp+12)/sqrt(H) -> p (rows, cols) Q0.15.
   */
  softmax_fixed(
    scores: AccArray,
    rows: number,
    cols: number,
    valid: number | Int32Array,
    mult: number,
    p: Int16Array,
  ): void;
  /** ds = p (dp dpScale - sum p dp dpScale) scale, float64 rounded to float32 once. */
  softmax_bwd(
    p: Int16Array,
    dp: AccArray | Float32Array,
    dpScale: number,
    rows: number,
    cols: number,
    scale: number,
    ds: Float32Array,
  ): void;
}
