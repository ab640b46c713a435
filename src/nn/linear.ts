// SPDX-License-Identifier: MIT
// Fully connected layer y = x W^T + b, with sites A (input), W (weights), E (incoming error),
// G (weight gradient), E1 (WAGEUBN's Q_E1 before E when no BatchNorm follows) and, on a
// model's last layer, L (its output: the logits, Park et al. sec. 4.2; backward passes the
// error straight through). Both operands fixed-point -> integer GEMM, result stays fixed-point.

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { defaultInit } from './init.js';
import { bitsOfAcc, stepArray } from './arrays.js';
import { intGemm } from '../ops/intgemm.js';
import { countMacs } from '../ops/macs.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import { assertShape, type Shape } from '../tensor/shape.js';
import type { Rng } from '../quant/rng.js';
import { addBiasRows, biasAtExp, colSums } from './bias.js';
import { gemmCost, type LayerCost } from './cost.js';

export class Linear extends Layer {
  readonly kind = 'linear';
  override readonly siteNames = ['A', 'W', 'E', 'E1', 'G', 'L'] as const;
  readonly weight: Param;
  readonly bias: Param | null;
  private xq: Tensor | null = null;
  private wq: Tensor | null = null;

  constructor(
    name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    withBias = true,
  ) {
    super(name);
    this.weight = new Param(`${name}.weight`, name, 'weight', [outFeatures, inFeatures]);
    this.bias = withBias ? new Param(`${name}.bias`, name, 'bias', [outFeatures]) : null;
    defaultInit(this.weight.value, this.bias?.value ?? null, inFeatures, rng);
  }

  override params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  outputShape(input: Shape): Shape {
    assertShape(input, [this.inFeatures], `${this.name} input`);
    return [this.outFeatures];
  }

  // One (N,IN) x (IN,OUT) product per pass; saves x at A and W (N*IN + OUT*IN values).
  cost(input: Shape, batch: number): LayerCost {
    const output = this.outputShape(input);
    return gemmCost(this, output, batch * this.inFeatures * this.outFeatures, {
      x: batch * this.inFeatures,
      w: this.weight.size,
      col: 0,
    });
  }

  // x (N,IN) -> y (N,OUT). Fixed: x i8/i16, w i8/i16 -> y i32 (or widened) at exp ex+ew.
  forward(x: Tensor, ctx: RunContext): Tensor {
    const [N, IN] = x.shape;
    if (x.shape.length !== 2 || IN !== this.inFeatures) {
      throw new Error(
        `${this.name}: expected input (N, ${this.inFeatures}), got [${x.shape.join(', ')}]`,
      );
    }
    const OUT = this.outFeatures;
    const xq = this.quant('A', x, ctx);
    const wq = this.quant('W', floatTensor(this.weight.shape, this.weight.value), ctx);
    if (ctx.training) {
      this.xq = xq;
      this.wq = wq;
    }
    const g = { M: N, N: OUT, K: IN, transB: true };
    if (xq.kind === 'fixed' && wq.kind === 'fixed') {
      const exp = xq.exp + wq.exp;
      const b = this.bias ? biasAtExp(this.bias.value, exp) : null;
      const acc = intGemm(ctx.kernels, g, xq.mant, wq.mant, b ? b.maxAbs : 0, ctx);
      if (b) addBiasRows(acc, b.mant, N, OUT, 1);
      return this.quant('L', fixedTensor([N, OUT], acc, exp, bitsOfAcc(acc)), ctx);
    }
    const y = stepArray(ctx, 'float32', N * OUT, false);
    const xf = dequantize(xq);
    const wf = dequantize(wq);
    ctx.kernels.gemm_f32(g, xf, wf, y);
    countMacs(xf, wf, N * OUT * IN);
    if (this.bias) addBiasRows(y, this.bias.value, N, OUT, 1);
    return this.quant('L', floatTensor([N, OUT], y), ctx);
  }

  // dy (N,OUT) -> dx (N,IN); adds dW (OUT,IN) through site G and db (OUT).
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const xq = this.xq;
    const wq = this.wq;
    if (!xq || !wq) throw new Error(`${this.name}: backward without a training forward`);
    const [N, IN] = xq.shape;
    const OUT = this.outFeatures;
    const eq = this.incomingError(dy, ctx);
    const gx = { M: N, N: IN, K: OUT };
    const gw = { M: OUT, N: IN, K: N, transA: true };
    let dx: Tensor;
    let dw: Tensor;
    if (eq.kind === 'fixed' && xq.kind === 'fixed' && wq.kind === 'fixed') {
      const ax = intGemm(ctx.kernels, gx, eq.mant, wq.mant, 0, ctx);
      dx = fixedTensor([N, IN], ax, eq.exp + wq.exp, bitsOfAcc(ax));
      const aw = intGemm(ctx.kernels, gw, eq.mant, xq.mant, 0, ctx);
      dw = fixedTensor([OUT, IN], aw, eq.exp + xq.exp, bitsOfAcc(aw));
    } else {
      const e = dequantize(eq);
      const dxv = stepArray(ctx, 'float32', N * IN, false);
      const wf = dequantize(wq);
      const xf = dequantize(xq);
      ctx.kernels.gemm_f32(gx, e, wf, dxv);
      countMacs(e, wf, N * IN * OUT);
      const dwv = stepArray(ctx, 'float32', OUT * IN, false);
      ctx.kernels.gemm_f32(gw, e, xf, dwv);
      countMacs(e, xf, OUT * IN * N);
      dx = floatTensor([N, IN], dxv);
      dw = floatTensor([OUT, IN], dwv);
    }
    this.weight.addGrad(this.quant('G', dw, ctx));
    // The bias gradient is the exact column sum of the error (no extra site).
    if (this.bias) this.bias.addGrad(floatTensor([OUT], colSums(eq, N, OUT, 1, ctx.kernels)));
    return dx;
  }

  override clearSaved(): void {
    this.xq = null;
    this.wq = null;
  }
}
