// SPDX-License-Identifier: MIT
// Fused Winograd F(2x2,3x3) convolution: y (N, OC, OH, OW) int32 = conv(x (N, C, H, W) int8,
// w) for a 3x3 stride-1 conv, from the transformed filters U (16, OC, C) int16 (winograd_filter)
// without materializing V or M. Per image, the C input planes are copied zero-padded; then
// per block of 8 output tiles of a tile row: the input transform of every channel (one i16 lane
// per tile), zipped into the GEMM's packed B layout (k pairs = channel pairs); for each of the
// 16 positions, the register tile (gemm_tile.ts) multiplies U's packed panels by it into a small
// M block (int32, L1-resident); the output transform writes y. Same integers as the unfused
// kernels (winograd.ts) and the reference. Images n0..n1 only, so threads split the batch.

import { MR, NR, packA } from './gemm_pack';
import { tile } from './gemm_tile';
import { gi, inputBlock, padPlane, planeCols, planeRows } from './winograd_tile';

// Scratch areas, in order (bytes): packed U (16 positions of ceil(OC/4) panels x C/2 pairs x 4
// words), the C padded planes of one image, V of one block (16, C, 8) i16, V zipped (16, C/2,
// 8 pair words), the M block (16, ceil(OC/4) * 4, 8) i32, and the register tile's spill area.
function upkBytes(C: i32, OC: i32): i32 {
  return 16 * ((OC + MR - 1) / MR) * ((C + 1) >> 1) * MR * 4;
}
function planesBytes(C: i32, TH: i32, TW: i32): i32 {
  return C * planeRows(TH) * planeCols(TW);
}
function vplainBytes(C: i32): i32 {
  return 16 * C * 16;
}
function vpkBytes(C: i32): i32 {
  return 16 * ((C + 1) >> 1) * NR * 4;
}
function mblkBytes(OC: i32): i32 {
  return 16 * ((OC + MR - 1) / MR) * MR * NR * 4;
}

/** Scratch bytes winograd_conv needs (one area per thread). */
export function winograd_conv_scratch_bytes(g: usize, OC: i32): i32 {
  const TH = (gi(g, 10) + 1) >> 1;
  const TW = (gi(g, 11) + 1) >> 1;
  const C = gi(g, 1);
  return (
    upkBytes(C, OC) +
    planesBytes(C, TH, TW) +
    vplainBytes(C) +
    vpkBytes(C) +
    mblkBytes(OC) +
    MR * NR * 4 +
    96
  );
}

/**
 * y (N, OC, OH, OW) int32 (+ bias[o], f64 integers, when bias != 0) = conv(x, w) for images
 * n0 <= n < n1, from U (16, OC, C) int16 = G' w G'^T. The caller bounds the sums (9 * C *
 * max|U| * max|V| < 2^31, see ops/winograd.ts).
 */
export function winograd_conv(
  g: usize,
  x: usize,
  U: usize,
  OC: i32,
  bias: usize,
  y: usize,
  n0: i32,
  n1: i32,
  scratch: usize,
): void {
  const C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3);
  const ph = gi(g, 8),
    pw = gi(g, 9);
  const OH = gi(g, 10),
    OW = gi(g, 11);
  const TH = (OH + 1) >> 1;
  const TW = (OW + 1) >> 1;
  const C2 = (C + 1) >> 1;
  const panels = (OC + MR - 1) / MR;
  const Hp = planeRows(TH);
  const Wp = planeCols(TW);
  const base = (scratch + 15) & ~15;
  const upk = base;
  const planes = upk + <usize>upkBytes(C, OC);
  const vplain = (planes + <usize>planesBytes(C, TH, TW) + 15) & ~15;
  const vpk = vplain + <usize>vplainBytes(C);
  const mblk = vpk + <usize>vpkBytes(C);
  const tmp = mblk + <usize>mblkBytes(OC);
  const upStride = <usize>panels * C2 * MR * 4; // bytes per position of packed U
  for (let p = 0; p < 16; p++)
    packA<i16>(U + <usize>p * OC * C * 2, C, false, 0, OC, 0, C, upk + <usize>p * upStride, 0, -1);
  const planeBytes = <usize>Hp * Wp;
  const vps = <usize>C * 16; // bytes per position of vplain
  const kps = <usize>C2 * NR * 4; // bytes per position of vpk
  const mps = <usize>panels * MR * NR * 4; // bytes per position of mblk
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < C; c++)
      padPlane(
        x + <usize>(n * C + c) * H * W,
        H,
        W,
        planes + <usize>c * planeBytes,
        Hp,
        Wp,
        ph,
        pw,
      );
    // A block is 8 tiles: (th, tw..tw+7), or with 4 tiles per row (8x8 maps) the rows th and
    // th + 1, so no lanes idle. Lanes 0-3 come from patch columns at pA, lanes 4-7 at pB.
    const split = TW == 4;
    for (let th = 0; th < TH; th += split ? 2 : 1) {
      for (let tw = 0; tw < TW; tw += split ? 4 : 8) {
        const pA = <usize>(2 * th) * Wp + <usize>(2 * tw);
        const pB = split ? pA + 2 * <usize>Wp : pA + 8;
        for (let c = 0; c < C; c++) {
          const pl = planes + <usize>c * planeBytes;
          inputBlock(pl + pA, pl + pB, Wp, vplain + <usize>c * 16, vps);
        }
        // Channel pairs zipped: (V[c][t], V[c+1][t]) per tile, the packed B layout.
        const z = i32x4.splat(0);
        for (let p = 0; p < 16; p++) {
          const vp = vplain + <usize>p * vps;
          const kp = vpk + <usize>p * kps;
          for (let cp = 0; cp < C2; cp++) {
            const a = v128.load(vp + <usize>(2 * cp) * 16);
            const b = 2 * cp + 1 < C ? v128.load(vp + <usize>(2 * cp + 1) * 16) : z;
            v128.store(kp + <usize>cp * 32, zipLo(a, b));
            v128.store(kp + <usize>cp * 32 + 16, zipHi(a, b));
          }
        }
        // M block (16, OC', 8) = U[p] V[p], one register tile per 4 output channels.
        for (let p = 0; p < 16; p++)
          for (let q = 0; q < panels; q++) {
            const ap = upk + <usize>p * upStride + <usize>q * C2 * MR * 4;
            const cp = mblk + <usize>p * mps + <usize>q * MR * NR * 4;
            tile<i32>(ap, vpk + <usize>p * kps, C2, cp, NR, MR, NR, false, tmp, 1, 1);
          }
        // y: lanes 0-3 at rows 2th, 2th+1; lanes 4-7 beside them, or two rows lower.
        const nA = split ? 4 : min(4, TW - tw);
        const nB = split ? (th + 1 < TH ? 4 : 0) : max(0, min(4, TW - tw - 4));
        const rowB = split ? 2 * th + 2 : 2 * th;
        const colB = split ? 2 * tw : 2 * tw + 8;
        for (let oc = 0; oc < OC; oc++) {
          const bv = i32x4.splat(bias != 0 ? <i32>load<f64>(bias + ((<usize>oc) << 3)) : 0);
          const yo = y + ((<usize>(n * OC + oc) * OH * OW) << 2);
          const mr = mblk + <usize>oc * NR * 4;
          const yA = yo + ((<usize>(2 * th) * OW) << 2);
          outputTiles(mr, mps, bv, yA, OW, 2 * th + 1 < OH, 2 * tw, nA);
          if (nB > 0) {
            const yB = yo + ((<usize>rowB * OW) << 2);
            outputTiles(mr + 16, mps, bv, yB, OW, rowB + 1 < OH, colB, nB);
          }
        }
      }
    }
  }
}

