// SPDX-License-Identifier: MIT
// Exact integer Winograd F(2x2,3x3) transforms, SIMD128, bit-exact with src/kernels/ref/
// winograd.ts (which states the formulas, layouts and bounds). The input and error transforms
// work on 8 tiles of a tile row at once (one i16 lane per tile) from a zero-padded copy of each
// image plane, so no load needs a bounds test; the output transform on 4 tiles (i32 lanes).
// Geometry: 12 i32 words at g (N C H W KH KW strideH strideW padH padW OH OW), as im2col.

import { KIND_I32 } from './codes';

function gi(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

/** Even bytes (0, 2, .., 14) of the 16 at p + o as i16x8, and the odd ones. */
function evens(v: v128): v128 {
  return i16x8.extend_low_i8x16_s(
    i8x16.shuffle(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0),
  );
}
function odds(v: v128): v128 {
  return i16x8.extend_low_i8x16_s(
    i8x16.shuffle(v, v, 1, 3, 5, 7, 9, 11, 13, 15, 0, 0, 0, 0, 0, 0, 0, 0),
  );
}

/** Stores the first n (1..8) i16 lanes of v at p. */
function storeLanes16(p: usize, v: v128, n: i32, tmp: usize): void {
  if (n == 8) {
    v128.store(p, v);
    return;
  }
  v128.store(tmp, v);
  memory.copy(p, tmp, (<usize>n) << 1);
}

/**
 * Copies plane (H, W) of int8 at src into dst (Hp, Wp) with `ph` zero rows above and `pw` zero
 * columns left, zeros elsewhere.
 */
function padPlane(
  src: usize,
  H: i32,
  W: i32,
  dst: usize,
  Hp: i32,
  Wp: i32,
  ph: i32,
  pw: i32,
): void {
  memory.fill(dst, 0, <usize>Hp * Wp);
  for (let r = 0; r < H; r++) {
    const rr = r + ph;
    if (rr < 0 || rr >= Hp) continue;
    const c0 = max(0, -pw);
    const n = min(W - c0, Wp - pw - c0);
    if (n > 0) memory.copy(dst + <usize>rr * Wp + pw + c0, src + <usize>r * W + c0, n);
  }
}

/** Padded plane sizes for TH x TW tiles of 4x4 (input) reads: rows, and 16 spare columns. */
function paddedCols(TW: i32): i32 {
  return ((2 * TW + 2 + 15) & ~15) + 16;
}

/** Scratch bytes winograd_input and winograd_error need for a geometry. */
export function winograd_scratch_bytes(g: usize): i32 {
  const TH = (gi(g, 10) + 1) >> 1;
  const TW = (gi(g, 11) + 1) >> 1;
  return (2 * TH + 2) * paddedCols(TW) + 64;
}

/** V (16, C, T) int16 = B^T d B of every 4x4 tile of x (N, C, H, W) int8. */
export function winograd_input(g: usize, x: usize, V: usize, scratch: usize): void {
  const N = gi(g, 0),
    C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3);
  const ph = gi(g, 8),
    pw = gi(g, 9);
  const TH = (gi(g, 10) + 1) >> 1;
  const TW = (gi(g, 11) + 1) >> 1;
  const T = <usize>N * TH * TW;
  const Hp = 2 * TH + 2;
  const Wp = paddedCols(TW);
  const tmp = (scratch + 15) & ~15;
  const plane = tmp + 16;
  const ps = <usize>C * T * 2; // bytes between positions of V
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      padPlane(x + <usize>(n * C + c) * H * W, H, W, plane, Hp, Wp, ph, pw);
      for (let th = 0; th < TH; th++) {
        const r0 = plane + <usize>(2 * th) * Wp;
        const t0 = <usize>(n * TH + th) * TW;
        for (let tw = 0; tw < TW; tw += 8) {
          const o = <usize>(2 * tw);
          // Row r of the 8 tiles' patches: d_s = column 2t + s, as i16 lanes.
          let a = v128.load(r0 + o);
          let b = v128.load(r0 + o + 2);
          const d00 = evens(a),
            d01 = odds(a),
            d02 = evens(b),
            d03 = odds(b);
          a = v128.load(r0 + Wp + o);
          b = v128.load(r0 + Wp + o + 2);
          const d10 = evens(a),
            d11 = odds(a),
            d12 = evens(b),
            d13 = odds(b);
          a = v128.load(r0 + 2 * Wp + o);
          b = v128.load(r0 + 2 * Wp + o + 2);
          const d20 = evens(a),
            d21 = odds(a),
            d22 = evens(b),
            d23 = odds(b);
          a = v128.load(r0 + 3 * Wp + o);
          b = v128.load(r0 + 3 * Wp + o + 2);
          const d30 = evens(a),
            d31 = odds(a),
            d32 = evens(b),
            d33 = odds(b);
          const n8 = min(8, TW - tw);
          const out = V + ((<usize>c * T + t0 + tw) << 1);
          // t = B^T d (rows), then V row i = t row i B.
          inputRow(
            i16x8.sub(d00, d20),
            i16x8.sub(d01, d21),
            i16x8.sub(d02, d22),
            i16x8.sub(d03, d23),
            out,
            ps,
            n8,
            tmp,
          );
          inputRow(
            i16x8.add(d10, d20),
            i16x8.add(d11, d21),
            i16x8.add(d12, d22),
            i16x8.add(d13, d23),
            out + 4 * ps,
            ps,
            n8,
            tmp,
          );
          inputRow(
            i16x8.sub(d20, d10),
            i16x8.sub(d21, d11),
            i16x8.sub(d22, d12),
            i16x8.sub(d23, d13),
            out + 8 * ps,
            ps,
            n8,
            tmp,
          );
          inputRow(
            i16x8.sub(d10, d30),
            i16x8.sub(d11, d31),
            i16x8.sub(d12, d32),
            i16x8.sub(d13, d33),
            out + 12 * ps,
            ps,
            n8,
            tmp,
          );
        }
      }
    }
}

