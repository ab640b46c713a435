// SPDX-License-Identifier: MIT
// Reference average pooling: window sums (exact on integers, float64 in window order
// otherwise) and their adjoint. The division by the window size is the caller's exponent
// shift, or the float `scale`. See spec.ts.

import type { AnyArray, PoolGeom } from '../spec.js';

export function avgpool(
  x: AnyArray,
  g: PoolGeom,
  scale: number,
  y: Int32Array | Float32Array,
): void {
  const { P, H, W, KH, KW, SH, SW, OH, OW } = g;
  const exact = y instanceof Int32Array;
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
        y[o] = exact ? s : s * scale;
      }
  }
}

export function avgpool_backward(
  dy: AnyArray,
  g: PoolGeom,
  scale: number,
  dx: Int32Array | Float32Array,
): void {
  const { P, H, W, KH, KW, SH, SW, OH, OW } = g;
  const n = P * H * W;
  // Float sums in float64 first, scaled and rounded once at the end.
  const acc = dx instanceof Int32Array ? dx : new Float64Array(n);
  acc.fill(0, 0, n);
  let o = 0;
  for (let p = 0; p < P; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        const v = dy[o];
        for (let kh = 0; kh < KH; kh++) {
          const r = base + (oh * SH + kh) * W + ow * SW;
          for (let kw = 0; kw < KW; kw++) acc[r + kw] += v;
        }
      }
  }
  if (acc !== dx) for (let i = 0; i < n; i++) dx[i] = acc[i] * scale;
}
