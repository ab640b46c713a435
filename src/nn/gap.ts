// SPDX-License-Identifier: MIT
// Global average pooling (N,C,H,W) -> (N,C): the mean of each channel plane. Exact on
// fixed-point input when H*W is a power of two (an exponent shift); otherwise the division
// rounds and the result passes site A.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { poolBackward, poolForward, type PoolGeom } from './avgpool2d.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { noCost, type LayerCost } from './cost.js';

export class GlobalAvgPool extends Layer {
  readonly kind = 'gap';
  override readonly siteNames = ['A'] as const;
  private inShape: Shape | null = null;

  outputShape(input: Shape): Shape {
    if (input.length !== 3)
      throw new Error(`${this.name}: expected (C, H, W), got [${input.join(', ')}]`);
    return [input[0]];
  }

  private geom(shape: Shape): PoolGeom {
    if (shape.length !== 4)
      throw new Error(`${this.name}: expected (N,C,H,W), got [${shape.join(', ')}]`);
    const [N, C, H, W] = shape;
    return { P: N * C, H, W, KH: H, KW: W, SH: H, SW: W, OH: 1, OW: 1 };
  }

  // A sum per channel plane, no MACs; backward needs only the input shape.
  cost(input: Shape): LayerCost {
    return noCost(this.outputShape(input));
  }

  // x (N,C,H,W) -> y (N,C)
  forward(x: Tensor, ctx: RunContext): Tensor {
    const g = this.geom(x.shape);
    if (ctx.training) this.inShape = x.shape;
    const { y, exact } = poolForward(ctx.kernels, x, [x.shape[0], x.shape[1]], g, ctx);
    return exact ? y : this.quant('A', y, ctx);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    if (!this.inShape) throw new Error(`${this.name}: backward without a training forward`);
    return poolBackward(ctx.kernels, dy, this.inShape, this.geom(this.inShape), ctx);
  }

  override clearSaved(): void {
    this.inShape = null;
  }
}
