// SPDX-License-Identifier: MIT
// Exact integer Winograd F(2x2,3x3) transforms for 3x3 stride-1 convolutions (Lavin & Gray
// 2016), kept in integers: with G' = 2G the filter transform U' = G' g G'^T = 4 U is integral,
// so the output transform gives 4 Y and one exact division by 4 yields the direct conv's
// integers. Per 2x2 output tile and channel pair, 16 multiplies instead of 36.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   V = B^T d B    (d: 4x4 input patch)
//   G'  = [2 0 0; 1 1 1; 1 -1 1; 0 0 2]              U' = G' g G'^T (g: 3x3 filter)
//   A^T = [1 1 1 0; 0 1 -1 -1]                       Y = A^T M A / 4, M = sum_c U' . V
// The weight gradient back-propagates the same formula: dg = G'^T dU G' / 4 with
// dU = sum over tiles of (A dY A^T) . V (dY: the 2x2 error tile, zero past the output's edge).
// Tiles: TH = ceil(OH/2) x TW = ceil(OW/2) per image, t = (n * TH + th) * TW + tw; position
// p = 4i + j of the 4x4 transform; layouts U (16, OC, C), V (16, C, T), M (16, OC, T),
// E (16, OC, T), dU (16, OC, C); V and E keep winogradStride elements between positions (a
// few more than C * T: power-of-two strides between the 16 streams a transform writes at
// once would map them onto one cache set). Magnitudes for int8 operands: |U'| <= 9 * 128, |V|, |E| <= 510.

import type { ConvGeom } from '../spec.js';

/** Output tiles per image row and column, and in the batch. */
export function winogradTiles(g: ConvGeom): { TH: number; TW: number; T: number } {
  const TH = Math.ceil(g.OH / 2);
  const TW = Math.ceil(g.OW / 2);
  return { TH, TW, T: g.N * TH * TW };
}

/** Elements between the positions of V (rows = C) or E (rows = OC): rows * T + 32. */
export function winogradStride(rows: number, T: number): number {
  return rows * T + 32;
}

function check(what: string, got: number, want: number): void {
  if (got < want) throw new RangeError(`${what} holds ${got} elements, needs ${want}`);
}

/** Throws unless g is a 3x3 stride-1 convolution (what F(2x2,3x3) computes). */
export function checkWinogradGeom(g: ConvGeom): void {
  if (g.KH !== 3 || g.KW !== 3 || g.strideH !== 1 || g.strideW !== 1)
    throw new RangeError(
      `winograd: F(2x2,3x3) needs a 3x3 kernel at stride 1, got ${g.KH}x${g.KW} stride ${g.strideH}x${g.strideW}`,
    );
}

/** U (16, OC, C) = G' w G'^T for w (OC, C, 3, 3) int8 (|U| <= 9 * 128 fits int16). */
export function winograd_filter(w: Int8Array, OC: number, C: number, U: Int16Array): void {
  check('winograd_filter: w', w.length, OC * C * 9);
  check('winograd_filter: U', U.length, 16 * OC * C);
  const t = new Array<number>(12);
  for (let o = 0; o < OC; o++)
    for (let c = 0; c < C; c++) {
      const g = (o * C + c) * 9;
      for (let j = 0; j < 3; j++) {
        const g0 = w[g + j],
          g1 = w[g + 3 + j],
          g2 = w[g + 6 + j];
        t[j] = 2 * g0; // t (4x3) = G' g, column j
        t[3 + j] = g0 + g1 + g2;
        t[6 + j] = g0 - g1 + g2;
        t[9 + j] = 2 * g2;
      }
      for (let i = 0; i < 4; i++) {
        const [a, b, d] = [t[3 * i], t[3 * i + 1], t[3 * i + 2]];
        const row = [2 * a, a + b + d, a - b + d, 2 * d]; // U' row i = t row i G'^T
        for (let j = 0; j < 4; j++) U[((4 * i + j) * OC + o) * C + c] = row[j];
      }
    }
}

