// SPDX-License-Identifier: MIT
// Elementwise tanh. Its output is not a power-of-two multiple of the input, so it is float32;
// the next layer's A site rounds it. Backward: dy * (1 - y^2) from the saved output.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { dequantize, floatTensor, type Tensor } from '../tensor/tensor.js';
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
    const v = dequantize(x);
    const y = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) y[i] = Math.tanh(v[i]);
    if (ctx.training) this.y = y;
    return floatTensor(x.shape, y);
  }

  backward(dy: Tensor): Tensor {
    const y = this.y;
    if (!y) throw new Error(`${this.name}: backward without a training forward`);
    const e = dequantize(dy);
    const out = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) out[i] = e[i] * (1 - y[i] * y[i]);
    return floatTensor(dy.shape, out);
  }

  override clearSaved(): void {
    this.y = null;
  }
}
