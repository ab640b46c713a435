// SPDX-License-Identifier: MIT
// Max pooling (window K, stride S, over (NC, H, W) planes) forward with the window offset of
// the first maximum, its backward, and the column sums of a bias gradient. Same results as the
// reference loops: the 2x2 forward compares in the reference's order (strict >, so ties and
// NaN keep the earlier element) with SIMD selects on int32/float32; other cases are scalar.
//
// Element kinds are the KIND_* codes of codes.ts.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8, kindBytes } from './codes';

function ld(p: usize, i: usize, kind: i32): f64 {
  if (kind == KIND_I8) return <f64>load<i8>(p + i);
  if (kind == KIND_I16) return <f64>load<i16>(p + (i << 1));
  if (kind == KIND_I32) return <f64>load<i32>(p + (i << 2));
  if (kind == KIND_F32) return <f64>load<f32>(p + (i << 2));
  return load<f64>(p + (i << 3));
}

function st(p: usize, i: usize, kind: i32, v: f64): void {
  if (kind == KIND_I8) store<i8>(p + i, <i8>(<i32>v));
  else if (kind == KIND_I16) store<i16>(p + (i << 1), <i16>(<i32>v));
  else if (kind == KIND_I32) store<i32>(p + (i << 2), <i32>v);
  else if (kind == KIND_F32) store<f32>(p + (i << 2), <f32>v);
  else store<f64>(p + (i << 3), v);
}

/** Even and odd i32 lanes of the 8 elements at p: (p0 p2 p4 p6), (p1 p3 p5 p7). */
function evens(p: usize): v128 {
  return i8x16.shuffle(
    v128.load(p),
    v128.load(p + 16),
    0,
    1,
    2,
    3,
    8,
    9,
    10,
    11,
    16,
    17,
    18,
    19,
    24,
    25,
    26,
    27,
  );
}
function odds(p: usize): v128 {
  return i8x16.shuffle(
    v128.load(p),
    v128.load(p + 16),
    4,
    5,
    6,
    7,
    12,
    13,
    14,
    15,
    20,
    21,
    22,
    23,
    28,
    29,
    30,
    31,
  );
}

function gt4(a: v128, b: v128, kind: i32): v128 {
  return kind == KIND_I32 ? i32x4.gt_s(a, b) : f32x4.gt(a, b);
}

/** 2x2 stride 2 on a 4-byte kind: four outputs per step. */
function pool2x2_4(
  x: usize,
  NC: i32,
  H: i32,
  W: i32,
  OH: i32,
  OW: i32,
  kind: i32,
  y: usize,
  arg: usize,
): void {
  let o: usize = 0;
  for (let nc = 0; nc < NC; nc++) {
    const base = x + ((<usize>nc * H * W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = base + ((<usize>(2 * oh) * W) << 2);
      const r1 = r0 + ((<usize>W) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4, o += 4) {
        const q = (<usize>ow) << 3;
        let best = evens(r0 + q);
        let bi = i32x4.splat(0);
        let v = odds(r0 + q);
        let m = gt4(v, best, kind);
        best = v128.bitselect(v, best, m);
        bi = v128.bitselect(i32x4.splat(1), bi, m);
        v = evens(r1 + q);
        m = gt4(v, best, kind);
        best = v128.bitselect(v, best, m);
        bi = v128.bitselect(i32x4.splat(2), bi, m);
        v = odds(r1 + q);
        m = gt4(v, best, kind);
        best = v128.bitselect(v, best, m);
        bi = v128.bitselect(i32x4.splat(3), bi, m);
        v128.store(y + (o << 2), best);
        const b16 = i16x8.narrow_i32x4_s(bi, bi);
        v128.store32_lane(arg + o, i8x16.narrow_i16x8_s(b16, b16), 0);
      }
      for (; ow < OW; ow++, o++) {
        const i = <usize>(2 * ow);
        let best = ld(r0, i, kind);
        let b = 0;
        let v = ld(r0, i + 1, kind);
        if (v > best) {
          best = v;
          b = 1;
        }
        v = ld(r1, i, kind);
        if (v > best) {
          best = v;
          b = 2;
        }
        v = ld(r1, i + 1, kind);
        if (v > best) {
          best = v;
          b = 3;
        }
        st(y, o, kind, best);
        store<u8>(arg + o, b);
      }
    }
  }
}

/**
 * y (NC, OH, OW) = max over each K x K window (stride S) of x (NC, H, W); arg = kh*K + kw of
 * the first maximum in row-major window order.
 */
export function maxpool_fwd(
  x: usize,
  kind: i32,
  NC: i32,
  H: i32,
  W: i32,
  K: i32,
  S: i32,
  OH: i32,
  OW: i32,
  y: usize,
  arg: usize,
): void {
  if (K == 2 && S == 2 && (kind == KIND_I32 || kind == KIND_F32)) {
    pool2x2_4(x, NC, H, W, OH, OW, kind, y, arg);
    return;
  }
  // The reference's 2x2 stride-2 loop starts from the window's first element, its general
  // loop from -Infinity (they differ only when that element is NaN): follow each.
  const fromFirst = K == 2 && S == 2;
  let o: usize = 0;
  for (let nc = 0; nc < NC; nc++) {
    const base = <usize>nc * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        const corner = base + <usize>(oh * S) * W + <usize>(ow * S);
        let best = fromFirst ? ld(x, corner, kind) : -Infinity;
        let bi = 0;
        for (let t = fromFirst ? 1 : 0; t < K * K; t++) {
          const kh = t / K;
          const kw = t - kh * K;
          const v = ld(x, corner + <usize>kh * W + <usize>kw, kind);
          if (v > best) {
            best = v;
            bi = t;
          }
        }
        st(y, o, kind, best);
        store<u8>(arg + o, <u8>bi);
      }
  }
}