/** The 4x4 input patch of tile t, channel c, at (row, col) offsets: zero outside the image. */
function patch(g: ConvGeom, x: Int8Array, n: number, c: number, th: number, tw: number): number[] {
  const d = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++) {
    const ih = 2 * th - g.padH + r;
    if (ih < 0 || ih >= g.H) continue;
    for (let s = 0; s < 4; s++) {
      const iw = 2 * tw - g.padW + s;
      if (iw >= 0 && iw < g.W) d[4 * r + s] = x[((n * g.C + c) * g.H + ih) * g.W + iw];
    }
  }
  return d;
}

/** V (16, C, T) = B^T d B of every tile of x (N, C, H, W) int8 (|V| <= 510 fits int16). */
export function winograd_input(g: ConvGeom, x: Int8Array, V: Int16Array): void {
  checkWinogradGeom(g);
  const { TH, TW, T } = winogradTiles(g);
  check('winograd_input: x', x.length, g.N * g.C * g.H * g.W);
  const ps = winogradStride(g.C, T);
  check('winograd_input: V', V.length, 16 * ps);
  const t = new Array<number>(16);
  for (let n = 0; n < g.N; n++)
    for (let c = 0; c < g.C; c++)
      for (let th = 0; th < TH; th++)
        for (let tw = 0; tw < TW; tw++) {
          const d = patch(g, x, n, c, th, tw);
          for (let j = 0; j < 4; j++) {
            t[j] = d[j] - d[8 + j]; // t = B^T d, column j
            t[4 + j] = d[4 + j] + d[8 + j];
            t[8 + j] = d[8 + j] - d[4 + j];
            t[12 + j] = d[4 + j] - d[12 + j];
          }
          const tile = (n * TH + th) * TW + tw;
          for (let i = 0; i < 4; i++) {
            const [a, b, e, f] = [t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3]];
            const row = [a - e, b + e, e - b, b - f]; // V row i = t row i B
            for (let j = 0; j < 4; j++) V[(4 * i + j) * ps + c * T + tile] = row[j];
          }
        }
}

/**
 * y (N, OC, OH, OW) = A^T M A / 4 (+ bias[oc]) for M (16, OC, T) int32: the exact direct-conv
 * sums (the division is exact; |A^T M A| <= 9 max|M| must fit int32, the caller's bound).
 */
function winograd_output(
  g: ConvGeom,
  OC: number,
  M: Int32Array,
  bias: ArrayLike<number> | null,
  y: Int32Array,
): void {
  const { TH, TW, T } = winogradTiles(g);
  check('winograd_output: M', M.length, 16 * OC * T);
  check('winograd_output: y', y.length, g.N * OC * g.OH * g.OW);
  const m = new Array<number>(16);
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < OC; o++)
      for (let th = 0; th < TH; th++)
        for (let tw = 0; tw < TW; tw++) {
          const tile = (n * TH + th) * TW + tw;
          for (let p = 0; p < 16; p++) m[p] = M[(p * OC + o) * T + tile];
          const s = [0, 1].map((i) =>
            [0, 1, 2, 3].map((j) =>
              i === 0 ? m[j] + m[4 + j] + m[8 + j] : m[4 + j] - m[8 + j] - m[12 + j],
            ),
          ); // s (2x4) = A^T M
          const b = bias ? bias[o] : 0;
          for (let i = 0; i < 2; i++) {
            const oh = 2 * th + i;
            if (oh >= g.OH) continue;
            const r = s[i];
            const out = [r[0] + r[1] + r[2], r[1] - r[2] - r[3]]; // s A
            for (let j = 0; j < 2; j++) {
              const ow = 2 * tw + j;
              if (ow < g.OW) y[((n * OC + o) * g.OH + oh) * g.OW + ow] = out[j] / 4 + b;
            }
          }
        }
}

/**
 * y (N, OC, OH, OW) = conv(x, w) (+ bias) from U = winograd_filter(w): V = B^T x B, then
 * M[p] (OC, T) = U[p] (OC, C) V[p] (C, T) summed exactly, then A^T M A / 4.
 */
