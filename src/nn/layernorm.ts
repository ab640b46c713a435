// SPDX-License-Identifier: MIT
// Layer normalisation over the last axis (Ba et al. 2016): x (R, D) -> y (R, D),
//   mu_r = mean_d x, sigma_r = sqrt(var_d x + eps), xhat = (x - mu) / sigma, y = gamma xhat + beta
//   dx = (e - mean(e) - xhat mean(e xhat)) / sigma with e = gamma dy; dgamma = sum_r dy xhat,
//   dbeta = sum_r dy.
// Sites like BatchNorm's input and error sites: A (its input, so a fixed-point scheme feeds it
// mantissas) and E (the incoming error). Row statistics are sums of the stored numbers in
// float64 (exact on integer mantissas, then scaled by 2^exp once), so mean and variance are
// rounded once from exact sums; x-hat and y are float64 rounded to float32 once. The output is
// float32: the Linear layers it feeds quantize it at their own A site.

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { storage } from './arrays.js';
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

  // x (R,D) f32 or fixed -> y (R,D) f32
  forward(x: Tensor, ctx: RunContext): Tensor {
    const D = this.dim;
    if (x.shape.length !== 2 || x.shape[1] !== D) {
      throw new Error(`${this.name}: expected input (R, ${D}), got [${x.shape.join(', ')}]`);
    }
    const R = x.shape[0];
    const xq = this.quant('A', x, ctx);
    const v = storage(xq);
    const unit = xq.kind === 'fixed' ? 2 ** xq.exp : 1;
    const g = this.gamma.value;
    const b = this.beta.value;
    const y = new Float32Array(R * D);
    const xh = new Float32Array(R * D);
    const inv = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      const o = r * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += v[o + d];
      const mu = s / D; // in mantissa units
      let ss = 0;
      for (let d = 0; d < D; d++) ss += (v[o + d] - mu) ** 2;
      const is = 1 / Math.sqrt((ss / D) * unit * unit + this.eps);
      inv[r] = is;
      for (let d = 0; d < D; d++) {
        const h = (v[o + d] - mu) * unit * is;
        xh[o + d] = h;
        y[o + d] = g[d] * h + b[d];
      }
    }
    if (ctx.training) {
      this.xhat = xh;
      this.invSigma = inv;
    }
    return floatTensor([R, D], y);
  }

  // dy (R,D) -> dx (R,D) f32; adds dgamma, dbeta (D)
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const xh = this.xhat;
    const inv = this.invSigma;
    if (!xh || !inv) throw new Error(`${this.name}: backward without a training forward`);
    const D = this.dim;
    const R = inv.length;
    const eq = this.quant('E', dy, ctx);
    const e = storage(eq);
    const unit = eq.kind === 'fixed' ? 2 ** eq.exp : 1;
    const g = this.gamma.value;
    const dg = new Float32Array(D);
    const db = new Float32Array(D);
    const dgs = new Float64Array(D);
    const dbs = new Float64Array(D);
    const dx = new Float32Array(R * D);
    for (let r = 0; r < R; r++) {
      const o = r * D;
      let m1 = 0;
      let m2 = 0;
      for (let d = 0; d < D; d++) {
        const ed = e[o + d] * unit;
        dgs[d] += ed * xh[o + d];
        dbs[d] += ed;
        const gd = ed * g[d];
        m1 += gd;
        m2 += gd * xh[o + d];
      }
      m1 /= D;
      m2 /= D;
      for (let d = 0; d < D; d++)
        dx[o + d] = (e[o + d] * unit * g[d] - m1 - xh[o + d] * m2) * inv[r];
    }
    for (let d = 0; d < D; d++) {
      dg[d] = dgs[d];
      db[d] = dbs[d];
    }
    this.gamma.addGrad(floatTensor([D], dg));
    this.beta.addGrad(floatTensor([D], db));
    return floatTensor([R, D], dx);
  }

  override clearSaved(): void {
    this.xhat = null;
    this.invSigma = null;
  }
}
