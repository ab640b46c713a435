// SPDX-License-Identifier: MIT
// Batch normalisation over channels (BatchNorm2d: NCHW, BatchNorm1d: (N,C)) with explicit
// backward and the quantization sites of WAGEUBN (Yang et al. eq. 2, 11-12, 17):
//   forward:  mu_q = Q_mu(mu), sigma_q = Q_sigma(sigma), xhat = Q_BN((x - mu_q) / sigma_q),
//             y = Q_gamma(gamma) * xhat + Q_beta(beta)
//   backward: e1 = Q_E1(dy); g_gamma = Q_Ggamma(sum e1 * xhat); g_beta = Q_Gbeta(sum e1);
//             e2 = e1 * gamma_q; dx = Q_E2((e2 - mean(e2) - xhat * mean(e2 * xhat)) / sigma_q)
// With every site float32 (or unbound) it is plain BatchNorm: sigma = sqrt(var + eps), the
// biased batch variance in training and running statistics (unbiased variance, momentum 0.1,
// as PyTorch) in eval. Choice: eps is folded inside the square root, so sigma_q plays the
// role of the paper's (sigma_q + eps_q) and stays > 0 for any k_sigma >= 9.
// Quantizers act as straight-through estimators in backward (the paper's e_3 uses the
// quantized x-hat and sigma). When x-hat, gamma and beta are fixed-point, y is computed in
// integers: y = gm * xm + bm * 2^(eb - eg - ex) at exponent eg + ex (exact).

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { dequantize64, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { shapeStr } from '../tensor/shape.js';

export interface BatchNormOptions {
  /** Added to the variance before the square root; default 1e-5. */
  eps?: number;
  /** Running statistics update: r = (1 - momentum) r + momentum * batch; default 0.1. */
  momentum?: number;
}

/**
 * Site names of a BatchNorm layer (WAGEUBN eq. 11, 12, 14-17), and its input and output
 * (BN.x, BN.y: Park et al. sec. 4.1 quantize BN's inputs and outputs but not its internals;
 * straight through in backward).
 */
export const BN_SITES = [
  'BN.x',
  'BN.y',
  'BN.mu',
  'BN.sigma',
  'BN.gamma',
  'BN.beta',
  'BN.xhat',
  'E1',
  'E2',
  'BN.ggamma',
  'BN.gbeta',
] as const;

interface Saved {
  readonly shape: Shape;
  readonly xhat: Float64Array; // (N,C,R) quantized normalised input, as values
  readonly sigma: Float64Array; // (C) sigma_q
  readonly gamma: Float64Array; // (C) gamma_q
}

abstract class BatchNormBase extends Layer {
  override readonly siteNames: readonly string[] = BN_SITES;
  override readonly paramSitePrefix = 'BN.';
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly eps: number;
  readonly momentum: number;
  private saved: Saved | null = null;

  constructor(
    name: string,
    readonly channels: number,
    opts: BatchNormOptions = {},
  ) {
    super(name);
    if (!Number.isInteger(channels) || channels < 1) {
      throw new Error(`${name}: channels must be a positive integer, got ${channels}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    if (!(this.eps > 0)) throw new Error(`${name}: eps must be > 0, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`${name}: momentum must be in [0, 1], got ${this.momentum}`);
    }
    this.gamma = new Param(
      `${name}.gamma`,
      name,
      'gamma',
      [channels],
      new Float32Array(channels).fill(1),
    );
    this.beta = new Param(`${name}.beta`, name, 'beta', [channels]);
    this.runningMean = new Float32Array(channels);
    this.runningVar = new Float32Array(channels).fill(1);
  }

  override params(): Param[] {
    return [this.gamma, this.beta];
  }

  override buffers(): Record<string, Float32Array> {
    return { runningMean: this.runningMean, runningVar: this.runningVar };
  }

  /** Checks the input shape; returns (N, R) with R the spatial size per channel. */
  protected abstract dims(shape: Shape): { N: number; R: number };

  /** Values through a site as float64; an unbound site passes them through untouched. */
  private q64(
    site: string,
    v: Float64Array,
    shape: Shape,
    ctx: RunContext,
  ): { t: Tensor | null; v: Float64Array } {
    if (!this.sites.has(site)) return { t: null, v };
    const t = this.quant(site, floatTensor(shape, Float32Array.from(v)), ctx);
    return { t, v: dequantize64(t) };
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const y = this.normalize(this.quant('BN.x', x, ctx), ctx);
    return this.quant('BN.y', y, ctx);
  }

  private normalize(x: Tensor, ctx: RunContext): Tensor {
    const { N, R } = this.dims(x.shape);
    const C = this.channels;
    const xv = dequantize64(x);
    const mu = new Float64Array(C);
    const sig = new Float64Array(C);
    if (ctx.training) {
      const m = N * R;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let n = 0; n < N; n++) for (let r = 0, o = (n * C + c) * R; r < R; r++) s += xv[o + r];
        const mean = s / m;
        let ss = 0;
        for (let n = 0; n < N; n++)
          for (let r = 0, o = (n * C + c) * R; r < R; r++) ss += (xv[o + r] - mean) ** 2;
        const v = ss / m;
        mu[c] = mean;
        sig[c] = Math.sqrt(v + this.eps);
        const mo = this.momentum;
        this.runningMean[c] = (1 - mo) * this.runningMean[c] + mo * mean;
        this.runningVar[c] = (1 - mo) * this.runningVar[c] + mo * (m > 1 ? (v * m) / (m - 1) : v);
      }
    } else {
      for (let c = 0; c < C; c++) {
        mu[c] = this.runningMean[c];
        sig[c] = Math.sqrt(this.runningVar[c] + this.eps);
      }
    }
    const muq = this.q64('BN.mu', mu, [C], ctx).v;
    const sigq = this.q64('BN.sigma', sig, [C], ctx).v;
    for (let c = 0; c < C; c++) {
      if (!(sigq[c] > 0)) {
        throw new Error(
          `${this.name}: sigma of channel ${c} quantized to ${sigq[c]}: give BN.sigma more fraction bits`,
        );
      }
    }
    const xh = new Float64Array(xv.length);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let r = 0, o = (n * C + c) * R; r < R; r++) xh[o + r] = (xv[o + r] - muq[c]) / sigq[c];
    const xhq = this.q64('BN.xhat', xh, x.shape, ctx);
    const g = this.q64('BN.gamma', Float64Array.from(this.gamma.value), [C], ctx);
    const b = this.q64('BN.beta', Float64Array.from(this.beta.value), [C], ctx);
    if (ctx.training) this.saved = { shape: [...x.shape], xhat: xhq.v, sigma: sigq, gamma: g.v };
    const intY = this.integerOutput(xhq.t, g.t, b.t, N, R);
    if (intY) return intY;
    const y = new Float32Array(xv.length);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let r = 0, o = (n * C + c) * R; r < R; r++) y[o + r] = g.v[c] * xhq.v[o + r] + b.v[c];
    return floatTensor(x.shape, y);
  }

  /** y = gamma_q * xhat + beta_q on mantissas, when all three are fixed-point; else null. */
  private integerOutput(
    xh: Tensor | null,
    g: Tensor | null,
    b: Tensor | null,
    N: number,
    R: number,
  ): Tensor | null {
    if (!xh || !g || !b || xh.kind !== 'fixed' || g.kind !== 'fixed' || b.kind !== 'fixed')
      return null;
    const exp = g.exp + xh.exp;
    const shift = b.exp - exp;
    if (shift < 0) return null; // beta finer than the product: fall back to values
    const C = this.channels;
    const bs = 2 ** shift;
    let bound = 0;
    for (let c = 0; c < C; c++) {
      bound = Math.max(bound, Math.abs(g.mant[c]) * 2 ** (xh.bits - 1) + Math.abs(b.mant[c]) * bs);
    }
    const wide = bound > 2 ** 31 - 1;
    if (bound > 2 ** 53) return null;
    const mant = wide ? new Float64Array(xh.mant.length) : new Int32Array(xh.mant.length);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const gm = g.mant[c];
        const bm = b.mant[c] * bs;
        for (let r = 0, o = (n * C + c) * R; r < R; r++) mant[o + r] = gm * xh.mant[o + r] + bm;
      }
    return fixedTensor(xh.shape, mant, exp, wide ? 53 : 32);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const s = this.saved;
    if (!s) throw new Error(`${this.name}: backward without a training forward`);
    if (shapeStr(dy.shape) !== shapeStr(s.shape)) {
      throw new Error(
        `${this.name}: error shape ${shapeStr(dy.shape)} != output shape ${shapeStr(s.shape)}`,
      );
    }
    const { N, R } = this.dims(dy.shape);
    const C = this.channels;
    const m = N * R;
    const e1 = this.q64('E1', dequantize64(dy), dy.shape, ctx).v;
    const gg = new Float64Array(C);
    const gb = new Float64Array(C);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let r = 0, o = (n * C + c) * R; r < R; r++) {
          gg[c] += e1[o + r] * s.xhat[o + r];
          gb[c] += e1[o + r];
        }
    const dx = new Float64Array(e1.length);
    for (let c = 0; c < C; c++) {
      // mean(e2) = gamma gb / m, mean(e2 * xhat) = gamma gg / m
      const k = s.gamma[c] / s.sigma[c];
      const a = gb[c] / m;
      const b = gg[c] / m;
      for (let n = 0; n < N; n++)
        for (let r = 0, o = (n * C + c) * R; r < R; r++)
          dx[o + r] = k * (e1[o + r] - a - s.xhat[o + r] * b);
    }
    this.gamma.addGrad(this.gradThrough('BN.ggamma', gg, ctx));
    this.beta.addGrad(this.gradThrough('BN.gbeta', gb, ctx));
    if (this.sites.has('E2'))
      return this.quant('E2', floatTensor(dy.shape, Float32Array.from(dx)), ctx);
    return floatTensor(dy.shape, Float32Array.from(dx));
  }

  private gradThrough(site: string, g: Float64Array, ctx: RunContext): Tensor {
    const t = floatTensor([this.channels], Float32Array.from(g));
    return this.sites.has(site) ? this.quant(site, t, ctx) : t;
  }

  override clearSaved(): void {
    this.saved = null;
  }
}