export function winograd_conv(
  g: ConvGeom,
  x: Int8Array,
  U: Int16Array,
  OC: number,
  bias: ArrayLike<number> | null,
  y: Int32Array,
): void {
  const { C } = g;
  const { T } = winogradTiles(g);
  check('winograd_conv: U', U.length, 16 * OC * C);
  const ps = winogradStride(C, T);
  const V = new Int16Array(16 * ps);
  winograd_input(g, x, V);
  const M = new Int32Array(16 * OC * T);
  for (let p = 0; p < 16; p++)
    for (let o = 0; o < OC; o++)
      for (let c = 0; c < C; c++) {
        const u = U[(p * OC + o) * C + c];
        const vo = p * ps + c * T;
        const mo = (p * OC + o) * T;
        for (let t = 0; t < T; t++) M[mo + t] += u * V[vo + t];
      }
  winograd_output(g, OC, M, bias, y);
}

/**
 * E (16, OC, T) = A e A^T for every 2x2 tile of e (N, OC, OH, OW) int8, outputs past the
 * edge taken as 0 (|E| <= 510 fits int16). The weight gradient's transform of the error.
 */
export function winograd_error(g: ConvGeom, OC: number, e: Int8Array, E: Int16Array): void {
  checkWinogradGeom(g);
  const { TH, TW, T } = winogradTiles(g);
  check('winograd_error: e', e.length, g.N * OC * g.OH * g.OW);
  const ps = winogradStride(OC, T);
  check('winograd_error: E', E.length, 16 * ps);
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < OC; o++)
      for (let th = 0; th < TH; th++)
        for (let tw = 0; tw < TW; tw++) {
          const dy = [0, 0, 0, 0];
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 2; j++) {
              const oh = 2 * th + i;
              const ow = 2 * tw + j;
              if (oh < g.OH && ow < g.OW) dy[2 * i + j] = e[((n * OC + o) * g.OH + oh) * g.OW + ow];
            }
          // A dY (4x2), then (A dY) A^T (4x4); A = [1 0; 1 1; 1 -1; 0 -1].
          const t = [
            [dy[0], dy[1]],
            [dy[0] + dy[2], dy[1] + dy[3]],
            [dy[0] - dy[2], dy[1] - dy[3]],
            [-dy[2], -dy[3]],
          ];
          const tile = (n * TH + th) * TW + tw;
          for (let i = 0; i < 4; i++) {
            const [a, b] = t[i];
            const row = [a, a + b, a - b, -b];
            for (let j = 0; j < 4; j++) E[(4 * i + j) * ps + o * T + tile] = row[j];
          }
        }
}

/**
 * dw (OC, C, 3, 3) = G'^T dU G' / 4 for dU (16, OC, C) (int32 or exact float64 sums): the
 * direct conv's weight gradient, exactly (the caller picked dw's type from its bound).
 */
export function winograd_wgrad(
  dU: Int32Array | Float64Array,
  OC: number,
  C: number,
  dw: Int32Array | Float64Array,
): void {
  check('winograd_wgrad: dU', dU.length, 16 * OC * C);
  check('winograd_wgrad: dw', dw.length, OC * C * 9);
  for (let o = 0; o < OC; o++)
    for (let c = 0; c < C; c++) {
      const u = (p: number) => dU[(p * OC + o) * C + c];
      // t (3x4) = G'^T dU; G'^T = [2 1 1 0; 0 1 -1 0; 0 1 1 2].
      const t = [0, 1, 2].map((i) =>
        [0, 1, 2, 3].map((j) => {
          const [a, b, d, f] = [u(j), u(4 + j), u(8 + j), u(12 + j)];
          return i === 0 ? 2 * a + b + d : i === 1 ? b - d : b + d + 2 * f;
        }),
      );
      for (let i = 0; i < 3; i++) {
        const [a, b, d, f] = t[i];
        const row = [2 * a + b + d, b - d, b + d + 2 * f]; // t G'
        for (let j = 0; j < 3; j++) dw[(o * C + c) * 9 + 3 * i + j] = row[j] / 4;
      }
    }
}
