// SPDX-License-Identifier: MIT
// What the LSTM's float and fixed-point paths (lstm-float.ts, lstm-fixed.ts) read and write
// of the layer: sizes, the bias, the state handed in and out, and its sites.

import type { Param } from './param.js';
import type { RunContext } from './context.js';
import type { Tensor } from '../tensor/tensor.js';

export interface LstmCore {
  readonly hiddenSize: number;
  readonly bias: Param;
  /** Valid steps per sample, or null when every row is full. */
  readonly lengths: Int32Array | null;
  /** Initial state (N,H), or null for zeros. */
  readonly h0: Float32Array | null;
  readonly c0: Float32Array | null;
  /** Final state of the last forward (N,H). */
  hT: Float32Array;
  cT: Float32Array;
  /** Extra error on the final state for the next backward, or null. */
  readonly dhT: Float32Array | null;
  readonly dcT: Float32Array | null;
  /** Error on the initial state after backward (N,H). */
  dh0: Float32Array;
  dc0: Float32Array;
  /** Passes x through one of the layer's sites. */
  site(name: string, x: Tensor, ctx: RunContext): Tensor;
}
