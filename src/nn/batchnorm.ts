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
// quantized x-hat and sigma).
//
// How it computes (kernels bn_sums, bn_forward, bn_affine_int, bn_backward; no float64 copies
// of tensors): batch statistics come from sums of the stored numbers (mantissas or floats),
// exact on integer mantissas, so mean and variance are rounded once from exact values.
// x-hat = (x - mu_q) * (1 / sigma_q) in float64. Unbound BN.xhat: y = gamma * x-hat + beta in
// one pass to float32, and backward recomputes x-hat from the saved input. Bound BN.xhat: the
// float32 x-hat passes the site; when x-hat, gamma and beta are fixed-point, y is computed in
// integers: y = gm * xm + bm * 2^(eb - eg - ex) at exponent eg + ex (exact). A following ReLU
// can be fused (forwardWith / backwardWith): one pass, its 1-byte mask kept by the ReLU. Float32
// sites that would change nothing are called only when telemetry or an observer records them.

import { fusing, Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { ReLU } from './relu.js';
import { sameKind, stepArray, stepLike, storage } from './arrays.js';
import {
  integerAffine,
  isExact32,
  isInt,
  meanOf,
  Norm,
  put4,
  Scratch,
  sumOf,
  varianceOf,
} from './bn-channels.js';
import type { AnyArray } from '../kernels/spec.js';
import type { Quantizer } from '../quant/site.js';
import {
  floatTensor,
  floatTensorMax,
  mantWithin,
  withMantMax,
  type Tensor,
} from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { shapeStr, sizeOf } from '../tensor/shape.js';
import { normCost, type LayerCost } from './cost.js';

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

/** Telemetry or an observer wants every site call. */
const recording = (ctx: RunContext) => ctx.telemetry !== null || !!ctx.observer;

abstract class BatchNormBase extends Layer {
  override readonly siteNames: readonly string[] = BN_SITES;
  override readonly paramSitePrefix = 'BN.';
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly eps: number;
  readonly momentum: number;
  /** The training forward's normalisation (null once cleared), and the one eval uses. */
  private saved: Norm | null = null;
  private readonly trainNorm: Norm;
  private readonly evalNorm: Norm;
  private readonly ch: Scratch;

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
    this.trainNorm = new Norm(channels);
    this.evalNorm = new Norm(channels);
    this.ch = new Scratch(channels);
  }

  override params(): Param[] {
    return [this.gamma, this.beta];
  }

  override buffers(): Record<string, Float32Array> {
    return { runningMean: this.runningMean, runningVar: this.runningVar };
  }

  cost(input: Shape, batch: number): LayerCost {
    return normCost(this, this.outputShape(input), batch * sizeOf(input));
  }

  /** Checks the input shape; returns (N, R) with R the spatial size per channel. */
  protected abstract dims(shape: Shape): { N: number; R: number };

  /**
   * Per-channel values v through a site (as float32 values), their result's values into out;
   * an unbound site copies v. Returns the site's tensor, or null when unbound.
   */
  private q64(site: string, v: Float64Array, out: Float64Array, ctx: RunContext): Tensor | null {
    if (!this.sites.has(site)) {
      out.set(v);
      return null;
    }
    const x = this.ch.f32(site);
    x.set(v);
    const t = this.quant(site, floatTensor([this.channels], x), ctx);
    const src = storage(t);
    const s = t.kind === 'fixed' ? 2 ** t.exp : 1;
    for (let c = 0; c < out.length; c++) out[c] = src[c] * s;
    return t;
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const y = this.run(this.quant('BN.x', x, ctx), ctx, null);
    return this.quant('BN.y', y, ctx);
  }

  // A BN.y site rounds before the ReLU (its exponent sees the negative values): no fusion then.
  override fuses(next: Layer, ctx: RunContext): boolean {
    return next instanceof ReLU && fusing(ctx) && !this.sites.has('BN.y');
  }

  override forwardWith(next: Layer, x: Tensor, ctx: RunContext): Tensor {
    if (!(next instanceof ReLU) || this.sites.has('BN.y')) return super.forwardWith(next, x, ctx);
    return this.run(this.quant('BN.x', x, ctx), ctx, next);
  }

  /** Batch statistics (training; running ones in eval) into ch.mu and ch.sig, as values. */
  private statistics(src: AnyArray, xs: number, N: number, R: number, ctx: RunContext): void {
    const C = this.channels;
    const ch = this.ch;
    if (!ctx.training) {
      for (let c = 0; c < C; c++) {
        ch.mu[c] = this.runningMean[c];
        ch.sig[c] = Math.sqrt(this.runningVar[c] + this.eps);
      }
      return;
    }
    const m = N * R;
    if (m === 0) throw new Error(`${this.name}: batch statistics of an empty batch`);
    ctx.kernels.bn_sums(src, null, null, N, C, R, ch.sums);
    const exact = isInt(src);
    const mo = this.momentum;
    for (let c = 0; c < C; c++) {
      const mean = meanOf(ch.sums, c, m) * xs;
      const v = varianceOf(ch.sums, c, m, exact) * xs * xs;
      ch.mu[c] = mean;
      ch.sig[c] = Math.sqrt(v + this.eps);
      this.runningMean[c] = (1 - mo) * this.runningMean[c] + mo * mean;
      this.runningVar[c] = (1 - mo) * this.runningVar[c] + mo * (m > 1 ? (v * m) / (m - 1) : v);
    }
  }

  // x (N,C,R) any storage -> y (N,C,R) f32, or i32 (exact f64 if wide) when integer output.
  private run(x: Tensor, ctx: RunContext, relu: ReLU | null): Tensor {
    const { N, R } = this.dims(x.shape);
    const C = this.channels;
    const k = ctx.kernels;
    const ch = this.ch;
    const src = storage(x);
    const xs = x.kind === 'fixed' ? 2 ** x.exp : 1; // value = stored * xs
    this.statistics(src, xs, N, R, ctx);
    const nm = ctx.training ? this.trainNorm : this.evalNorm;
    this.q64('BN.mu', ch.mu, ch.muq, ctx);
    this.q64('BN.sigma', ch.sig, nm.sigma, ctx);
    for (let c = 0; c < C; c++) {
      if (!(nm.sigma[c] > 0)) {
        throw new Error(
          `${this.name}: sigma of channel ${c} quantized to ${nm.sigma[c]}: give BN.sigma more fraction bits`,
        );
      }
      // x-hat = (x - mu) * rs in stored units: mu / xs and xs / sigma (exact power-of-two scaling).
      nm.mu[c] = ch.muq[c] / xs;
      nm.rs[c] = (1 / nm.sigma[c]) * xs;
    }
    ch.g.set(this.gamma.value);
    ch.b.set(this.beta.value);
    const gT = this.q64('BN.gamma', ch.g, nm.gamma, ctx);
    const bT = this.q64('BN.beta', ch.b, ch.b, ctx);
    const n = src.length;
    const mask = relu ? relu.fusedMask(ctx, n) : null;
    const p = ch.fwd;
    nm.x = src;
    nm.shape = x.shape;
    this.saved = ctx.training ? nm : this.saved;
    const xq = this.sites.get('BN.xhat');
    if (!xq || xq.quantizer.float32) {
      // x-hat stays float (float32 if the site says so): one pass to y.
      nm.xhat32 = xq !== undefined;
      if (xq && recording(ctx)) this.recordXhat(nm, N, R, ctx);
      for (let c = 0; c < C; c++) put4(p, c, nm.mu[c], nm.rs[c], nm.gamma[c], ch.b[c]);
      const y = stepArray(ctx, 'float32', n, false);
      const ym = k.bn_forward(src, N, C, R, p, nm.xhat32, relu !== null, mask, y);
      return floatTensorMax(x.shape, y, ym);
    }
    let xhq = this.fusedXhat(xq.quantizer, src, x.shape, N, R, nm, ctx);
    if (!xhq) {
      for (let c = 0; c < C; c++) put4(p, c, nm.mu[c], nm.rs[c], 1, 0);
      const xh = stepArray(ctx, 'float32', n, false);
      const xhm = k.bn_forward(src, N, C, R, p, true, false, null, xh);
      xhq = this.quant('BN.xhat', floatTensorMax(x.shape, xh, xhm), ctx);
    }
    const xhs = xhq.kind === 'fixed' ? 2 ** xhq.exp : 1;
    // Backward reads the quantized x-hat: (xhat - 0) * xhs.
    nm.x = storage(xhq);
    nm.mu.fill(0);
    nm.rs.fill(xhs);
    nm.xhat32 = false;
    const intY = integerAffine(xhq, gT, bT, N, C, R, ch.fwd, ctx, relu !== null, mask);
    if (intY) return intY;
    for (let c = 0; c < C; c++) put4(p, c, 0, xhs, nm.gamma[c], ch.b[c]);
    const y = stepArray(ctx, 'float32', n, false);
    const ym = k.bn_forward(nm.x, N, C, R, p, false, relu !== null, mask, y);
    return floatTensorMax(x.shape, y, ym);
  }

  /**
   * BN.xhat's output in one pass where its quantizer is a plain rounding onto a grid and nothing
   * records the call (Kernels.bn_xhat_int: the float32 x-hat's mantissas without the float32
   * x-hat, the same integers); null: the caller takes bn_forward and the site.
   */
  private fusedXhat(
    q: Quantizer,
    src: AnyArray,
    shape: Shape,
    N: number,
    R: number,
    nm: Norm,
    ctx: RunContext,
  ): Tensor | null {
    const xhatInt = ctx.kernels.bn_xhat_int;
    const grid = xhatInt && !recording(ctx) ? q.roundingGrid?.() : null;
    if (!xhatInt || !grid) return null;
    const C = this.channels;
    const p = this.ch.fwd; // (C, 2) = [mu, rs] in stored units
    for (let c = 0; c < C; c++) {
      p[2 * c] = nm.mu[c];
      p[2 * c + 1] = nm.rs[c];
    }
    const mant = stepArray(ctx, 'int32', src.length, false);
    const big = xhatInt(src, N, C, R, p, 2 ** -grid.exp, mant);
    // NaN, or past int32: the site's own route (which refuses what it refuses).
    return big < 2 ** 31 ? grid.finish(shape, mant, big) : null;
  }

  /** A float32 x-hat site's call, made only to be recorded (telemetry, observer). */
  private recordXhat(nm: Norm, N: number, R: number, ctx: RunContext): void {
    const C = this.channels;
    const p = this.ch.fwd;
    for (let c = 0; c < C; c++) put4(p, c, nm.mu[c], nm.rs[c], 1, 0);
    const xh = stepArray(ctx, 'float32', nm.x.length, false);
    ctx.kernels.bn_forward(nm.x, N, C, R, p, true, false, null, xh);
    this.quant('BN.xhat', floatTensor(nm.shape, xh), ctx);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    return this.back(dy, ctx, null);
  }

  override backwardWith(next: Layer, dy: Tensor, ctx: RunContext): Tensor {
    return next instanceof ReLU
      ? this.back(dy, ctx, next.savedMask())
      : super.backwardWith(next, dy, ctx);
  }

  // dy (N,C,R), mask (N,C,R) i8 of a fused ReLU or null -> dx (N,C,R) f32 (or E2's output).
  private back(dy: Tensor, ctx: RunContext, mask: Int8Array | null): Tensor {
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
    const k = ctx.kernels;
    const ch = this.ch;
    const { e, em } = this.errorIn(dy, mask, ctx);
    const es = storage(e);
    const ee = e.kind === 'fixed' ? 2 ** e.exp : 1;
    k.bn_sums(es, s.x, em, N, C, R, ch.sums);
    const p = ch.bwd;
    for (let c = 0; c < C; c++) {
      // g_beta = sum e, g_gamma = sum e * xhat = rs (sum e x - mu sum e), as values.
      const se = sumOf(ch.sums, c, 0);
      ch.gb[c] = se * ee;
      ch.gg[c] = (sumOf(ch.sums, c, 1) - s.mu[c] * se) * s.rs[c] * ee;
      // mean(e2) = gamma gb / m, mean(e2 * xhat) = gamma gg / m; the error's scale ee folded in.
      const kk = s.gamma[c] / s.sigma[c];
      const q = 5 * c;
      p[q] = s.mu[c];
      p[q + 1] = s.rs[c];
      p[q + 2] = kk * ee;
      p[q + 3] = ch.gb[c] / m / ee;
      p[q + 4] = ch.gg[c] / m / ee;
    }
    const fused = this.fusedE2(es, s, em, N, R, dy.shape, ctx);
    if (fused) {
      this.gamma.addGrad(this.gradThrough('BN.ggamma', ch.gg, ctx), ctx.kernels);
      this.beta.addGrad(this.gradThrough('BN.gbeta', ch.gb, ctx), ctx.kernels);
      return fused;
    }
    const dx = stepArray(ctx, 'float32', es.length, false);
    const dxm = k.bn_backward(es, s.x, em, N, C, R, p, s.xhat32, dx);
    this.gamma.addGrad(this.gradThrough('BN.ggamma', ch.gg, ctx), ctx.kernels);
    this.beta.addGrad(this.gradThrough('BN.gbeta', ch.gb, ctx), ctx.kernels);
    const out = floatTensorMax(dy.shape, dx, dxm);
    return this.sites.has('E2') ? this.quant('E2', out, ctx) : out;
  }

  /**
   * E2's output without the float32 dx where E2 is a flag quantization scaled from max |dx| and
   * nothing records the call (wageubn8): bn_backward_max, then bn_backward_flag writes the flag
   * mantissas of the same dx; null: the caller takes bn_backward and the site. p = ch.bwd.
   */
  private fusedE2(
    es: AnyArray,
    s: Norm,
    em: Int8Array | null,
    N: number,
    R: number,
    shape: Shape,
    ctx: RunContext,
  ): Tensor | null {
    const k = ctx.kernels;
    const q = this.sites.get('E2')?.quantizer;
    const max = k.bn_backward_max;
    const flag = k.bn_backward_flag;
    if (!q?.flagGrid || !max || !flag || recording(ctx)) return null;
    const C = this.channels;
    const p = this.ch.bwd;
    const m = max(es, s.x, em, N, C, R, p, s.xhat32);
    // NaN or an infinity (the site's scan throws its message), or all zero: the site's route.
    const grid = Number.isFinite(m) ? q.flagGrid(m) : null;
    if (!grid) return null;
    const out = stepArray(ctx, grid.dtype, es.length, false);
    flag(es, s.x, em, N, C, R, p, s.xhat32, grid.scExp, grid.k, out);
    return grid.finish(shape, out);
  }

  /**
   * The error entering BatchNorm: E1's output, with a fused ReLU's mask applied first. A float32
   * E1 that would return the same values (float input, or mantissas exact in float32) is
   * skipped unless something records site calls, and the mask stays fused into the kernels.
   */
  private errorIn(
    dy: Tensor,
    mask: Int8Array | null,
    ctx: RunContext,
  ): { e: Tensor; em: Int8Array | null } {
    const q = this.sites.get('E1');
    if (!q) return { e: dy, em: mask };
    const k = ctx.kernels;
    if (q.quantizer.float32 && !recording(ctx)) {
      if (dy.kind === 'float' || dy.mant instanceof Int8Array || dy.mant instanceof Int16Array)
        return { e: dy, em: mask };
      if (mantWithin(dy, 2 ** 24, (m) => k.maxAbs(m))) return { e: dy, em: mask };
    }
    let e = dy;
    if (mask) {
      const src = storage(dy);
      const out = stepLike(ctx, src, src.length, false);
      // Mantissas: max |e| comes with the pass (E1 skips its scan).
      if (dy.kind === 'fixed')
        e = withMantMax(sameKind(dy, dy.shape, out), k.relu_backward_max(mask, src, out));
      else {
        k.relu_backward(mask, src, out);
        e = sameKind(dy, dy.shape, out);
      }
    }
    const eq = this.quant('E1', e, ctx);
    // A float32 E1 on exact mantissas changed nothing: keep the integer storage.
    return { e: q.quantizer.float32 && isExact32(e) ? e : eq, em: null };
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
