// SPDX-License-Identifier: MIT
// Inverted dropout: in training each element is kept with probability 1 - p and scaled by
// 1/(1-p); in eval it is the identity. Each Dropout owns a xoshiro128** generator seeded from
// the model's initialisation stream (so from the run seed); its four state words live in a
// buffer that checkpoints save and restore, so a resumed run draws the same masks.
// On fixed-point input with 1/(1-p) a power of two (p = 0.5, 0.75, ...) the scale is an
// exponent shift (exact); otherwise the output is float32 and the next site rounds it.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { Xoshiro128, type Rng } from '../quant/rng.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import { like } from './arrays.js';
import { log2Exact } from './avgpool2d.js';
import type { LayerCost } from './cost.js';

export class Dropout extends Layer {
  readonly kind = 'dropout';
  /** Generator state (4 x u32); `buffers()` exposes the same bytes as float32 for checkpoints. */
  private readonly state = new Uint32Array(4);
  private readonly rng: Xoshiro128;
  private mask: Uint8Array | null = null;

  constructor(
    name: string,
    readonly p: number,
    init: Rng,
  ) {
    super(name);
    if (!(p >= 0 && p < 1))
      throw new Error(`${name}: dropout probability must be in [0, 1), got ${p}`);
    this.rng = new Xoshiro128(init.nextU32());
    this.state.set(this.rng.state());
  }

  override buffers(): Record<string, Float32Array> {
    return { rng: new Float32Array(this.state.buffer) };
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  // No MACs; saves the keep mask in training, one byte per value (one bit nominally).
  cost(input: Shape, batch: number): LayerCost {
    const n = this.p === 0 ? 0 : batch * sizeOf(input);
    return { output: input, macs: [], savedBytes: n, nominalSavedBytes: n / 8, workspaceBytes: 0 };
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    if (!ctx.training || this.p === 0) {
      this.mask = null;
      return x;
    }
    const n = x.kind === 'float' ? x.data.length : x.mant.length;
    const mask = new Uint8Array(n);
    this.rng.setState(Array.from(this.state));
    // One draw per element, in index order: keep when u >= p.
    for (let i = 0; i < n; i++) mask[i] = this.rng.nextFloat() >= this.p ? 1 : 0;
    this.state.set(this.rng.state());
    this.mask = mask;
    return this.apply(x, mask);
  }

  private apply(x: Tensor, mask: Uint8Array): Tensor {
    const scale = 1 / (1 - this.p);
    const sh = log2Exact(scale);
    if (x.kind === 'fixed' && sh >= 0) {
      const out = like(x.mant, mask.length);
      for (let i = 0; i < mask.length; i++) if (mask[i]) out[i] = x.mant[i];
      return fixedTensor(x.shape, out, x.exp + sh, x.bits);
    }
    const v = dequantize(x);
    const out = new Float32Array(mask.length);
    for (let i = 0; i < mask.length; i++) if (mask[i]) out[i] = v[i] * scale;
    return floatTensor(x.shape, out);
  }

  backward(dy: Tensor): Tensor {
    return this.mask ? this.apply(dy, this.mask) : dy;
  }

  override clearSaved(): void {
    this.mask = null;
  }
}
