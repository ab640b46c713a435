// SPDX-License-Identifier: MIT
// 2-D convolution over NCHW as im2col + one batch-wide GEMM, with sites A, W, E, G.
//   forward:  col (C*KH*KW, N*OH*OW) = im2col(x);  y' (OC, N*OH*OW) = W (OC, C*KH*KW) col
//   backward: dW = e' col^T;  dcol = W^T e';  dx = col2im(dcol)
// Forward saves the im2col matrix (low-bit mantissas on the integer path) so backward does
// not rebuild it; for LeNet-sized layers that is a few MB per step. The integer passes live
// in ops/conv.ts: on int8 mantissas a 3x3 stride-1 conv's forward and input gradient run as
// exact integer Winograd F(2x2,3x3) there (the same integers, 2.25x fewer multiplies), and
// its weight gradient then builds the im2col matrix in backward. Where the integer forward
// kept no matrix (implicit), kernels with conv_weight_grad_int (native AVX-512 VNNI) give an
// int16 stride-1 'same' conv's dW straight from x's shifted planes and the error as it comes. Kernels with implicit-GEMM
// convolutions (native: conv_gemm_f32, conv_weight_grad_f32) run the float32 passes without
// the matrix, and a stride-1 'same' conv's float32 dx as a forward conv of the error; kernels
// with conv_direct_f32 (native AVX-512) run those 'same' convs (bias-free) straight from the
// input planes into NCHW, the same bits.

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { defaultInit } from './init.js';
import { bitsOfAcc, stepArray, stepLike } from './arrays.js';
import { biasAtExp, colSums } from './bias.js';
import { asInt } from '../ops/intgemm.js';
import { valuesF32 } from '../ops/values.js';
import {
  convForwardInt,
  convDirectF32,
  convGemmF32,
  convInputGradF32,
  convInputGradInt,
  convWeightGradInt,
  convWeightGradIntDirect,
  errorRows,
  directF32,
  implicitF32,
  inputGradBound,
  weightGradInt8Direct,
} from '../ops/conv.js';
import type { AnyArray, ConvGeom, Kernels } from '../kernels/spec.js';
import type { IntArray, MantArray } from '../tensor/dtype.js';
import {
  dequantize,
  fixedTensor,
  floatTensor,
  reshape,
  withBound,
  type Tensor,
} from '../tensor/tensor.js';
import { matmul } from './matmul.js';
import { countMacs } from '../ops/macs.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import type { Rng } from '../quant/rng.js';
import { winogradFor } from '../ops/winograd.js';
import { gemmCost, siteOperand, type LayerCost } from './cost.js';

/** The exact max |mant| the tensors' producers computed (Tensor.mantMax), by mantissa array. */
function known(...ts: Tensor[]): Map<MantArray, number> | undefined {
  let m: Map<MantArray, number> | undefined;
  for (const t of ts)
    if (t.kind === 'fixed' && t.mantMax !== undefined) (m ??= new Map()).set(t.mant, t.mantMax);
  return m;
}

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  bias?: boolean;
  /**
   * false: backward does not compute the input gradient and returns zeros (for a model's first
   * layer, whose input is data: its dx GEMM and col2im are most of that layer's backward).
   */
  inputGrad?: boolean;
}

export class Conv2d extends Layer {
  readonly kind = 'conv2d';
  override readonly siteNames = ['A', 'W', 'E', 'E1', 'G'] as const;
  readonly weight: Param;
  readonly bias: Param | null;
  readonly stride: number;
  readonly padding: number;
  private xq: Tensor | null = null;
  private wq: Tensor | null = null;
  private geom: ConvGeom | null = null;
  /** im2col(x) of the training forward, (C*KH*KW, N*OH*OW), same storage as xq. */
  private col: AnyArray | null = null;
  /**
   * The training forward's float32 values of a fixed-point input (a step array), for the
   * float backward's dW: converting the saved mantissas again took ~7 ms of a WAGEUBN A-only
   * ResNet-20 step. null when x was float (xq's own array) or the forward ran in integers.
   */
  private xv: Float32Array | null = null;

