// SPDX-License-Identifier: MIT
// A chain of layers: forward in order, backward in reverse; pairs a layer can fuse (BatchNorm
// then ReLU) run as one pass.

import { Layer, fusing } from './layer.js';
import type { Param } from './param.js';
import type { RunContext } from './context.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { chainCost, poolsFirst, type LayerCost } from './cost.js';

export class Sequential extends Layer {
  readonly kind = 'sequential';

  /** fused[i]: the training forward ran layers i and i + 1 as one pass. */
  private readonly fused: boolean[];

  constructor(
    name: string,
    readonly layers: Layer[],
  ) {
    super(name);
    this.fused = layers.map(() => false);
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

  cost(input: Shape, batch: number): LayerCost {
    return chainCost(this.layers, input, batch);
  }

  // A layer may fuse the next one (fuses, forwardWith); the training forward's pairs are replayed
  // in backward.
  forward(x: Tensor, ctx: RunContext): Tensor {
    const L = this.layers;
    let h = x;
    for (let i = 0; i < L.length; i++) {
      const fused =
        i + 1 < L.length &&
        (L[i].fuses(L[i + 1], ctx) ||
          (i > 0 && fusing(ctx) && poolsFirst(L[i - 1], L[i], L[i + 1])));
      if (ctx.training) this.fused[i] = fused;
      if (fused) {
        h = L[i].forwardWith(L[i + 1], h, ctx);
        if (ctx.training) this.fused[i + 1] = false;
        i++;
      } else h = L[i].forward(h, ctx);
    }
    return h;
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const L = this.layers;
    let e = dy;
    for (let i = L.length - 1; i >= 0; i--) {
      if (i > 0 && this.fused[i - 1]) {
        e = L[i - 1].backwardWith(L[i], e, ctx);
        i--;
      } else e = L[i].backward(e, ctx);
    }
    return e;
  }

  override clearSaved(): void {
    for (const l of this.layers) l.clearSaved();
  }
}
