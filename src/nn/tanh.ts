// SPDX-License-Identifier: MIT
// Elementwise tanh. Its output is not a power-of-two multiple of the input, so it is float32;
// the next layer's A site rounds it. Backward: dy * (1 - y^2) from the saved output.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { floatTensor, type Tensor } from '../tensor/tensor.js';
import { stepArray, stepValues } from './arrays.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import type { LayerCost } from './cost.js';

export class Tanh extends Layer {
  readonly kind = 'tanh';
  private y: Float32Array | null = null;

  outputShape(input: Shape): Shape {
    return input;
  }

  // No MACs; saves its float32 output for backward.
  cost(input: Shape, batch: number): LayerCost {
    const bytes = 4 * batch * sizeOf(input);
    return {
      output: input,
      macs: [],
      savedBytes: bytes,
      nominalSavedBytes: bytes,
      workspaceBytes: 0,
    };
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const v = stepValues(x, ctx);
    // A step array: kept for this step's backward only.
    const y = stepArray(ctx, 'float32', v.length, false);
    for (let i = 0; i < v.length; i++) y[i] = Math.tanh(v[i]);
    if (ctx.training) this.y = y;
    return floatTensor(x.shape, y);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const y = this.y;
    if (!y) throw new Error(`${this.name}: backward without a training forward`);
    const e = stepValues(dy, ctx);
    const out = stepArray(ctx, 'float32', e.length, false);
    for (let i = 0; i < e.length; i++) out[i] = e[i] * (1 - y[i] * y[i]);
    return floatTensor(dy.shape, out);
  }

  override clearSaved(): void {
    this.y = null;
  }
}
