// SPDX-License-Identifier: MIT
// Fully connected layer y = x W^T + b, with sites A (input), W (weights), E (incoming error),
// G (weight gradient), E1 (WAGEUBN's Q_E1 before E when no BatchNorm follows) and, on a
// model's last layer, L (its output: the logits, Park et al. sec. 4.2; backward passes the
// error straight through). Both operands fixed-point -> integer GEMM, result stays fixed-point.

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { defaultInit } from './init.js';
import { matmul } from './matmul.js';
import { floatTensor, toFloat, type Tensor } from '../tensor/tensor.js';
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
    // Fixed-point: the bias joins the int32 sums at their exponent (and bounds their width).
    const b =
      this.bias && xq.kind === 'fixed' && wq.kind === 'fixed'
        ? biasAtExp(this.bias.value, xq.exp + wq.exp)
        : null;
    const y = matmul(ctx.kernels, g, xq, wq, ctx, b ? b.maxAbs : 0);
    if (y.kind === 'fixed') {
      if (b) addBiasRows(y.mant, b.mant, N, OUT, 1);
    } else if (this.bias) addBiasRows(y.data, this.bias.value, N, OUT, 1);
    return this.quant('L', y, ctx);
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
    // Integer products only when all three are fixed-point; else both in float32.
    const fixed = eq.kind === 'fixed' && xq.kind === 'fixed' && wq.kind === 'fixed';
    const e = fixed ? eq : toFloat(eq);
    const dx = matmul(ctx.kernels, gx, e, fixed ? wq : toFloat(wq), ctx);
    const dw = matmul(ctx.kernels, gw, e, fixed ? xq : toFloat(xq), ctx);
    this.weight.addGrad(this.quant('G', dw, ctx), ctx.kernels);
    // The bias gradient is the exact column sum of the error (no extra site).
    if (this.bias) this.bias.addGrad(floatTensor([OUT], colSums(eq, N, OUT, 1, ctx.kernels)));
    return dx;
  }

  override clearSaved(): void {
    this.xq = null;
    this.wq = null;
  }
}