/** dx (NC, H, W) = 0, then dx[argmax of window o] += dy[o], in output order. */
export function maxpool_bwd(
  dy: usize,
  kind: i32,
  arg: usize,
  NC: i32,
  H: i32,
  W: i32,
  K: i32,
  S: i32,
  OH: i32,
  OW: i32,
  dx: usize,
): void {
  const es = <usize>kindBytes(kind);
  memory.fill(dx, 0, <usize>NC * H * W * es);
  if (K == 2 && S == 2 && (kind == KIND_I32 || kind == KIND_F32)) {
    unpool2x2_4(dy, kind, arg, NC, H, W, OH, OW, dx);
    return;
  }
  let o: usize = 0;
  for (let nc = 0; nc < NC; nc++) {
    const base = <usize>nc * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        const a = <i32>load<u8>(arg + o);
        const kh = a / K;
        const i = base + <usize>(oh * S + kh) * W + <usize>(ow * S + a - kh * K);
        if (kind == KIND_I32)
          store<i32>(dx + (i << 2), load<i32>(dx + (i << 2)) + load<i32>(dy + (o << 2)));
        else if (kind == KIND_F32)
          store<f32>(dx + (i << 2), load<f32>(dx + (i << 2)) + load<f32>(dy + (o << 2)));
        else st(dx, i, kind, ld(dx, i, kind) + ld(dy, o, kind));
      }
  }
}

/**
 * 2x2 stride-2 backward on a 4-byte kind, four outputs per step: windows do not overlap, so
 * each dx element gets 0 + dy (float32: the add turns -0 into +0 like the reference's +=) at
 * its window's argmax and stays 0 elsewhere. dx is already zeroed.
 */
function unpool2x2_4(
  dy: usize,
  kind: i32,
  arg: usize,
  NC: i32,
  H: i32,
  W: i32,
  OH: i32,
  OW: i32,
  dx: usize,
): void {
  let o: usize = 0;
  const z = i32x4.splat(0);
  for (let nc = 0; nc < NC; nc++) {
    const base = dx + ((<usize>nc * H * W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = base + ((<usize>(2 * oh) * W) << 2);
      const r1 = r0 + ((<usize>W) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4, o += 4) {
        const d = v128.load(dy + (o << 2));
        const a = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(arg + o)));
        let v0 = v128.and(d, i32x4.eq(a, i32x4.splat(0)));
        let v1 = v128.and(d, i32x4.eq(a, i32x4.splat(1)));
        let v2 = v128.and(d, i32x4.eq(a, i32x4.splat(2)));
        let v3 = v128.and(d, i32x4.eq(a, i32x4.splat(3)));
        if (kind == KIND_F32) {
          v0 = f32x4.add(v0, z);
          v1 = f32x4.add(v1, z);
          v2 = f32x4.add(v2, z);
          v3 = f32x4.add(v3, z);
        }
        const q = (<usize>ow) << 3;
        v128.store(
          r0 + q,
          i8x16.shuffle(v0, v1, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23),
        );
        v128.store(
          r0 + q + 16,
          i8x16.shuffle(v0, v1, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31),
        );
        v128.store(
          r1 + q,
          i8x16.shuffle(v2, v3, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23),
        );
        v128.store(
          r1 + q + 16,
          i8x16.shuffle(v2, v3, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31),
        );
      }
      for (; ow < OW; ow++, o++) {
        const a = <i32>load<u8>(arg + o);
        const p = (a < 2 ? r0 : r1) + ((<usize>(2 * ow + (a & 1))) << 2);
        if (kind == KIND_I32) store<i32>(p, load<i32>(p) + load<i32>(dy + (o << 2)));
        else store<f32>(p, load<f32>(p) + load<f32>(dy + (o << 2)));
      }
    }
  }
}

