// SPDX-License-Identifier: MIT
// Exact integer Winograd F(2x2,3x3) transforms, SIMD128, bit-exact with src/kernels/ref/
// winograd.ts (which states the formulas, layouts and bounds). The input and error transforms
// work on blocks of 8 tiles (one i16 lane per tile, winograd_tile.ts) from a zero-padded copy
// of each image plane, so no load needs a bounds test.
// Geometry: 12 i32 words at g (N C H W KH KW strideH strideW padH padW OH OW), as im2col.

import { copyBytes } from './bytes';
import { KIND_I32 } from './codes';
import { errorBlock, gi, inputBlock, padPlane, planeCols, planeRows } from './winograd_tile';

/** Scratch bytes winograd_input and winograd_error need for a geometry. */
export function winograd_scratch_bytes(g: usize): i32 {
  const TH = (gi(g, 10) + 1) >> 1;
  const TW = (gi(g, 11) + 1) >> 1;
  return planeRows(TH) * planeCols(TW) + 256 + 64; // the padded plane, and blk
}

/**
 * V (16, C, T) int16 = B^T d B of every 4x4 tile of x (N, C, H, W) int8; psV elements between
 * positions. Only the tiles of images [n0, n1) (threads take ranges of images). Blocks of 8 tiles (winograd_tile.ts); a full block stores straight into V, a
 * partial one into blk, then its lanes.
 */
export function winograd_input(
  g: usize,
  x: usize,
  V: usize,
  psV: i32,
  scratch: usize,
  n0: i32,
  n1: i32,
): void {
  const N = gi(g, 0),
    C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3);
  const ph = gi(g, 8),
    pw = gi(g, 9);
  const TH = (gi(g, 10) + 1) >> 1;
  const TW = (gi(g, 11) + 1) >> 1;
  const T = <usize>N * TH * TW;
  const Hp = planeRows(TH);
  const Wp = planeCols(TW);
  const blk = (scratch + 15) & ~15; // 16 positions x 8 lanes of a partial block
  const plane = blk + 256;
  const ps = (<usize>psV) << 1; // bytes between positions of V
  const split = TW == 4;
  for (let n = n0; n < n1; n++)
    for (let c = 0; c < C; c++) {
      padPlane(x + <usize>(n * C + c) * H * W, H, W, plane, Hp, Wp, ph, pw);
      for (let th = 0; th < TH; th += split ? 2 : 1)
        for (let tw = 0; tw < TW; tw += split ? 4 : 8) {
          const pA = plane + <usize>(2 * th) * Wp + <usize>(2 * tw);
          const pB = split ? pA + 2 * <usize>Wp : pA + 8;
          const n8 = split ? (th + 1 < TH ? 8 : 4) : min(8, TW - tw);
          const out = V + ((<usize>c * T + <usize>(n * TH + th) * TW + tw) << 1);
          inputBlock(pA, pB, Wp, n8 == 8 ? out : blk, n8 == 8 ? ps : 16);
          if (n8 < 8)
            for (let p = 0; p < 16; p++)
              copyBytes(out + <usize>p * ps, blk + <usize>p * 16, (<usize>n8) << 1);
        }
    }
}

/**
 * E (16, OC, T) int16 = A e A^T of every 2x2 tile of e (N, OC, OH, OW) int8, outputs past the
 * edge zero (the padded copy); psE elements between positions. `g` is the forward conv's.
 * Only the tiles of images [n0, n1).
 */
export function winograd_error(
  g: usize,
  OC: i32,
  e: usize,
  E: usize,
  psE: i32,
  scratch: usize,
  n0: i32,
  n1: i32,
): void {
  const N = gi(g, 0);
  const OH = gi(g, 10),
    OW = gi(g, 11);
  const TH = (OH + 1) >> 1;
  const TW = (OW + 1) >> 1;
  const T = <usize>N * TH * TW;
  const Hp = planeRows(TH);
  const Wp = planeCols(TW);
  const blk = (scratch + 15) & ~15;
  const plane = blk + 256;
  const ps = (<usize>psE) << 1; // bytes between positions of E
  const split = TW == 4;
  for (let n = n0; n < n1; n++)
    for (let o = 0; o < OC; o++) {
      padPlane(e + <usize>(n * OC + o) * OH * OW, OH, OW, plane, Hp, Wp, 0, 0);
      for (let th = 0; th < TH; th += split ? 2 : 1)
        for (let tw = 0; tw < TW; tw += split ? 4 : 8) {
          const pA = plane + <usize>(2 * th) * Wp + <usize>(2 * tw);
          const pB = split ? pA + 2 * <usize>Wp : pA + 8;
          const n8 = split ? (th + 1 < TH ? 8 : 4) : min(8, TW - tw);
          const out = E + ((<usize>o * T + <usize>(n * TH + th) * TW + tw) << 1);
          errorBlock(pA, pB, Wp, n8 == 8 ? out : blk, n8 == 8 ? ps : 16);
          if (n8 < 8)
            for (let p = 0; p < 16; p++)
              copyBytes(out + <usize>p * ps, blk + <usize>p * 16, (<usize>n8) << 1);
        }
    }
}