  constructor(
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    rng: Rng,
    opts: Conv2dOptions = {},
  ) {
    super(name);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    if (opts.inputGrad === false) this.inputGrad = false;
    const k = kernelSize;
    this.weight = new Param(`${name}.weight`, name, 'weight', [outChannels, inChannels, k, k]);
    this.bias = opts.bias === false ? null : new Param(`${name}.bias`, name, 'bias', [outChannels]);
    defaultInit(this.weight.value, this.bias?.value ?? null, inChannels * k * k, rng);
  }

  override params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  private geometry(shape: Shape): ConvGeom {
    if (shape.length !== 4 || shape[1] !== this.inChannels) {
      throw new Error(
        `${this.name}: expected input (N, ${this.inChannels}, H, W), got [${shape.join(', ')}]`,
      );
    }
    const [N, C, H, W] = shape;
    const K = this.kernelSize;
    const OH = Math.floor((H + 2 * this.padding - K) / this.stride) + 1;
    const OW = Math.floor((W + 2 * this.padding - K) / this.stride) + 1;
    if (OH < 1 || OW < 1)
      throw new Error(`${this.name}: input ${H}x${W} is smaller than the kernel ${K}x${K}`);
    return {
      N,
      C,
      H,
      W,
      KH: K,
      KW: K,
      strideH: this.stride,
      strideW: this.stride,
      padH: this.padding,
      padW: this.padding,
      OH,
      OW,
    };
  }

  outputShape(input: Shape): Shape {
    const g = this.geometry([1, ...input]);
    return [this.outChannels, g.OH, g.OW];
  }

  // (OC, C*KH*KW) x (C*KH*KW, N*OH*OW) per pass; saves x at A and W, and keeps the im2col
  // matrix except where the int8 forward runs as Winograd (backward then rebuilds it).
  cost(input: Shape, batch: number): LayerCost {
    const g = this.geometry([batch, ...input]);
    const CKK = g.C * g.KH * g.KW;
    const Q = batch * g.OH * g.OW;
    const int8 = siteOperand(this, 'A') === 'i8' && siteOperand(this, 'W') === 'i8';
    const col = int8 && winogradFor(g, g.C) ? 0 : CKK * Q;
    return gemmCost(this, [this.outChannels, g.OH, g.OW], this.outChannels * CKK * Q, {
      x: batch * sizeOf(input),
      w: this.weight.size,
      col,
    });
  }

  // x (N,C,H,W) -> y (N,OC,OH,OW); fixed: i8 x i8 -> i32 at exp ex+ew.
  forward(x: Tensor, ctx: RunContext): Tensor {
    const g = this.geometry(x.shape);
    const k = ctx.kernels;
    const OC = this.outChannels;
    const CKK = g.C * g.KH * g.KW;
    const Q = g.N * g.OH * g.OW;
    const R = g.OH * g.OW;
    const xq = this.quant('A', x, ctx);
    const wq = this.quant('W', floatTensor(this.weight.shape, this.weight.value), ctx);
    if (ctx.training) {
      this.xq = xq;
      this.wq = wq;
      this.geom = g;
    }
    const gemm = { M: OC, N: Q, K: CKK };
    const outShape = [g.N, OC, g.OH, g.OW];
    if (xq.kind === 'fixed' && wq.kind === 'fixed') {
      if (xq.mant instanceof Float64Array)
        throw new Error(`${this.name}: input must be requantized at site A`);
      if (ctx.training) this.xv = null;
      const exp = xq.exp + wq.exp;
      const b = this.bias ? biasAtExp(this.bias.value, exp) : null;
      // The im2col matrix is kept for backward's dW only: not in inference, nor where backward
      // reads dW from x's planes (int8 x and error); the forward then may run implicit.
      const keepCol =
        ctx.training &&
        !(
          xq.mant instanceof Int8Array &&
          siteOperand(this, 'E', siteOperand(this, 'E1')) === 'i8' &&
          weightGradInt8Direct(k, g)
        );
      const f = convForwardInt(k, g, xq.mant, asInt(wq.mant), OC, b, ctx, keepCol, known(xq));
      if (ctx.training) this.col = f.col; // null after Winograd: backward builds it
      return fixedTensor(outShape, f.y, exp, bitsOfAcc(f.y));
    }
    const xv = valuesF32(k, xq, ctx);
    if (ctx.training) this.xv = xq.kind === 'fixed' ? xv : null;
    if (!this.bias && directF32(k, g)) {
      // Stride-1 'same' conv straight into y (N, OC, OH, OW): the bits of the routes below.
      const y = stepArray(ctx, 'float32', OC * Q, false);
      convDirectF32(k, g, dequantize(wq), OC, xv, y);
      if (ctx.training) this.col = null; // backward builds it where dW needs it
      return floatTensor(outShape, y);
    }
    let acc: Float32Array;
    if (implicitF32(k, g)) {
      // No im2col matrix (backward builds it for dW): the same bits as im2col + gemm_f32.
      acc = stepArray(ctx, 'float32', OC * Q, false);
      convGemmF32(k, g, dequantize(wq), OC, xv, acc, ctx);
      if (ctx.training) this.col = null;
    } else {
      const col = stepArray(ctx, 'float32', CKK * Q, false);
      k.im2col(g, xv, col);
      if (ctx.training) this.col = col;
      // x is float32 here, so the product is too (whatever W's kind).
      acc = dequantize(matmul(k, gemm, wq, floatTensor([CKK, Q], col), ctx));
    }
    const y = stepArray(ctx, 'float32', OC * Q, false);
    k.swap_outer(acc, OC, g.N, R, this.bias ? this.bias.value : null, y);
    return floatTensor(outShape, y);
  }

