// SPDX-License-Identifier: MIT
// Independent float64 references for integer-path tests: naive convolution and its adjoints,
// and small schemes built from dfp<8> sites.

import { parseScheme, type SchemeSpec } from '../../src/schemes/schema.js';
import type { Shape } from '../../src/tensor/shape.js';

type SiteOverride = Record<
  string,
  { format: string; rounding: 'nearest' | 'stochastic' | 'floor' } | null
>;

/** fixed8's table (W, A nearest; E, G stochastic) with sites replaced or removed (null). */
export function dfp8Scheme(over: SiteOverride = {}, name = 'test-dfp8'): SchemeSpec {
  const sites: SiteOverride = {
    W: { format: 'dfp<8>', rounding: 'nearest' },
    A: { format: 'dfp<8>', rounding: 'nearest' },
    E: { format: 'dfp<8>', rounding: 'stochastic' },
    G: { format: 'dfp<8>', rounding: 'stochastic' },
    ...over,
  };
  const kept = Object.fromEntries(Object.entries(sites).filter(([, v]) => v !== null));
  return parseScheme({ name, sites: kept }, name);
}

/** y (N,OC,OH,OW) = conv(x (N,C,H,W), w (OC,C,KH,KW)) + b, square stride/padding, float64. */
export function naiveConv(
  x: Float64Array,
  xs: Shape,
  w: Float64Array,
  KH: number,
  KW: number,
  stride: number,
  pad: number,
  bias: Float64Array | null,
): { y: Float64Array; shape: number[] } {
  const [N, C, H, W] = xs;
  const OC = w.length / (C * KH * KW);
  const OH = Math.floor((H + 2 * pad - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - KW) / stride) + 1;
  const y = new Float64Array(N * OC * OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < OC; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = 0;
          for (let c = 0; c < C; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride - pad + kh;
                const iw = ow * stride - pad + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += x[((n * C + c) * H + ih) * W + iw] * w[((o * C + c) * KH + kh) * KW + kw];
              }
          y[((n * OC + o) * OH + oh) * OW + ow] = s + (bias ? bias[o] : 0);
        }
  return { y, shape: [N, OC, OH, OW] };
}

/** dx and dW of naiveConv for an output error e (N,OC,OH,OW), float64. */
export function naiveConvBackward(
  x: Float64Array,
  xs: Shape,
  w: Float64Array,
  KH: number,
  KW: number,
  stride: number,
  pad: number,
  e: Float64Array,
  ys: Shape,
): { dx: Float64Array; dw: Float64Array } {
  const [N, C, H, W] = xs;
  const [, OC, OH, OW] = ys;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < OC; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const g = e[((n * OC + o) * OH + oh) * OW + ow];
          for (let c = 0; c < C; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride - pad + kh;
                const iw = ow * stride - pad + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const xi = ((n * C + c) * H + ih) * W + iw;
                const wi = ((o * C + c) * KH + kh) * KW + kw;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
        }
  return { dx, dw };
}