/** V positions 4i..4i+3 from row i of t = B^T d: (t0 - t2, t1 + t2, t2 - t1, t1 - t3). */
function inputRow(
  t0: v128,
  t1: v128,
  t2: v128,
  t3: v128,
  p: usize,
  ps: usize,
  n: i32,
  tmp: usize,
): void {
  storeLanes16(p, i16x8.sub(t0, t2), n, tmp);
  storeLanes16(p + ps, i16x8.add(t1, t2), n, tmp);
  storeLanes16(p + 2 * ps, i16x8.sub(t2, t1), n, tmp);
  storeLanes16(p + 3 * ps, i16x8.sub(t1, t3), n, tmp);
}

/**
 * E (16, OC, T) int16 = A e A^T of every 2x2 tile of e (N, OC, OH, OW) int8, outputs past the
 * edge zero (the padded copy). `g` is the forward conv's geometry.
 */
export function winograd_error(g: usize, OC: i32, e: usize, E: usize, scratch: usize): void {
  const N = gi(g, 0);
  const OH = gi(g, 10),
    OW = gi(g, 11);
  const TH = (OH + 1) >> 1;
  const TW = (OW + 1) >> 1;
  const T = <usize>N * TH * TW;
  const Hp = 2 * TH;
  const Wp = paddedCols(TW);
  const tmp = (scratch + 15) & ~15;
  const plane = tmp + 16;
  const ps = <usize>OC * T * 2;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < OC; o++) {
      padPlane(e + <usize>(n * OC + o) * OH * OW, OH, OW, plane, Hp, Wp, 0, 0);
      for (let th = 0; th < TH; th++) {
        const r0 = plane + <usize>(2 * th) * Wp;
        const t0 = <usize>(n * TH + th) * TW;
        for (let tw = 0; tw < TW; tw += 8) {
          const a = v128.load(r0 + <usize>(2 * tw));
          const b = v128.load(r0 + Wp + <usize>(2 * tw));
          const y00 = evens(a),
            y01 = odds(a),
            y10 = evens(b),
            y11 = odds(b);
          const n8 = min(8, TW - tw);
          const out = E + ((<usize>o * T + t0 + tw) << 1);
          // t = A dY (4x2): rows y0, y0 + y1, y0 - y1, -y1; E row i = (a, a + b, a - b, -b).
          errorRow(y00, y01, out, ps, n8, tmp);
          errorRow(i16x8.add(y00, y10), i16x8.add(y01, y11), out + 4 * ps, ps, n8, tmp);
          errorRow(i16x8.sub(y00, y10), i16x8.sub(y01, y11), out + 8 * ps, ps, n8, tmp);
          errorRow(i16x8.neg(y10), i16x8.neg(y11), out + 12 * ps, ps, n8, tmp);
        }
      }
    }
}

function errorRow(a: v128, b: v128, p: usize, ps: usize, n: i32, tmp: usize): void {
  storeLanes16(p, a, n, tmp);
  storeLanes16(p + ps, i16x8.add(a, b), n, tmp);
  storeLanes16(p + 2 * ps, i16x8.sub(a, b), n, tmp);
  storeLanes16(p + 3 * ps, i16x8.neg(b), n, tmp);
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
