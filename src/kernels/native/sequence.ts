// SPDX-License-Identifier: MIT
// The addon's sequence kernels (native/src/bind-lstm.cc, bind-softmax.cc): the float LSTM
// step and its backward, float_fn_f64, the fixed-point LSTM step's integer forward (AVX-512),
// and attention's integer softmax and its backward. The fixed-point step's float32 backward
// stays on the base: a scalar C++ loop ran ~1.3x slower than WASM's 4-lane one (13 against 10
// us at batch 32, hidden 64). Arguments are checked as the WASM wrappers check them (the same
// messages); arrays go in place.

import type { AccArray, Kernels, LstmStep } from '../spec.js';
import { floatFnCode } from '../wasm/codes.js';
import { checkStep, need } from '../wasm/recurrent.js';

export interface NativeSequence {
  /** Kernels.lstm_fwd_float (bind-lstm.cc); lens null: every row live. */
  lstmFwdFloat(
    N: number,
    H: number,
    t: number,
    lens: Int32Array | null,
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
  /** Kernels.lstm_bwd_float (bind-lstm.cc). */
  lstmBwdFloat(
    N: number,
    H: number,
    t: number,
    lens: Int32Array | null,
    dhp: Float32Array | null,
    ey: Float32Array | null,
    act: Float32Array,
    tc: Float32Array,
    cPrev: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    dz: Float32Array,
  ): void;
  /** Kernels.float_fn_f64 with the function's code (codes.ts FN_*). */
  floatFnF64(fn: number, x: Float64Array, y: Float64Array): void;
  /** lstm_fwd_fixed for int32 gx, gh and right shifts srx, srh in -24..31 (zx = -srx);
   * false (nothing written) where the instruction set has no such loop (bind-lstm.cc). */
  lstmFwdFixedI32(
    N: number,
    H: number,
    t: number,
    lens: Int32Array | null,
    gx: Int32Array,
    srx: number,
    gh: Int32Array,
    srh: number,
    b12: Int32Array,
    hPrev: Int16Array,
    cPrev: Int32Array,
    act: Int16Array,
    tc: Int16Array,
    h: Int16Array,
    c: Int32Array,
  ): boolean;
  softmaxFixed(
    scores: AccArray,
    rows: number,
    cols: number,
    /** A number, or an Int32Array of one count per row. */
    valid: number | Int32Array,
    mult: number,
    p: Int16Array,
  ): void;
  softmaxBwd(
    p: Int16Array,
    dp: AccArray | Float32Array,
    dpScale: number,
    rows: number,
    cols: number,
    scale: number,
    ds: Float32Array,
  ): void;
}

export const SEQUENCE_FUNCTIONS: readonly (keyof NativeSequence)[] = [
  'lstmFwdFloat',
  'lstmBwdFloat',
  'floatFnF64',
  'lstmFwdFixedI32',
  'softmaxFixed',
  'softmaxBwd',
];

/** The Kernels entries; a softmax with a non-finite multiplier stays on `base` (as ref). */
export function sequenceKernels(
  k: NativeSequence,
  base: Kernels,
): Pick<
  Kernels,
  | 'lstm_fwd_fixed'
  | 'softmax_fixed'
  | 'softmax_bwd'
  | 'lstm_fwd_float'
  | 'lstm_bwd_float'
  | 'float_fn_f64'
> {
  // zx, zh: right shifts of 1..31, none, or left shifts of up to 24 (past 24 every nonzero term
  // saturates: the base kernels take that rare case).
  const shift = (z: number) => Number.isInteger(z) && z <= 24 && z >= -31;
  return {
    lstm_fwd_float: (s, gx, gh, bias, hp, cp, act, tc, h, c) =>
      k.lstmFwdFloat(s.N, s.H, s.t, s.lens, gx, gh, bias, hp, cp, act, tc, h, c),
    lstm_bwd_float: (s, dhp, ey, act, tc, cp, dh, dc, dz) =>
      k.lstmBwdFloat(s.N, s.H, s.t, s.lens, dhp, ey, act, tc, cp, dh, dc, dz),
    float_fn_f64: (fn, x, y) => k.floatFnF64(floatFnCode(fn), x, y),
    lstm_fwd_fixed(s: LstmStep, gx, zx, gh, zh, b12, hPrev, cPrev, act, tc, h, c) {
      // int32 accumulators onto Q.12 by shifts (the usual case): AVX-512, 16 units a
      // vector; anything else, or another instruction set, on the base (WASM's 4-lane loop).
      if (gx instanceof Int32Array && gh instanceof Int32Array && shift(zx) && shift(zh)) {
        checkStep('lstm_fwd_fixed', s);
        const { N, H, t, lens } = s;
        if (k.lstmFwdFixedI32(N, H, t, lens, gx, -zx, gh, -zh, b12, hPrev, cPrev, act, tc, h, c))
          return;
      }
      base.lstm_fwd_fixed(s, gx, zx, gh, zh, b12, hPrev, cPrev, act, tc, h, c);
    },
    softmax_fixed(scores, rows, cols, valid, mult, p) {
      if (!Number.isFinite(mult)) return base.softmax_fixed(scores, rows, cols, valid, mult, p);
      need('softmax_fixed', 'scores', scores.length, rows * cols);
      need('softmax_fixed', 'p', p.length, rows * cols);
      if (typeof valid !== 'number') need('softmax_fixed', 'valid', valid.length, rows);
      k.softmaxFixed(scores, rows, cols, valid, mult, p);
    },
    softmax_bwd(p, dp, dpScale, rows, cols, scale, ds) {
      for (const [a, w] of [
        [p, 'p'],
        [dp, 'dp'],
        [ds, 'ds'],
      ] as const)
        need('softmax_bwd', w, a.length, rows * cols);
      k.softmaxBwd(p, dp, dpScale, rows, cols, scale, ds);
    },
  };
}
