// SPDX-License-Identifier: MIT
// ReLU. On a fixed-point tensor it is a max on mantissas (the exponent is unchanged), so it
// needs no site. Backward masks the error with the saved x > 0 mask. BatchNorm and the
// residual add can apply it in their own pass (fusedMask); the mask then lives here as well.

import { Layer } from './layer.js';
import { MaxPool2d } from './maxpool2d.js';
import type { RunContext } from './context.js';
import { sameKind, stepArray, stepLike, storage, type StepScope } from './arrays.js';
import type { Kernels } from '../kernels/spec.js';
import { withBound, withMantMax, type Tensor } from '../tensor/tensor.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import type { LayerCost } from './cost.js';

export class ReLU extends Layer {
  readonly kind = 'relu';
  /** The training forward's x > 0 mask (N, ...), 1 byte per element, and its kernels. */
  private mask: Int8Array | null = null;
  private k: Kernels | null = null;
  /** The training forward ran the max pooling that follows first (forwardWith). */
  private pooledFirst = false;

  outputShape(input: Shape): Shape {
    return input;
  }

  // No MACs; saves the x > 0 mask, one byte per value (one bit nominally).
  cost(input: Shape, batch: number): LayerCost {
    const n = batch * sizeOf(input);
    return { output: input, macs: [], savedBytes: n, nominalSavedBytes: n / 8, workspaceBytes: 0 };
  }

  // x (N, ...) any storage -> y same storage: y = x > 0 ? x : 0; mask (N, ...) i8.
  forward(x: Tensor, ctx: RunContext): Tensor {
    const src = storage(x);
    const out = stepLike(ctx, src, src.length, false);
    const mask = ctx.training ? stepArray(ctx, 'int8', src.length, false) : null;
    ctx.kernels.relu(src, out, mask);
    if (ctx.training) {
      this.mask = mask;
      this.k = ctx.kernels;
    }
    return sameKind(x, x.shape, out);
  }

  /**
   * ReLU then max pooling (where Sequential finds cost.ts poolsFirst): on integer mantissas,
   * pooling first and then ReLU on the pooled values gives the same outputs (max(relu(w)) = relu(max(w)) over each window) with 1/K^2 of
   * the ReLU's work and mask. Backward then masks the pooled error and routes it: where a
   * window's max is > 0 both orders send dy to the same argmax (ReLU leaves positive values
   * and their ties as they are), elsewhere both give a zero window. Float storage keeps the
   * plain order (a NaN would pool differently).
   */
  override forwardWith(next: Layer, x: Tensor, ctx: RunContext): Tensor {
    const first = x.kind === 'fixed' && next instanceof MaxPool2d;
    if (ctx.training) this.pooledFirst = first;
    return first
      ? this.forward(next.forward(x, ctx), ctx)
      : next.forward(this.forward(x, ctx), ctx);
  }

  override backwardWith(next: Layer, dy: Tensor, ctx: RunContext): Tensor {
    return this.pooledFirst
      ? next.backward(this.backward(dy, ctx), ctx)
      : this.backward(next.backward(dy, ctx), ctx);
  }

  /**
   * For a producer that applies this ReLU itself (BatchNorm, the residual add): the mask array
   * (n bytes) it must fill, kept for this layer's backward; null outside training.
   */
  fusedMask(ctx: StepScope, n: number): Int8Array | null {
    const mask = ctx.training ? stepArray(ctx, 'int8', n, false) : null;
    this.mask = mask;
    this.k = mask ? ctx.kernels : null;
    this.pooledFirst = false;
    return mask;
  }

  /** The mask of the last training forward (fused or not). */
  savedMask(): Int8Array {
    if (!this.mask) throw new Error(`${this.name}: backward without a training forward`);
    return this.mask;
  }

  // dy (N, ...) -> dx = mask ? dy : 0.
  backward(dy: Tensor, ctx?: RunContext): Tensor {
    const mask = this.mask;
    const k = ctx?.kernels ?? this.k;
    if (!mask || !k) throw new Error(`${this.name}: backward without a training forward`);
    const src = storage(dy);
    if (src.length !== mask.length)
      throw new Error(`${this.name}: error size ${src.length} != output size ${mask.length}`);
    const out = stepLike(ctx, src, src.length, false);
    if (dy.kind === 'fixed') {
      // Mantissas: max |dx| comes with the pass, so the error site that follows (E1) skips
      // its scan. Masking keeps |dy|'s bound.
      const m = k.relu_backward_max(mask, src, out);
      return withMantMax(withBound(sameKind(dy, dy.shape, out), dy.bound), m);
    }
    k.relu_backward(mask, src, out);
    return sameKind(dy, dy.shape, out);
  }

  override clearSaved(): void {
    this.mask = null;
    this.k = null;
    this.pooledFirst = false;
  }
}
