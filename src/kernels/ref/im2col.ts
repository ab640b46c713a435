// SPDX-License-Identifier: MIT
// im2col / col2im over a batch in NCHW, the reshaping that turns a convolution into a GEMM.
//   col row r = (c, kh, kw) (c-major), column q = (n, oh, ow) (n-major):
//   col[r][q] = x[n][c][oh*sh - ph + kh][ow*sw - pw + kw], zero outside the image.

import type { AnyArray, ConvGeom } from '../spec.js';

export function im2col<T extends AnyArray>(g: ConvGeom, x: T, col: T): void {
  const { N, C, H, W, KH, KW, OH, OW } = g;
  const Q = N * OH * OW;
  for (let c = 0; c < C; c++)
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++) {
        const row = ((c * KH + kh) * KW + kw) * Q;
        for (let n = 0; n < N; n++) {
          const xo = (n * C + c) * H * W;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * g.strideH - g.padH + kh;
            const q0 = row + (n * OH + oh) * OW;
            if (ih < 0 || ih >= H) {
              col.fill(0, q0, q0 + OW);
              continue;
            }
            for (let ow = 0; ow < OW; ow++) {
              const iw = ow * g.strideW - g.padW + kw;
              col[q0 + ow] = iw >= 0 && iw < W ? x[xo + ih * W + iw] : 0;
            }
          }
        }
      }
}

export function col2im<T extends Float32Array | Int32Array | Float64Array>(
  g: ConvGeom,
  col: T,
  dx: T,
): void {
  const { N, C, H, W, KH, KW, OH, OW } = g;
  const Q = N * OH * OW;
  dx.fill(0);
  for (let c = 0; c < C; c++)
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++) {
        const row = ((c * KH + kh) * KW + kw) * Q;
        for (let n = 0; n < N; n++) {
          const xo = (n * C + c) * H * W;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * g.strideH - g.padH + kh;
            if (ih < 0 || ih >= H) continue;
            const q0 = row + (n * OH + oh) * OW;
            for (let ow = 0; ow < OW; ow++) {
              const iw = ow * g.strideW - g.padW + kw;
              if (iw >= 0 && iw < W) dx[xo + ih * W + iw] += col[q0 + ow];
            }
          }
        }
      }
}