/** BatchNorm over (N, C, H, W): statistics per channel over N, H, W. */
export class BatchNorm2d extends BatchNormBase {
  readonly kind = 'batchnorm2d';

  outputShape(input: Shape): Shape {
    if (input.length !== 3 || input[0] !== this.channels) {
      throw new Error(
        `${this.name}: expected one sample (${this.channels}, H, W), got [${input.join(', ')}]`,
      );
    }
    return input;
  }

  protected dims(shape: Shape): { N: number; R: number } {
    if (shape.length !== 4 || shape[1] !== this.channels) {
      throw new Error(
        `${this.name}: expected input (N, ${this.channels}, H, W), got [${shape.join(', ')}]`,
      );
    }
    return { N: shape[0], R: shape[2] * shape[3] };
  }
}

/** BatchNorm over (N, C): statistics per feature over the batch. */
export class BatchNorm1d extends BatchNormBase {
  readonly kind = 'batchnorm1d';

  outputShape(input: Shape): Shape {
    if (input.length !== 1 || input[0] !== this.channels) {
      throw new Error(
        `${this.name}: expected one sample (${this.channels}), got [${input.join(', ')}]`,
      );
    }
    return input;
  }

  protected dims(shape: Shape): { N: number; R: number } {
    if (shape.length !== 2 || shape[1] !== this.channels) {
      throw new Error(
        `${this.name}: expected input (N, ${this.channels}), got [${shape.join(', ')}]`,
      );
    }
    return { N: shape[0], R: 1 };
  }
}
