// SPDX-License-Identifier: MIT
// Flatten (N, ...) -> (N, prod(...)): a reshape, free on both paths.

import { Layer } from './layer.js';
import { reshape, type Tensor } from '../tensor/tensor.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import { noCost, type LayerCost } from './cost.js';

export class Flatten extends Layer {
  readonly kind = 'flatten';
  private inShape: Shape | null = null;

  outputShape(input: Shape): Shape {
    return [sizeOf(input)];
  }

  // A reshape: nothing computed, nothing saved but the shape.
  cost(input: Shape): LayerCost {
    return noCost(this.outputShape(input));
  }

  forward(x: Tensor): Tensor {
    this.inShape = x.shape;
    return reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
  }

  backward(dy: Tensor): Tensor {
    if (!this.inShape) throw new Error(`${this.name}: backward without forward`);
    return reshape(dy, this.inShape);
  }
}
