// SPDX-License-Identifier: MIT
// What the LSTM's float and fixed-point paths (lstm-float.ts, lstm-fixed.ts) read of the
// layer (sizes, the bias, its sites), and the recurrent state the op takes and gives as named
// inputs and outputs (lstm.ts: `run`, `runBackward`).

import type { Param } from './param.js';
import type { RunContext } from './context.js';
import type { Tensor } from '../tensor/tensor.js';

/** The recurrent state of a batch: h and c, each (N,H) f32. */
export interface LstmState {
  readonly h: Float32Array;
  readonly c: Float32Array;
}

export interface LstmCore {
  readonly hiddenSize: number;
  readonly bias: Param;
  /** Passes x through one of the layer's sites. */
  site(name: string, x: Tensor, ctx: RunContext): Tensor;
}