  // dy (N,OC,OH,OW) -> dx (N,C,H,W); adds dW (OC,C,KH,KW) through site G, and db (OC).
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const xq = this.xq;
    const wq = this.wq;
    const g = this.geom;
    if (!xq || !wq || !g) throw new Error(`${this.name}: backward without a training forward`);
    const k = ctx.kernels;
    const OC = this.outChannels;
    const CKK = g.C * g.KH * g.KW;
    const Q = g.N * g.OH * g.OW;
    const R = g.OH * g.OW;
    const eq = this.incomingError(dy, ctx);
    const gw = { M: OC, N: CKK, K: Q, transB: true };
    const gc = { M: CKK, N: Q, K: OC, transA: true };
    const xShape = [g.N, g.C, g.H, g.W];
    let dx: Tensor;
    let dw: Tensor;
    if (eq.kind === 'fixed' && xq.kind === 'fixed' && wq.kind === 'fixed') {
      if (xq.mant instanceof Float64Array) throw new Error(`${this.name}: bad saved input`);
      const em = asInt(eq.mant);
      const km = known(xq, eq);
      // e' (OC, N*OH*OW), swapped from e (N, OC, OH*OW) only where a GEMM reads it.
      let e: IntArray | null = null;
      const eRows = (): IntArray => {
        if (e) return e;
        e = errorRows(k, g, em, OC, ctx);
        // e's elements in another order: e's max.
        const m = km?.get(em);
        if (m !== undefined) km!.set(e, m);
        return e;
      };
      // No im2col matrix saved (the forward ran implicit): dW straight from x's planes where
      // the kernels can, the same integers as im2col + the GEMM.
      const direct = this.col ? null : convWeightGradIntDirect(k, g, em, xq.mant, OC, ctx, km);
      const aw =
        direct ??
        convWeightGradInt(k, g, eRows(), this.savedCol(xq.mant, g, k, ctx), OC, ctx, xq.mant, km);
      dw = fixedTensor(this.weight.shape, aw, eq.exp + xq.exp, bitsOfAcc(aw));
      if (!this.inputGrad) {
        // Zeros nobody reads (the model's input): a step array, not garbage every step.
        const zeros = stepArray(ctx, 'int32', sizeOf(xShape), true);
        dx = fixedTensor(xShape, zeros, eq.exp + wq.exp, 32);
        return this.finishBackward(dw, eq, g, ctx, dx);
      }
      const wm = asInt(wq.mant);
      const dxm = convInputGradInt(k, g, em, eRows, wm, OC, ctx, km);
      // The types' bound lets BatchNorm's and the residual add's checks skip their scans.
      const bound = inputGradBound(g, OC, em, wm);
      dx = withBound(fixedTensor(xShape, dxm, eq.exp + wq.exp, bitsOfAcc(dxm)), bound);
    } else {
      const eqf = valuesF32(k, eq, ctx);
      // e' (OC, N*OH*OW), swapped from e (N, OC, OH*OW) where a GEMM needs it.
      let e: Float32Array | null = null;
      const eRows = (): Float32Array => {
        if (!e) {
          e = stepArray(ctx, 'float32', OC * Q, false);
          k.swap_outer(eqf, g.N, OC, R, null, e);
        }
        return e;
      };
      const batchMajor = !this.col && !!k.weightGradBatchMajorF32?.(g);
      if (k.conv_weight_grad_f32 && !this.col && (batchMajor || implicitF32(k, g))) {
        // No im2col matrix saved (conv_gemm_f32 or direct forward): none built here either.
        // The direct dot reads x and the batch-major error as they are, small planes too
        // (ResNet-20's 8x8 convs: im2col + the packed GEMM took ~2x as long in a step).
        const dwv = stepArray(ctx, 'float32', OC * CKK, false);
        const xv = this.xv ?? valuesF32(k, xq, ctx);
        if (batchMajor) k.conv_weight_grad_f32(g, eqf, OC, xv, dwv, true);
        else k.conv_weight_grad_f32(g, eRows(), OC, xv, dwv);
        countMacs(eqf, xv, OC * CKK * Q);
        dw = floatTensor(this.weight.shape, dwv);
      } else {
        const col = this.savedCol(this.xv ?? valuesF32(k, xq, ctx), g, k, ctx);
        const ef = floatTensor([OC, Q], eRows());
        dw = reshape(matmul(k, gw, ef, floatTensor([CKK, Q], col), ctx), this.weight.shape);
      }
      if (!this.inputGrad) {
        return this.finishBackward(
          dw,
          eq,
          g,
          ctx,
          floatTensor(xShape, stepArray(ctx, 'float32', sizeOf(xShape), true)),
        );
      }
      // A stride-1 'same' conv's dx as a forward conv of e where the kernels prefer it.
      const direct = convInputGradF32(k, g, eqf, dequantize(wq), OC, ctx);
      if (direct) {
        dx = floatTensor(xShape, direct);
      } else {
        const dcol = dequantize(matmul(k, gc, wq, floatTensor([OC, Q], eRows()), ctx));
        const dxv = stepArray(ctx, 'float32', g.N * g.C * g.H * g.W, false); // col2im zeroes it
        k.col2im(g, dcol, dxv);
        dx = floatTensor(xShape, dxv);
      }
    }
    return this.finishBackward(dw, eq, g, ctx, dx);
  }

  /** Adds dW (through site G) and db, returns dx. */
  private finishBackward(dw: Tensor, eq: Tensor, g: ConvGeom, ctx: RunContext, dx: Tensor): Tensor {
    this.weight.addGrad(this.quant('G', dw, ctx), ctx.kernels);
    const OC = this.outChannels;
    if (this.bias)
      this.bias.addGrad(floatTensor([OC], colSums(eq, g.N, OC, g.OH * g.OW, ctx.kernels)));
    return dx;
  }

  /** The forward's im2col matrix when it matches x's storage, else rebuilt from x. */
  private savedCol<T extends AnyArray>(x: T, g: ConvGeom, k: Kernels, ctx: RunContext): T {
    const n = g.C * g.KH * g.KW * g.N * g.OH * g.OW;
    const c = this.col;
    if (c && c.constructor === x.constructor && c.length === n) return c as T;
    const col = stepLike(ctx, x, n, false);
    k.im2col(g, x, col);
    return col;
  }

  override clearSaved(): void {
    this.xq = null;
    this.wq = null;
    this.geom = null;
    this.col = null;
    this.xv = null;
  }
}
