// SPDX-License-Identifier: MIT
// Max pooling over NCHW. Works on mantissas directly (max commutes with a shared positive
// scale), so fixed-point tensors stay fixed-point; backward routes each error to its argmax.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { sameKind, stepLike, storage } from './arrays.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AnyArray } from '../kernels/spec.js';
import type { Shape } from '../tensor/shape.js';

export class MaxPool2d extends Layer {
  readonly kind = 'maxpool2d';
  /** Position of each output's maximum inside its window, kh*K + kw (1 byte per output). */
  private argmax: Uint8Array | null = null;
  private inShape: Shape | null = null;

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

  // x (N,C,H,W) -> y (N,C,OH,OW), argmax (N,C,OH,OW) u8 window offsets.
  forward(x: Tensor, ctx: RunContext): Tensor {
    if (x.shape.length !== 4)
      throw new Error(`${this.name}: expected (N,C,H,W), got [${x.shape.join(', ')}]`);
    const [N, C, H, W] = x.shape;
    const [, OH, OW] = this.outputShape([C, H, W]);
    const K = this.kernelSize;
    const S = this.stride;
    const src = storage(x);
    const out = stepLike(ctx, src, N * C * OH * OW);
    if (K > 15) throw new Error(`${this.name}: pooling windows above 15x15 are not supported`);
    const arg = new Uint8Array(out.length);
    if (K === 2 && S === 2) pool2x2(src, out, arg, N * C, H, W, OH, OW);
    else {
      let o = 0;
      for (let nc = 0; nc < N * C; nc++) {
        const base = nc * H * W;
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++, o++) {
            let best = -Infinity;
            let bi = 0;
            for (let kh = 0; kh < K; kh++) {
              const row = base + (oh * S + kh) * W + ow * S;
              for (let kw = 0; kw < K; kw++) {
                const v = src[row + kw];
                if (v > best) {
                  best = v;
                  bi = kh * K + kw;
                }
              }
            }
            out[o] = best;
            arg[o] = bi;
          }
      }
    }
    if (ctx.training) {
      this.argmax = arg;
      this.inShape = x.shape;
    }
    const shape = [N, C, OH, OW];
    return sameKind(x, shape, out);
  }

  backward(dy: Tensor, ctx?: RunContext): Tensor {
    const arg = this.argmax;
    const shape = this.inShape;
    if (!arg || !shape) throw new Error(`${this.name}: backward without a training forward`);
    const src = storage(dy);
    const n = shape.reduce((a, b) => a * b, 1);
    const out = stepLike(ctx, src, n);
    const [N, C, H, W] = shape;
    const K = this.kernelSize;
    const S = this.stride;
    const OH = Math.floor((H - K) / S) + 1;
    const OW = Math.floor((W - K) / S) + 1;
    let o = 0;
    for (let nc = 0; nc < N * C; nc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++, o++) {
          const a = arg[o];
          const kh = (a / K) | 0;
          out[nc * H * W + (oh * S + kh) * W + ow * S + (a - kh * K)] += src[o];
        }
    return sameKind(dy, shape, out);
  }

  override clearSaved(): void {
    this.argmax = null;
    this.inShape = null;
  }
}

/** The common 2x2, stride 2 case, unrolled (ties keep the first element, like the general loop). */
function pool2x2(
  src: AnyArray,
  out: AnyArray,
  arg: Uint8Array,
  NC: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
): void {
  let o = 0;
  for (let nc = 0; nc < NC; nc++) {
    const base = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = base + 2 * oh * W;
      const r1 = r0 + W;
      for (let ow = 0; ow < OW; ow++, o++) {
        const i = r0 + 2 * ow;
        const j = r1 + 2 * ow;
        let bi = 0;
        let best = src[i];
        if (src[i + 1] > best) {
          best = src[i + 1];
          bi = 1;
        }
        if (src[j] > best) {
          best = src[j];
          bi = 2;
        }
        if (src[j + 1] > best) {
          best = src[j + 1];
          bi = 3;
        }
        out[o] = best;
        arg[o] = bi;
      }
    }
  }
}
