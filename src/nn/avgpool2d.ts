// SPDX-License-Identifier: MIT
// Average pooling over NCHW (no padding). On fixed-point input the window sums are exact
// integers; dividing by K*K is an exponent shift when K*K is a power of two (exact, no site
// needed), otherwise it rounds, so the quotient passes site A (a float32/unbound A keeps float).
// Forward and backward are one kernel pass each (avgpool, avgpool_backward).

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { INT32_LIMIT } from '../ops/intgemm.js';
import { fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { stepArray, storage, type StepScope } from './arrays.js';
import type { Kernels, PoolGeom } from '../kernels/spec.js';
import { noCost, type LayerCost } from './cost.js';

/** log2(n) when n is a power of two, else -1. */
export function log2Exact(n: number): number {
  const l = Math.round(Math.log2(n));
  return 2 ** l === n ? l : -1;
}

/**
 * Pools P planes and divides by the window size: exact (a fixed tensor at exp - log2 count) when
 * the input is fixed and count is a power of two, else float32 values. One kernel pass into a
 * step array of `at`.
 */
export function poolForward(
  k: Kernels,
  x: Tensor,
  outShape: Shape,
  geo: PoolGeom,
  at: StepScope | null,
): { y: Tensor; exact: boolean } {
  const n = geo.P * geo.OH * geo.OW;
  const count = geo.KH * geo.KW;
  const sh = log2Exact(count);
  if (x.kind === 'fixed' && sh >= 0 && count * 2 ** (x.bits - 1) <= INT32_LIMIT) {
    const out = stepArray(at, 'int32', n, false);
    k.avgpool(x.mant, geo, 1, out);
    return { y: fixedTensor(outShape, out, x.exp - sh, 32), exact: true };
  }
  const out = stepArray(at, 'float32', n, false);
  k.avgpool(storage(x), geo, (x.kind === 'fixed' ? 2 ** x.exp : 1) / count, out);
  return { y: floatTensor(outShape, out), exact: false };
}

/** Backward of poolForward: dy / count spread over each window (exact shift when possible). */
export function poolBackward(
  k: Kernels,
  dy: Tensor,
  inShape: Shape,
  geo: PoolGeom,
  at: StepScope | null,
): Tensor {
  const count = geo.KH * geo.KW;
  const sh = log2Exact(count);
  const n = geo.P * geo.H * geo.W;
  const overlap = Math.ceil(geo.KH / geo.SH) * Math.ceil(geo.KW / geo.SW);
  if (dy.kind === 'fixed' && sh >= 0 && overlap * 2 ** (dy.bits - 1) <= INT32_LIMIT) {
    const out = stepArray(at, 'int32', n, false);
    k.avgpool_backward(dy.mant, geo, 1, out);
    return fixedTensor(inShape, out, dy.exp - sh, 32);
  }
  const out = stepArray(at, 'float32', n, false);
  k.avgpool_backward(storage(dy), geo, (dy.kind === 'fixed' ? 2 ** dy.exp : 1) / count, out);
  return floatTensor(inShape, out);
}

export type { PoolGeom };

export class AvgPool2d extends Layer {
  readonly kind = 'avgpool2d';
  override readonly siteNames = ['A'] as const;
  private inShape: Shape | null = null;

  constructor(
    name: string,
    readonly kernelSize: number,
    readonly stride = kernelSize,
  ) {
    super(name);
    if (!(kernelSize >= 1 && stride >= 1))
      throw new Error(`${name}: kernel and stride must be >= 1`);
  }

  outputShape(input: Shape): Shape {
    const [C, H, W] = input;
    const OH = Math.floor((H - this.kernelSize) / this.stride) + 1;
    const OW = Math.floor((W - this.kernelSize) / this.stride) + 1;
    if (input.length !== 3 || OH < 1 || OW < 1) {
      throw new Error(
        `${this.name}: input [${input.join(', ')}] is not (C, H, W) of at least ${this.kernelSize}x${this.kernelSize}`,
      );
    }
    return [C, OH, OW];
  }

  private geom(shape: Shape): PoolGeom {
    if (shape.length !== 4)
      throw new Error(`${this.name}: expected (N,C,H,W), got [${shape.join(', ')}]`);
    const [N, C, H, W] = shape;
    const [, OH, OW] = this.outputShape([C, H, W]);
    const K = this.kernelSize;
    const S = this.stride;
    return { P: N * C, H, W, KH: K, KW: K, SH: S, SW: S, OH, OW };
  }

  // Window sums, no MACs; backward needs only the input shape.
  cost(input: Shape): LayerCost {
    return noCost(this.outputShape(input));
  }

  // x (N,C,H,W) -> y (N,C,OH,OW)
  forward(x: Tensor, ctx: RunContext): Tensor {
    const g = this.geom(x.shape);
    if (ctx.training) this.inShape = x.shape;
    const { y, exact } = poolForward(ctx.kernels, x, [x.shape[0], x.shape[1], g.OH, g.OW], g, ctx);
    return exact ? y : this.quant('A', y, ctx);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    if (!this.inShape) throw new Error(`${this.name}: backward without a training forward`);
    return poolBackward(ctx.kernels, dy, this.inShape, this.geom(this.inShape), ctx);
  }

  override clearSaved(): void {
    this.inShape = null;
  }
}