/**
 * Exact sum of R (<= 32768) integers of kind 0..2 at element offset o: pairwise widening adds
 * into int32 lanes for int8/int16 (no lane exceeds 2^31), int64 lanes for int32.
 */
function rowSumSimd(e: usize, o: usize, R: i32, kind: i32): i64 {
  let r = 0;
  let t: i64 = 0;
  if (kind == KIND_I8) {
    let acc = i32x4.splat(0);
    const p = e + o;
    for (; r + 16 <= R; r += 16)
      acc = i32x4.add(
        acc,
        i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(v128.load(p + r))),
      );
    t = <i64>(
      (i32x4.extract_lane(acc, 0) +
        i32x4.extract_lane(acc, 1) +
        i32x4.extract_lane(acc, 2) +
        i32x4.extract_lane(acc, 3))
    );
    for (; r < R; r++) t += <i64>load<i8>(p + r);
  } else if (kind == KIND_I16) {
    let acc = i32x4.splat(0);
    const p = e + (o << 1);
    for (; r + 8 <= R; r += 8)
      acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(v128.load(p + ((<usize>r) << 1))));
    t =
      <i64>i32x4.extract_lane(acc, 0) +
      <i64>i32x4.extract_lane(acc, 1) +
      <i64>i32x4.extract_lane(acc, 2) +
      <i64>i32x4.extract_lane(acc, 3);
    for (; r < R; r++) t += <i64>load<i16>(p + ((<usize>r) << 1));
  } else {
    let acc = i64x2.splat(0);
    const p = e + (o << 2);
    for (; r + 4 <= R; r += 4) {
      const v = v128.load(p + ((<usize>r) << 2));
      acc = i64x2.add(acc, i64x2.add(i64x2.extend_low_i32x4_s(v), i64x2.extend_high_i32x4_s(v)));
    }
    t = i64x2.extract_lane(acc, 0) + i64x2.extract_lane(acc, 1);
    for (; r < R; r++) t += <i64>load<i32>(p + ((<usize>r) << 2));
  }
  return t;
}

/**
 * out[c] (f64) = sum over n, r of e (N, C, R), added in float64 in the order n then r (the
 * reference's order; exact for integer kinds).
 */
export function col_sums(e: usize, kind: i32, N: i32, C: i32, R: i32, out: usize): void {
  for (let c = 0; c < C; c++) {
    let s: f64 = 0;
    for (let n = 0; n < N; n++) {
      const o = (<usize>n * C + c) * R;
      if (kind == KIND_I8 || kind == KIND_I16 || kind == KIND_I32) {
        // Integers: an exact i64 sum of the row, then one (exact) float64 add.
        let t: i64 = 0;
        if (R <= 32768)
          t = rowSumSimd(e, o, R, kind); // |row sum| < 2^31: int32 lanes are exact
        else if (kind == KIND_I8) for (let r = 0; r < R; r++) t += <i64>load<i8>(e + o + r);
        else if (kind == KIND_I16)
          for (let r = 0; r < R; r++) t += <i64>load<i16>(e + ((o + r) << 1));
        else for (let r = 0; r < R; r++) t += <i64>load<i32>(e + ((o + r) << 2));
        s += <f64>t;
      } else {
        for (let r = 0; r < R; r++) s += ld(e, o + r, kind);
      }
    }
    store<f64>(out + ((<usize>c) << 3), s);
  }
}
