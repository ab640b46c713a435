// SPDX-License-Identifier: MIT
// The shape of a layer's cost (Layer.cost), apart from the helpers that compute it (cost.ts),
// so that nn/layer.ts can name it without importing what imports the Layer class.

import type { Shape } from '../tensor/shape.js';

/** Storage type of a GEMM operand. */
export type Operand = 'i8' | 'i16' | 'i32' | 'f32';

export type Pass = 'forward' | 'backward dx' | 'backward dw';

export interface MacEntry {
  readonly pass: Pass;
  readonly layer: string;
  /** Operand pair, e.g. `i8xi8`, see macKey. */
  readonly operands: string;
  readonly macs: number;
}

export interface LayerCost {
  /** Per-sample output shape (what the next layer reads). */
  readonly output: Shape;
  readonly macs: MacEntry[];
  /** Bytes forward keeps for backward, in lowbit's typed arrays. */
  readonly savedBytes: number;
  /** The same at the scheme's nominal widths (what an accelerator would keep). */
  readonly nominalSavedBytes: number;
  /** Scratch kept between steps (Conv2d's im2col matrix); not saved state. */
  readonly workspaceBytes: number;
}
