// SPDX-License-Identifier: MIT
// The addon's recurrent and attention kernels (native/src/bind-sequence.cc): the fixed-point
// LSTM step's float32 backward, attention's integer softmax and its backward (the LSTM step's
// integer forward stays on the base: see bind-sequence.cc). Arguments
// are checked as the WASM wrappers check them (the same messages); arrays go in place.

import type { AccArray, Kernels, LstmStep } from '../spec.js';
import { checkStep, need } from '../wasm/recurrent.js';

export interface NativeSequence {
  lstmBwdF32(
    N: number,
    H: number,
    t: number,
    lens: Int32Array | null,
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
  softmaxFixed(
    scores: AccArray,
    rows: number,
    cols: number,
    valid: number,
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
  'lstmBwdF32',
  'softmaxFixed',
  'softmaxBwd',
];

/** The Kernels entries; a softmax with a non-finite multiplier stays on `base` (as ref). */
export function sequenceKernels(
  k: NativeSequence,
  base: Kernels,
): Pick<Kernels, 'lstm_bwd_f32' | 'softmax_fixed' | 'softmax_bwd'> {
  return {
    lstm_bwd_f32(s: LstmStep, dhp, scale, ey, act, tc, cPrev, dh, dc, dz) {
      checkStep('lstm_bwd_f32', s);
      k.lstmBwdF32(s.N, s.H, s.t, s.lens, dhp, scale, ey, act, tc, cPrev, dh, dc, dz);
    },
    softmax_fixed(scores, rows, cols, valid, mult, p) {
      if (!Number.isFinite(mult)) return base.softmax_fixed(scores, rows, cols, valid, mult, p);
      need('softmax_fixed', 'scores', scores.length, rows * cols);
      need('softmax_fixed', 'p', p.length, rows * cols);
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
