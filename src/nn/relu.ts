// SPDX-License-Identifier: MIT
// ReLU. On a fixed-point tensor it is a max on mantissas (the exponent is unchanged), so it
// needs no site. Backward masks the error with the saved sign of the output.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { like, sameKind, storage } from './arrays.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';

export class ReLU extends Layer {
  readonly kind = 'relu';
  private mask: Uint8Array | null = null;

  outputShape(input: Shape): Shape {
    return input;
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const src = storage(x);
    const out = like(src, src.length);
    const mask = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) {
      if (src[i] > 0) {
        out[i] = src[i];
        mask[i] = 1;
      }
    }
    if (ctx.training) this.mask = mask;
    return sameKind(x, x.shape, out);
  }

  backward(dy: Tensor): Tensor {
    const mask = this.mask;
    if (!mask) throw new Error(`${this.name}: backward without a training forward`);
    const src = storage(dy);
    if (src.length !== mask.length) throw new Error(`${this.name}: error size ${src.length} != output size ${mask.length}`);
    const out = like(src, src.length);
    for (let i = 0; i < src.length; i++) if (mask[i]) out[i] = src[i];
    return sameKind(dy, dy.shape, out);
  }

  override clearSaved(): void {
    this.mask = null;
  }
}
