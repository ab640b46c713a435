// SPDX-License-Identifier: MIT
// Layer normalisation over the last axis (Ba et al. 2016): x (R, D) -> y (R, D),
//   mu_r = mean_d x, sigma_r = sqrt(var_d x + eps), xhat = (x - mu) / sigma, y = gamma xhat + beta
//   dx = (e - mean(e) - xhat mean(e xhat)) / sigma with e = gamma dy; dgamma = sum_r dy xhat,
//   dbeta = sum_r dy.
// Sites like BatchNorm's input and error sites: A (its input, so a fixed-point scheme feeds it
// mantissas) and E (the incoming error). Row statistics are sums of the stored numbers in
// float64 (exact on integer mantissas, then scaled by 2^exp once), so mean and variance are
// rounded once from exact sums; x-hat and y are float64 rounded to float32 once. The output is
// float32: the Linear layers it feeds quantize it at their own A site. Both passes are kernels
// (layernorm_forward, layernorm_backward: kernels/spec-norm.ts gives their order of operations).

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { stepArray, storage } from './arrays.js';
import { floatTensor, type Tensor } from '../tensor/tensor.js';
import { assertShape, type Shape } from '../tensor/shape.js';
import type { LayerCost } from './cost.js';

export class LayerNorm extends Layer {
  /**
   * `batch` rows of [dim]: no MACs (row statistics and an affine map); forward keeps x-hat
   * (R, D) f32 and 1/sigma (R) f64 for backward, float at any scheme, so nominally the same.
   */
  cost(input: Shape, batch: number): LayerCost {
    const output = this.outputShape(input);
    const bytes = batch * this.dim * 4 + batch * 8;
    return {
      output,
      macs: [],
      savedBytes: bytes,
      nominalSavedBytes: bytes,
      workspaceBytes: 0,
    };
  }

  readonly kind = 'layernorm';
  override readonly siteNames = ['A', 'E'] as const;
  readonly gamma: Param;
  readonly beta: Param;
  private xhat: Float32Array | null = null; // (R, D)
  private invSigma: Float64Array | null = null; // (R)

  constructor(
    name: string,
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super(name);
    this.gamma = new Param(`${name}.weight`, name, 'weight', [dim]);
    this.beta = new Param(`${name}.bias`, name, 'bias', [dim]);
    this.gamma.value.fill(1);
  }

  override params(): Param[] {
    return [this.gamma, this.beta];
  }

  outputShape(input: Shape): Shape {
    assertShape(input, [this.dim], `${this.name} input`);
    return input;
  }

  // x (R,D) f32 or fixed -> y (R,D) f32 (the kernel layernorm_forward: spec-norm.ts)
  forward(x: Tensor, ctx: RunContext): Tensor {
    const D = this.dim;
    if (x.shape.length !== 2 || x.shape[1] !== D) {
      throw new Error(`${this.name}: expected input (R, ${D}), got [${x.shape.join(', ')}]`);
    }
    const R = x.shape[0];
    const xq = this.quant('A', x, ctx);
    const unit = xq.kind === 'fixed' ? 2 ** xq.exp : 1;
    // Step arrays: y is read by the next layer, x-hat and 1/sigma by this step's backward.
    const y = stepArray(ctx, 'float32', R * D, false);
    const xh = stepArray(ctx, 'float32', R * D, false);
    const inv = stepArray(ctx, 'float64', R, false);
    const { gamma, beta } = this;
    ctx.kernels.layernorm_forward(
      storage(xq),
      R,
      D,
      unit,
      this.eps,
      gamma.value,
      beta.value,
      y,
      xh,
      inv,
    );
    if (ctx.training) {
      this.xhat = xh;
      this.invSigma = inv;
    }
    return floatTensor([R, D], y);
  }

  // dy (R,D) -> dx (R,D) f32; adds dgamma, dbeta (D) (the kernel layernorm_backward)
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const xh = this.xhat;
    const inv = this.invSigma;
    if (!xh || !inv) throw new Error(`${this.name}: backward without a training forward`);
    const D = this.dim;
    const R = inv.length;
    const eq = this.quant('E', dy, ctx);
    const unit = eq.kind === 'fixed' ? 2 ** eq.exp : 1;
    const dx = stepArray(ctx, 'float32', R * D, false);
    const dgb = stepArray(ctx, 'float64', 2 * D, false);
    ctx.kernels.layernorm_backward(storage(eq), unit, xh, inv, this.gamma.value, R, D, dx, dgb);
    // float64 sums rounded to float32 once
    const gg = new Float32Array(D);
    const gb = new Float32Array(D);
    gg.set(dgb.subarray(0, D));
    gb.set(dgb.subarray(D, 2 * D));
    this.gamma.addGrad(floatTensor([D], gg));
    this.beta.addGrad(floatTensor([D], gb));
    return floatTensor([R, D], dx);
  }

  override clearSaved(): void {
    this.xhat = null;
    this.invSigma = null;
  }
}
