// SPDX-License-Identifier: MIT
// A chain of layers: forward in order, backward in reverse.

import { Layer } from './layer.js';
import type { Param } from './param.js';
import type { RunContext } from './context.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';

export class Sequential extends Layer {
  readonly kind = 'sequential';

  constructor(
    name: string,
    readonly layers: Layer[],
  ) {
    super(name);
    const seen = new Set<string>();
    for (const l of layers) {
      if (seen.has(l.name)) throw new Error(`${name}: two layers are named "${l.name}"`);
      seen.add(l.name);
    }
  }

  override children(): Layer[] {
    return this.layers;
  }

  override params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  outputShape(input: Shape): Shape {
    return this.layers.reduce((s, l) => l.outputShape(s), input);
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h, ctx);
    return h;
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    let e = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) e = this.layers[i].backward(e, ctx);
    return e;
  }

  override clearSaved(): void {
    for (const l of this.layers) l.clearSaved();
  }
}
