// SPDX-License-Identifier: MIT
// 2-D transposed convolution over NCHW, the adjoint of Conv2d, with sites A, W, E, E1, G.
// A conv with input (N, OC, OH, OW) -> (N, C, H, W) geometry g is run backwards:
//   forward:  y (N,C,H,W) = conv's input gradient of x (N,OC,OH,OW): dcol = W^T x', col2im
//   backward: dx = conv(dy) (im2col + GEMM, or exact Winograd); dW = x' im2col(dy)^T
// Weight (IN, OUT, K, K) as PyTorch's ConvTranspose2d: IN plays the conv's OC, OUT its C.
// The integer passes are ops/conv.ts's, so the integers are the direct conv's (bit-exact on
// every backend); no kernel of its own.

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { defaultInit } from './init.js';
import { bitsOfAcc, stepArray, stepLike } from './arrays.js';
import { addBiasRows, biasAtExp, colSums } from './bias.js';
import { asInt, INT32_LIMIT, maxAbsMant } from '../ops/intgemm.js';
import { convForwardInt, convInputGradInt, convWeightGradInt, errorRows } from '../ops/conv.js';
import type { ConvGeom } from '../kernels/spec.js';
import { dequantize, fixedTensor, floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
import { matmul } from './matmul.js';
import type { Shape } from '../tensor/shape.js';
import type { Rng } from '../quant/rng.js';
import { gemmCost, type LayerCost } from './cost.js';
import { sizeOf } from '../tensor/shape.js';

export interface ConvTranspose2dOptions {
  stride?: number;
  padding?: number;
  /** Extra rows/columns on the bottom/right of the output (< stride), as PyTorch's. */
  outputPadding?: number;
  bias?: boolean;
}

export class ConvTranspose2d extends Layer {
  readonly kind = 'conv_transpose2d';
  override readonly siteNames = ['A', 'W', 'E', 'E1', 'G'] as const;
  readonly weight: Param;
  readonly bias: Param | null;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  private xq: Tensor | null = null;
  private wq: Tensor | null = null;
  private geom: ConvGeom | null = null;

  constructor(
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    rng: Rng,
    opts: ConvTranspose2dOptions = {},
  ) {
    super(name);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.outputPadding = opts.outputPadding ?? 0;
    if (this.stride < 1 || this.padding < 0 || this.outputPadding < 0)
      throw new Error(`${name}: stride must be >= 1, padding and outputPadding >= 0`);
    if (this.outputPadding >= this.stride)
      throw new Error(
        `${name}: outputPadding ${this.outputPadding} must be smaller than stride ${this.stride}`,
      );
    const k = kernelSize;
    this.weight = new Param(`${name}.weight`, name, 'weight', [inChannels, outChannels, k, k]);
    this.bias = opts.bias === false ? null : new Param(`${name}.bias`, name, 'bias', [outChannels]);
    // fan-in as PyTorch counts it for this layout: weight.size(1) * K * K.
    defaultInit(this.weight.value, this.bias?.value ?? null, outChannels * k * k, rng);
  }

  override params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** The geometry of the conv this layer is the adjoint of: its output is our input. */
  private geometry(shape: Shape): ConvGeom {
    if (shape.length !== 4 || shape[1] !== this.inChannels) {
      throw new Error(
        `${this.name}: expected input (N, ${this.inChannels}, H, W), got [${shape.join(', ')}]`,
      );
    }
    const [N, , IH, IW] = shape;
    const K = this.kernelSize;
    const s = this.stride;
    const H = (IH - 1) * s - 2 * this.padding + K + this.outputPadding;
    const W = (IW - 1) * s - 2 * this.padding + K + this.outputPadding;
    if (H < 1 || W < 1)
      throw new Error(`${this.name}: padding ${this.padding} leaves no output for ${IH}x${IW}`);
    const p = this.padding;
    return {
      N,
      C: this.outChannels,
      H,
      W,
      KH: K,
      KW: K,
      strideH: s,
      strideW: s,
      padH: p,
      padW: p,
      OH: IH,
      OW: IW,
    };
  }

  outputShape(input: Shape): Shape {
    const g = this.geometry([1, ...input]);
    return [this.outChannels, g.H, g.W];
  }

  // (OUT*K*K, IN) x (IN, N*IH*IW) per pass, the conv's passes run backwards; saves x at A and
  // W; keeps no im2col matrix between forward and backward (backward builds it from dy).
  cost(input: Shape, batch: number): LayerCost {
    const g = this.geometry([batch, ...input]);
    const macs = this.inChannels * this.outChannels * g.KH * g.KW * batch * g.OH * g.OW;
    return gemmCost(this, [this.outChannels, g.H, g.W], macs, {
      x: batch * sizeOf(input),
      w: this.weight.size,
      col: 0,
    });
  }

  // x (N,IN,IH,IW) -> y (N,OUT,H,W); fixed: x, w mantissas -> y i32 (or exact f64) at ex+ew.
  forward(x: Tensor, ctx: RunContext): Tensor {
    const g = this.geometry(x.shape);
    const k = ctx.kernels;
    const IN = this.inChannels;
    const OUT = this.outChannels;
    const R = g.H * g.W;
    const xq = this.quant('A', x, ctx);
    const wq = this.quant('W', floatTensor(this.weight.shape, this.weight.value), ctx);
    if (ctx.training) {
      this.xq = xq;
      this.wq = wq;
      this.geom = g;
    }
    const outShape = [g.N, OUT, g.H, g.W];
    if (xq.kind === 'fixed' && wq.kind === 'fixed') {
      if (xq.mant instanceof Float64Array)
        throw new Error(`${this.name}: input must be requantized at site A`);
      const xm = xq.mant;
      const exp = xq.exp + wq.exp;
      let y = convInputGradInt(
        k,
        g,
        xm,
        () => errorRows(k, g, xm, IN, ctx),
        asInt(wq.mant),
        IN,
        ctx,
      );
      if (this.bias) {
        const b = biasAtExp(this.bias.value, exp);
        // int32 while |y| + |b| fits, else the exact float64 accumulator.
        if (y instanceof Int32Array && maxAbsMant(k, y) + b.maxAbs > INT32_LIMIT)
          y = Float64Array.from(y);
        addBiasRows(y, b.mant, g.N, OUT, R);
      }
      return fixedTensor(outShape, y, exp, bitsOfAcc(y));
    }
    // Float: x' (IN, N*IH*IW); dcol (OUT*K*K, N*IH*IW) = W^T x'; col2im.
    const xv = dequantize(xq);
    const Q = g.N * g.OH * g.OW;
    const CKK = OUT * g.KH * g.KW;
    const xr = stepArray(ctx, 'float32', xv.length, false);
    k.swap_outer(xv, g.N, IN, g.OH * g.OW, null, xr);
    // x is float32 here, so the product is too (whatever W's kind).
    const xt = floatTensor([IN, Q], xr);
    const dcol = dequantize(matmul(k, { M: CKK, N: Q, K: IN, transA: true }, wq, xt, ctx));
    const y = stepArray(ctx, 'float32', g.N * OUT * R, false); // col2im zeroes it
    k.col2im(g, dcol, y);
    if (this.bias) addBiasRows(y, this.bias.value, g.N, OUT, R);
    return floatTensor(outShape, y);
  }

  // dy (N,OUT,H,W) -> dx (N,IN,IH,IW) = conv(dy, W); adds dW (IN,OUT,K,K) through G, db (OUT).
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const xq = this.xq;
    const wq = this.wq;
    const g = this.geom;
    if (!xq || !wq || !g) throw new Error(`${this.name}: backward without a training forward`);
    const k = ctx.kernels;
    const IN = this.inChannels;
    const OUT = this.outChannels;
    const CKK = OUT * g.KH * g.KW;
    const Q = g.N * g.OH * g.OW;
    const eq = this.incomingError(dy, ctx);
    const xShape = [g.N, IN, g.OH, g.OW];
    let dx: Tensor;
    let dw: Tensor;
    if (eq.kind === 'fixed' && xq.kind === 'fixed' && wq.kind === 'fixed') {
      if (xq.mant instanceof Float64Array) throw new Error(`${this.name}: bad saved input`);
      const em = asInt(eq.mant);
      const f = convForwardInt(k, g, em, asInt(wq.mant), IN, null, ctx);
      dx = fixedTensor(xShape, f.y, eq.exp + wq.exp, bitsOfAcc(f.y));
      let col = f.col; // null after Winograd
      if (!col) {
        col = stepLike(ctx, em, CKK * Q, false);
        k.im2col(g, em, col);
      }
      const xr = errorRows(k, g, xq.mant, IN, ctx); // (IN, N*IH*IW)
      const aw = convWeightGradInt(k, g, xr, col, IN, ctx);
      dw = fixedTensor(this.weight.shape, aw, xq.exp + eq.exp, bitsOfAcc(aw));
    } else {
      const ev = dequantize(eq);
      const col = stepArray(ctx, 'float32', CKK * Q, false);
      k.im2col(g, ev, col);
      const colT = floatTensor([CKK, Q], col);
      const acc = dequantize(matmul(k, { M: IN, N: Q, K: CKK }, wq, colT, ctx));
      const dxv = stepArray(ctx, 'float32', IN * Q, false);
      k.swap_outer(acc, IN, g.N, g.OH * g.OW, null, dxv);
      dx = floatTensor(xShape, dxv);
      const xv = dequantize(xq);
      const xr = stepArray(ctx, 'float32', xv.length, false);
      k.swap_outer(xv, g.N, IN, g.OH * g.OW, null, xr);
      const gw = { M: IN, N: CKK, K: Q, transB: true };
      dw = reshape(matmul(k, gw, floatTensor([IN, Q], xr), colT, ctx), this.weight.shape);
    }
    this.weight.addGrad(this.quant('G', dw, ctx), ctx.kernels);
    if (this.bias) this.bias.addGrad(floatTensor([OUT], colSums(eq, g.N, OUT, g.H * g.W, k)));
    return dx;
  }

  override clearSaved(): void {
    this.xq = null;
    this.wq = null;
    this.geom = null;
  }
}
