// SPDX-License-Identifier: MIT
// Average pooling over NCHW (no padding). On fixed-point input the window sums are exact
// integers; dividing by K*K is an exponent shift when K*K is a power of two (exact, no site
// needed), otherwise it rounds, so the quotient passes site A (a float32/unbound A keeps float).

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { INT32_LIMIT } from '../ops/intgemm.js';
import { fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { storage } from './arrays.js';

/** log2(n) when n is a power of two, else -1. */
export function log2Exact(n: number): number {
  const l = Math.round(Math.log2(n));
  return 2 ** l === n ? l : -1;
}

/**
 * Window sums of x (P planes of H*W) into out (P planes of OH*OW): out[p,oh,ow] =
 * sum x[p, oh*S+kh, ow*S+kw]. Exact on integer mantissas.
 */
export function windowSums(
  x: ArrayLike<number>,
  out: { [i: number]: number },
  P: number,
  H: number,
  W: number,
  g: PoolGeom,
): void {
  const { KH, KW, SH, SW, OH, OW } = g;
  let o = 0;
  for (let p = 0; p < P; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        let s = 0;
        for (let kh = 0; kh < KH; kh++) {
          const r = base + (oh * SH + kh) * W + ow * SW;
          for (let kw = 0; kw < KW; kw++) s += x[r + kw];
        }
        out[o] = s;
      }
  }
}

/** Adjoint of windowSums: dx[p, window] += dy[p, oh, ow] (dx zeroed by the caller). */
export function windowSpread(
  dy: ArrayLike<number>,
  dx: { [i: number]: number },
  P: number,
  H: number,
  W: number,
  g: PoolGeom,
): void {
  const { KH, KW, SH, SW, OH, OW } = g;
  let o = 0;
  for (let p = 0; p < P; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        const g = dy[o];
        for (let kh = 0; kh < KH; kh++) {
          const r = base + (oh * SH + kh) * W + ow * SW;
          for (let kw = 0; kw < KW; kw++) dx[r + kw] += g;
        }
      }
  }
}

/**
 * Pools P planes and divides by the window size: exact (a fixed tensor at exp - log2 count) when the
 * input is fixed and count is a power of two, else float32 values.
 */
export function poolForward(
  x: Tensor,
  outShape: Shape,
  geo: PoolGeom,
): { y: Tensor; exact: boolean } {
  const { P, H, W, OH, OW } = geo;
  const count = geo.KH * geo.KW;
  const n = P * OH * OW;
  const sh = log2Exact(count);
  if (x.kind === 'fixed' && sh >= 0 && count * 2 ** (x.bits - 1) <= INT32_LIMIT) {
    const out = new Int32Array(n);
    windowSums(x.mant, out, P, H, W, geo);
    return { y: fixedTensor(outShape, out, x.exp - sh, 32), exact: true };
  }
  const sums = new Float64Array(n);
  windowSums(storage(x), sums, P, H, W, geo);
  const scale = (x.kind === 'fixed' ? 2 ** x.exp : 1) / count;
  return {
    y: floatTensor(
      outShape,
      Float32Array.from(sums, (v) => v * scale),
    ),
    exact: false,
  };
}

/** Backward of poolForward: dy / count spread over each window (exact shift when possible). */
export function poolBackward(dy: Tensor, inShape: Shape, geo: PoolGeom): Tensor {
  const { P, H, W } = geo;
  const count = geo.KH * geo.KW;
  const sh = log2Exact(count);
  const n = P * H * W;
  const overlap = Math.ceil(geo.KH / geo.SH) * Math.ceil(geo.KW / geo.SW);
  if (dy.kind === 'fixed' && sh >= 0 && overlap * 2 ** (dy.bits - 1) <= INT32_LIMIT) {
    const out = new Int32Array(n);
    windowSpread(dy.mant, out, P, H, W, geo);
    return fixedTensor(inShape, out, dy.exp - sh, 32);
  }
  const acc = new Float64Array(n);
  windowSpread(storage(dy), acc, P, H, W, geo);
  const scale = (dy.kind === 'fixed' ? 2 ** dy.exp : 1) / count;
  return floatTensor(
    inShape,
    Float32Array.from(acc, (v) => v * scale),
  );
}

export interface PoolGeom {
  readonly P: number;
  readonly H: number;
  readonly W: number;
  readonly KH: number;
  readonly KW: number;
  readonly SH: number;
  readonly SW: number;
  readonly OH: number;
  readonly OW: number;
}

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

  // x (N,C,H,W) -> y (N,C,OH,OW)
  forward(x: Tensor, ctx: RunContext): Tensor {
    const g = this.geom(x.shape);
    if (ctx.training) this.inShape = x.shape;
    const { y, exact } = poolForward(x, [x.shape[0], x.shape[1], g.OH, g.OW], g);
    return exact ? y : this.quant('A', y, ctx);
  }

  backward(dy: Tensor): Tensor {
    if (!this.inShape) throw new Error(`${this.name}: backward without a training forward`);
    return poolBackward(dy, this.inShape, this.geom(this.inShape));
  }

  override clearSaved(): void {
    this.inShape = null;
  }
}