function zipLo(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}
function zipHi(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

/**
 * Output transform of 4 tiles (i32 lanes) whose M values are at m + p * ps: y row `yr`
 * (columns c0 + 2t, c0 + 2t + 1, t < n) and, when `two`, the row after it; / 4 + bias.
 */
function outputTiles(
  m: usize,
  ps: usize,
  bv: v128,
  yr: usize,
  OW: i32,
  two: bool,
  c0: i32,
  n: i32,
): void {
  const m00 = v128.load(m),
    m01 = v128.load(m + ps),
    m02 = v128.load(m + 2 * ps),
    m03 = v128.load(m + 3 * ps);
  const m10 = v128.load(m + 4 * ps),
    m11 = v128.load(m + 5 * ps),
    m12 = v128.load(m + 6 * ps),
    m13 = v128.load(m + 7 * ps);
  const m20 = v128.load(m + 8 * ps),
    m21 = v128.load(m + 9 * ps),
    m22 = v128.load(m + 10 * ps),
    m23 = v128.load(m + 11 * ps);
  const s00 = i32x4.add(i32x4.add(m00, m10), m20),
    s01 = i32x4.add(i32x4.add(m01, m11), m21),
    s02 = i32x4.add(i32x4.add(m02, m12), m22),
    s03 = i32x4.add(i32x4.add(m03, m13), m23);
  outRow(
    i32x4.add(i32x4.add(s00, s01), s02),
    i32x4.sub(i32x4.sub(s01, s02), s03),
    bv,
    yr,
    c0,
    OW,
    n,
  );
  if (!two) return;
  const m30 = v128.load(m + 12 * ps),
    m31 = v128.load(m + 13 * ps),
    m32 = v128.load(m + 14 * ps),
    m33 = v128.load(m + 15 * ps);
  const s10 = i32x4.sub(i32x4.sub(m10, m20), m30),
    s11 = i32x4.sub(i32x4.sub(m11, m21), m31),
    s12 = i32x4.sub(i32x4.sub(m12, m22), m32),
    s13 = i32x4.sub(i32x4.sub(m13, m23), m33);
  const y1 = yr + ((<usize>OW) << 2);
  outRow(
    i32x4.add(i32x4.add(s10, s11), s12),
    i32x4.sub(i32x4.sub(s11, s12), s13),
    bv,
    y1,
    c0,
    OW,
    n,
  );
}

/** Columns c0 + 2t (from a) and c0 + 2t + 1 (from b), t < n, / 4 + bias; clipped at OW. */
function outRow(a: v128, b: v128, bv: v128, row: usize, c0: i32, OW: i32, n: i32): void {
  a = i32x4.add(i32x4.shr_s(a, 2), bv);
  b = i32x4.add(i32x4.shr_s(b, 2), bv);
  const lo = i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const hi = i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const p = row + ((<usize>c0) << 2);
  if (n == 4 && c0 + 8 <= OW) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  const cols = min(2 * n, OW - c0);
  if (cols >= 4) {
    v128.store(p, lo);
    if (cols >= 5) store<i32>(p, i32x4.extract_lane(hi, 0), 16);
    if (cols >= 6) store<i32>(p, i32x4.extract_lane(hi, 1), 20);
    if (cols >= 7) store<i32>(p, i32x4.extract_lane(hi, 2), 24);
    return;
  }
  if (cols >= 1) store<i32>(p, i32x4.extract_lane(lo, 0));
  if (cols >= 2) store<i32>(p, i32x4.extract_lane(lo, 1), 4);
  if (cols >= 3) store<i32>(p, i32x4.extract_lane(lo, 2), 8);
}
