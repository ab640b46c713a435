// SPDX-License-Identifier: MIT
// Max pooling over NCHW. Works on mantissas directly (max commutes with a shared positive
// scale), so fixed-point tensors stay fixed-point; backward routes each error to its argmax.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { sameKind, stepArray, stepLike, storage } from './arrays.js';
import type { Kernels } from '../kernels/spec.js';
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import type { LayerCost } from './cost.js';

export class MaxPool2d extends Layer {
  readonly kind = 'maxpool2d';
  /** Position of each output's maximum inside its window, kh*K + kw (1 byte per output). */
  private argmax: Uint8Array | null = null;
  private inShape: Shape | null = null;
  private k: Kernels | null = null;

  constructor(
    name: string,
    readonly kernelSize: number,
    readonly stride = kernelSize,
  ) {
    super(name);
  }

  outputShape(input: Shape): Shape {
    const [C, H, W] = input;
    return [
      C,
      Math.floor((H - this.kernelSize) / this.stride) + 1,
      Math.floor((W - this.kernelSize) / this.stride) + 1,
    ];
  }

  // No MACs; saves each output's argmax, one byte (log2 of the window in bits, nominally).
  cost(input: Shape, batch: number): LayerCost {
    const output = this.outputShape(input);
    const n = batch * sizeOf(output);
    const bits = Math.ceil(Math.log2(Math.max(2, sizeOf(input) / sizeOf(output))));
    return {
      output,
      macs: [],
      savedBytes: n,
      nominalSavedBytes: (n * bits) / 8,
      workspaceBytes: 0,
    };
  }

  // x (N,C,H,W) -> y (N,C,OH,OW), argmax (N,C,OH,OW) u8 window offsets.
  forward(x: Tensor, ctx: RunContext): Tensor {
    if (x.shape.length !== 4)
      throw new Error(`${this.name}: expected (N,C,H,W), got [${x.shape.join(', ')}]`);
    const [N, C, H, W] = x.shape;
    const [, OH, OW] = this.outputShape([C, H, W]);
    if (this.kernelSize > 15)
      throw new Error(`${this.name}: pooling windows above 15x15 are not supported`);
    const src = storage(x);
    const out = stepLike(ctx, src, N * C * OH * OW, false); // every output is written
    // Every argmax is written; a step array (valid until backward) viewed as bytes.
    const a8 = stepArray(ctx, 'int8', out.length, false);
    const arg = new Uint8Array(a8.buffer, a8.byteOffset, a8.length);
    ctx.kernels.maxpool(src, N * C, H, W, this.kernelSize, this.stride, out, arg);
    if (ctx.training) {
      this.argmax = arg;
      this.inShape = x.shape;
      this.k = ctx.kernels;
    }
    return sameKind(x, [N, C, OH, OW], out);
  }

  // dy (N,C,OH,OW) -> dx (N,C,H,W): each error goes to its window's maximum.
  backward(dy: Tensor, ctx?: RunContext): Tensor {
    const arg = this.argmax;
    const shape = this.inShape;
    const k = ctx?.kernels ?? this.k;
    if (!arg || !shape || !k) throw new Error(`${this.name}: backward without a training forward`);
    const src = storage(dy);
    if (src.length !== arg.length)
      throw new Error(`${this.name}: error size ${src.length} != output size ${arg.length}`);
    const [N, C, H, W] = shape;
    const out = stepLike(ctx, src, N * C * H * W, false); // the kernel zeroes it
    k.maxpool_backward(src, arg, N * C, H, W, this.kernelSize, this.stride, out);
    return sameKind(dy, shape, out);
  }

  override clearSaved(): void {
    this.argmax = null;
    this.inShape = null;
    this.k = null;
  }
}