/** U (16, OC, C) int16 = G' w G'^T of w (OC, C, 3, 3) int8. */
export function winograd_filter(w: usize, OC: i32, C: i32, U: usize): void {
  const ps = <usize>OC * C * 2;
  for (let o = 0; o < OC; o++)
    for (let c = 0; c < C; c++) {
      const g = w + <usize>(o * C + c) * 9;
      const u = U + ((<usize>(o * C + c)) << 1);
      for (let i = 0; i < 4; i++) {
        // Row i of t = G' g: G' rows (2,0,0), (1,1,1), (1,-1,1), (0,0,2).
        let a = 0,
          b = 0,
          d = 0;
        for (let j = 0; j < 3; j++) {
          const g0 = <i32>load<i8>(g + j),
            g1 = <i32>load<i8>(g + 3 + j),
            g2 = <i32>load<i8>(g + 6 + j);
          const t = i == 0 ? 2 * g0 : i == 1 ? g0 + g1 + g2 : i == 2 ? g0 - g1 + g2 : 2 * g2;
          if (j == 0) a = t;
          else if (j == 1) b = t;
          else d = t;
        }
        const p = u + <usize>(4 * i) * ps;
        store<i16>(p, <i16>(2 * a));
        store<i16>(p + ps, <i16>(a + b + d));
        store<i16>(p + 2 * ps, <i16>(a - b + d));
        store<i16>(p + 3 * ps, <i16>(2 * d));
      }
    }
}

function ldU(base: usize, i: usize, kind: i32): f64 {
  return kind == KIND_I32 ? <f64>load<i32>(base + (i << 2)) : load<f64>(base + (i << 3));
}

/**
 * dw (OC, C, 3, 3) = G'^T dU G' / 4 of dU (16, OC, C); kinds KIND_I32 or KIND_F64 for dU (kd)
 * and dw (kw). Exact in float64.
 */
export function winograd_wgrad(dU: usize, kd: i32, OC: i32, C: i32, dw: usize, kw: i32): void {
  const n = <usize>OC * C;
  for (let q: usize = 0; q < n; q++) {
    // t (3x4) = G'^T dU; G'^T rows (2,1,1,0), (0,1,-1,0), (0,1,1,2).
    for (let i = 0; i < 3; i++) {
      let t0: f64 = 0,
        t1: f64 = 0,
        t2: f64 = 0,
        t3: f64 = 0;
      for (let j = 0; j < 4; j++) {
        const a = ldU(dU, <usize>j * n + q, kd);
        const b = ldU(dU, <usize>(4 + j) * n + q, kd);
        const d = ldU(dU, <usize>(8 + j) * n + q, kd);
        const f = ldU(dU, <usize>(12 + j) * n + q, kd);
        const t = i == 0 ? 2 * a + b + d : i == 1 ? b - d : b + d + 2 * f;
        if (j == 0) t0 = t;
        else if (j == 1) t1 = t;
        else if (j == 2) t2 = t;
        else t3 = t;
      }
      const r0 = (2 * t0 + t1 + t2) / 4,
        r1 = (t1 - t2) / 4,
        r2 = (t1 + t2 + 2 * t3) / 4;
      const o = q * 9 + <usize>(3 * i);
      if (kw == KIND_I32) {
        store<i32>(dw + (o << 2), <i32>r0);
        store<i32>(dw + ((o + 1) << 2), <i32>r1);
        store<i32>(dw + ((o + 2) << 2), <i32>r2);
      } else {
        store<f64>(dw + (o << 3), r0);
        store<f64>(dw + ((o + 1) << 3), r1);
        store<f64>(dw + ((o + 2) << 3), r2);
      }
    }
  }
}
