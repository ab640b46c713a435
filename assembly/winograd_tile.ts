// SPDX-License-Identifier: MIT
// Shared pieces of the Winograd F(2x2,3x3) kernels (winograd.ts, winograd_conv.ts): zero-padded
// image planes and the input and error transforms of a block of 8 tiles, one i16 lane per tile.
// A block is 8 tiles of a tile row, or, with 4 tiles per row (8x8 maps), 4 tiles of two rows:
// lanes 0-3 read patch columns at pA, lanes 4-7 at pB (pA + 8, or two plane rows lower).

import { copyBytes, zeroBytes } from './bytes';

export function gi(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

/** Padded plane width: 2 TW + 2 columns read, 16 spare for whole-vector loads, rounded. */
export function planeCols(TW: i32): i32 {
  return ((2 * TW + 2 + 15) & ~15) + 16;
}

/** Padded plane rows: 2 TH + 2 read, and 2 more for a two-row block past the last row. */
export function planeRows(TH: i32): i32 {
  return 2 * TH + 4;
}

/** Copies plane (H, W) int8 into (Hp, Wp) with ph zero rows above, pw zero columns left. */
export function padPlane(
  src: usize,
  H: i32,
  W: i32,
  dst: usize,
  Hp: i32,
  Wp: i32,
  ph: i32,
  pw: i32,
): void {
  zeroBytes(dst, <usize>Hp * Wp);
  const n = min(W, Wp - pw);
  for (let r = 0; r < H; r++) {
    const rr = r + ph;
    if (rr >= Hp) break;
    if (n > 0) copyBytes(dst + <usize>rr * Wp + pw, src + <usize>r * W, n);
  }
}

/** Patch column s of 8 tiles: bytes s, s+2, s+4, s+6 of a and of b, as i16 lanes. */
function col(a: v128, b: v128, s: i32): v128 {
  let v: v128;
  if (s == 0) v = i8x16.shuffle(a, b, 0, 2, 4, 6, 16, 18, 20, 22, 0, 0, 0, 0, 0, 0, 0, 0);
  else if (s == 1) v = i8x16.shuffle(a, b, 1, 3, 5, 7, 17, 19, 21, 23, 0, 0, 0, 0, 0, 0, 0, 0);
  else if (s == 2) v = i8x16.shuffle(a, b, 2, 4, 6, 8, 18, 20, 22, 24, 0, 0, 0, 0, 0, 0, 0, 0);
  else v = i8x16.shuffle(a, b, 3, 5, 7, 9, 19, 21, 23, 25, 0, 0, 0, 0, 0, 0, 0, 0);
  return i16x8.extend_low_i8x16_s(v);
}

/**
 * V = B^T d B of a block of 8 tiles whose 4x4 patches start at columns 0, 2, 4, 6 of 4 padded
 * rows (stride Wp) at pA (tiles 0-3) and pB (tiles 4-7): position p's vector at dst + p * dps.
 * t = B^T d (rows d0 - d2, d1 + d2, d2 - d1, d1 - d3), then V row i = (t0 - t2, t1 + t2,
 * t2 - t1, t1 - t3) of t's row i.
 */
export function inputBlock(pA: usize, pB: usize, Wp: i32, dst: usize, dps: usize): void {
  const w = <usize>Wp;
  let a = v128.load(pA);
  let b = v128.load(pB);
  const d00 = col(a, b, 0),
    d01 = col(a, b, 1),
    d02 = col(a, b, 2),
    d03 = col(a, b, 3);
  a = v128.load(pA + w);
  b = v128.load(pB + w);
  const d10 = col(a, b, 0),
    d11 = col(a, b, 1),
    d12 = col(a, b, 2),
    d13 = col(a, b, 3);
  a = v128.load(pA + 2 * w);
  b = v128.load(pB + 2 * w);
  const d20 = col(a, b, 0),
    d21 = col(a, b, 1),
    d22 = col(a, b, 2),
    d23 = col(a, b, 3);
  a = v128.load(pA + 3 * w);
  b = v128.load(pB + 3 * w);
  const d30 = col(a, b, 0),
    d31 = col(a, b, 1),
    d32 = col(a, b, 2),
    d33 = col(a, b, 3);
  {
    const a = i16x8.sub(d00, d20),
      b = i16x8.sub(d01, d21),
      c = i16x8.sub(d02, d22),
      d = i16x8.sub(d03, d23);
    const q = dst + 0 * dps;
    v128.store(q, i16x8.sub(a, c));
    v128.store(q + dps, i16x8.add(b, c));
    v128.store(q + 2 * dps, i16x8.sub(c, b));
    v128.store(q + 3 * dps, i16x8.sub(b, d));
  }
  {
    const a = i16x8.add(d10, d20),
      b = i16x8.add(d11, d21),
      c = i16x8.add(d12, d22),
      d = i16x8.add(d13, d23);
    const q = dst + 4 * dps;
    v128.store(q, i16x8.sub(a, c));
    v128.store(q + dps, i16x8.add(b, c));
    v128.store(q + 2 * dps, i16x8.sub(c, b));
    v128.store(q + 3 * dps, i16x8.sub(b, d));
  }
  {
    const a = i16x8.sub(d20, d10),
      b = i16x8.sub(d21, d11),
      c = i16x8.sub(d22, d12),
      d = i16x8.sub(d23, d13);
    const q = dst + 8 * dps;
    v128.store(q, i16x8.sub(a, c));
    v128.store(q + dps, i16x8.add(b, c));
    v128.store(q + 2 * dps, i16x8.sub(c, b));
    v128.store(q + 3 * dps, i16x8.sub(b, d));
  }
  {
    const a = i16x8.sub(d10, d30),
      b = i16x8.sub(d11, d31),
      c = i16x8.sub(d12, d32),
      d = i16x8.sub(d13, d33);
    const q = dst + 12 * dps;
    v128.store(q, i16x8.sub(a, c));
    v128.store(q + dps, i16x8.add(b, c));
    v128.store(q + 2 * dps, i16x8.sub(c, b));
    v128.store(q + 3 * dps, i16x8.sub(b, d));
  }
}

/**
 * E = A e A^T of a block of 8 tiles whose 2x2 error tiles start at columns 0, 2, 4, 6 of 2
 * padded rows (stride Wp) at pA (tiles 0-3) and pB (tiles 4-7): position p at dst + p * dps.
 * t = A dY (rows y0, y0 + y1, y0 - y1, -y1), then E row i = (a, a + b, a - b, -b).
 */
export function errorBlock(pA: usize, pB: usize, Wp: i32, dst: usize, dps: usize): void {
  const w = <usize>Wp;
  let a = v128.load(pA);
  let b = v128.load(pB);
  const y00 = col(a, b, 0),
    y01 = col(a, b, 1);
  a = v128.load(pA + w);
  b = v128.load(pB + w);
  const y10 = col(a, b, 0),
    y11 = col(a, b, 1);
  {
    const a = y00,
      b = y01;
    const q = dst + 0 * dps;
    v128.store(q, a);
    v128.store(q + dps, i16x8.add(a, b));
    v128.store(q + 2 * dps, i16x8.sub(a, b));
    v128.store(q + 3 * dps, i16x8.neg(b));
  }
  {
    const a = i16x8.add(y00, y10),
      b = i16x8.add(y01, y11);
    const q = dst + 4 * dps;
    v128.store(q, a);
    v128.store(q + dps, i16x8.add(a, b));
    v128.store(q + 2 * dps, i16x8.sub(a, b));
    v128.store(q + 3 * dps, i16x8.neg(b));
  }
  {
    const a = i16x8.sub(y00, y10),
      b = i16x8.sub(y01, y11);
    const q = dst + 8 * dps;
    v128.store(q, a);
    v128.store(q + dps, i16x8.add(a, b));
    v128.store(q + 2 * dps, i16x8.sub(a, b));
    v128.store(q + 3 * dps, i16x8.neg(b));
  }
  {
    const a = i16x8.neg(y10),
      b = i16x8.neg(y11);
    const q = dst + 12 * dps;
    v128.store(q, a);
    v128.store(q + dps, i16x8.add(a, b));
    v128.store(q + 2 * dps, i16x8.sub(a, b));
    v128.store(q + 3 * dps, i16x8.neg(b));
  }
}
