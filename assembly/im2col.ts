// SPDX-License-Identifier: MIT
// im2col / col2im over a batch in NCHW, same layout and loop order as the reference:
//   col row r = (c, kh, kw), column q = (n, oh, ow); col[r][q] = x[n][c][ih][iw], 0 outside.
// im2col is a copy, so one body per element size (1, 2, 4, 8 bytes) covers every dtype;
// col2im adds, in the reference's order, so float sums are bit-identical too.

/** Geometry words at `g` (i32): N C H W KH KW strideH strideW padH padW OH OW. */
function gi(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

/** First ow whose input column iw = ow*sw - pw + kw is >= 0, and one past the last < W. */
function owLo(sw: i32, pw: i32, kw: i32): i32 {
  const d = pw - kw;
  return d <= 0 ? 0 : (d + sw - 1) / sw;
}
function owHi(sw: i32, pw: i32, kw: i32, W: i32, OW: i32): i32 {
  const e = W - 1 + pw - kw;
  return e < 0 ? 0 : min(OW, e / sw + 1);
}

/**
 * Rows (c, kh, kw) of channels c in [c0, c1); no store reaches `lim` or beyond (the end of
 * this range's block when threads fill the blocks of one col side by side).
 */
function im2colT<T>(g: usize, x: usize, col: usize, c0: i32, c1: i32, lim: usize): void {
  const N = gi(g, 0),
    C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3),
    KH = gi(g, 4),
    KW = gi(g, 5);
  const sh = gi(g, 6),
    sw = gi(g, 7),
    ph = gi(g, 8),
    pw = gi(g, 9),
    OH = gi(g, 10),
    OW = gi(g, 11);
  const Q = <usize>N * OH * OW;
  const es = <usize>sizeof<T>();
  for (let c = c0; c < c1; c++)
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++) {
        const row = <usize>((c * KH + kh) * KW + kw) * Q;
        const lo = min(owLo(sw, pw, kw), OW);
        const hi = max(owHi(sw, pw, kw, W, OW), lo);
        // Short full rows (stride 1, no column padding for this kw, at most 16 bytes): one
        // vector per output row, no per-row branches beyond the vertical padding test.
        const short = sw == 1 && lo == 0 && hi == OW && <usize>OW * es <= 16;
        // Other short rows with stride 1 (3x3 convs' kw = 0, 2 at ResNet's 8 to 32 columns):
        // 16-byte chunks loaded from the shifted input row (kw - pw may start before it;
        // the last chunk may read up to 16 bytes past its end, which the wrapper's slack
        // covers) with the padding columns [0, lo) and [hi, OW) masked to zero. Only where
        // this (c, kh, kw) block ends 16 bytes before lim, so no store reaches it.
        const rb = OW * <i32>es;
        const nch = (rb + 15) >> 4;
        const masked =
          !short &&
          sw == 1 &&
          rb <= 64 &&
          (kw - pw) * <i32>es + nch * 16 - W * <i32>es <= 16 &&
          col + (row + Q) * es + 16 <= lim;
        if (masked) {
          maskRows(x, col + row * es, N, C, H, W, c, kh - ph, kw - pw, sh, OH, OW, <i32>es, lo, hi);
          continue;
        }
        for (let n = 0; n < N; n++) {
          const xo = <usize>(n * C + c) * H * W;
          if (short) {
            const src = x + (xo + <usize>(kw - pw)) * es;
            let q = col + (row + <usize>n * OH * OW) * es;
            const step = <usize>OW * es;
            for (let oh = 0; oh < OH; oh++, q += step) {
              const ih = oh * sh - ph + kh;
              if (q + 16 > lim) {
                if (ih < 0 || ih >= H) zero16(q, step, lim);
                else copy16(q, src + <usize>ih * W * es, step, lim);
              } else if (ih < 0 || ih >= H) v128.store(q, i32x4.splat(0));
              else v128.store(q, v128.load(src + <usize>ih * W * es));
            }
            continue;
          }
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - ph + kh;
            const q0 = col + (row + <usize>(n * OH + oh) * OW) * es;
            // Segments of col are written in increasing address order and each is written
            // whole (prefix zeros, copy, tail zeros), so 16-byte stores may run up to 15 bytes
            // past a segment: the next write covers them. The caller leaves 16 spare bytes
            // after col and after x (see IM2COL_SLACK in the wrapper).
            if (ih < 0 || ih >= H) {
              zero16(q0, <usize>OW * es, lim);
              continue;
            }
            if (lo > 0) zero16(q0, <usize>lo * es, lim);
            const xr = x + (xo + <usize>ih * W) * es;
            if (sw == 1) {
              copy16(
                q0 + <usize>lo * es,
                xr + <usize>(lo - pw + kw) * es,
                <usize>(hi - lo) * es,
                lim,
              );
            } else {
              for (let ow = lo; ow < hi; ow++) {
                store<T>(q0 + <usize>ow * es, load<T>(xr + <usize>(ow * sw - pw + kw) * es));
              }
            }
            if (hi < OW) zero16(q0 + <usize>hi * es, <usize>(OW - hi) * es, lim);
          }
        }
      }
}

/**
 * One (c, kh, kw) block of col, stride 1 along rows: for each sample n and output row oh,
 * input row ih = oh sh + dh of channel c shifted by dw columns, columns [0, lo) and [hi, OW)
 * zero, in ceil(OW es / 16) 16-byte chunks (at most 4). Rows outside the image are zero.
 */
function maskRows(
  x: usize,
  q: usize,
  N: i32,
  C: i32,
  H: i32,
  W: i32,
  c: i32,
  dh: i32,
  dw: i32,
  sh: i32,
  OH: i32,
  OW: i32,
  es: i32,
  lo: i32,
  hi: i32,
): void {
  const rb = OW * es;
  const nch = (rb + 15) >> 4;
  const iota = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const a = i8x16.splat(<i8>(lo * es)),
    b = i8x16.splat(<i8>(hi * es));
  // Byte t of chunk j is kept iff lo es <= 16 j + t < hi es (all below 80: unsigned bytes).
  const i1 = i8x16.add(iota, i8x16.splat(16)),
    i2 = i8x16.add(iota, i8x16.splat(32)),
    i3 = i8x16.add(iota, i8x16.splat(48));
  const m0 = v128.and(i8x16.ge_u(iota, a), i8x16.lt_u(iota, b)),
    m1 = v128.and(i8x16.ge_u(i1, a), i8x16.lt_u(i1, b)),
    m2 = v128.and(i8x16.ge_u(i2, a), i8x16.lt_u(i2, b)),
    m3 = v128.and(i8x16.ge_u(i3, a), i8x16.lt_u(i3, b));
  const z = i32x4.splat(0);
  const step = <usize>rb;
  for (let n = 0; n < N; n++) {
    // Element offset of the plane (n, c), plus the column shift (may be negative: wraps in
    // 32-bit address arithmetic to the bytes before the row, which the masks drop).
    const xo = (n * C + c) * H * W + dw;
    for (let oh = 0; oh < OH; oh++, q += step) {
      const ih = oh * sh + dh;
      if (ih < 0 || ih >= H) {
        v128.store(q, z);
        if (nch > 1) v128.store(q, z, 16);
        if (nch > 2) v128.store(q, z, 32);
        if (nch > 3) v128.store(q, z, 48);
        continue;
      }
      const p = x + <usize>(xo + ih * W) * <usize>es;
      v128.store(q, v128.and(v128.load(p), m0));
      if (nch > 1) v128.store(q, v128.and(v128.load(p, 16), m1), 16);
      if (nch > 2) v128.store(q, v128.and(v128.load(p, 32), m2), 32);
      if (nch > 3) v128.store(q, v128.and(v128.load(p, 48), m3), 48);
    }
  }
}

/**
 * Zeroes [p, p + bytes) in 16-byte stores (may write up to 15 bytes past the end, never at
 * `lim` or beyond: bytes there are left to whoever owns them).
 */
function zero16(p: usize, bytes: usize, lim: usize): void {
  const e = p + bytes;
  const z = i32x4.splat(0);
  for (; p < e && p + 16 <= lim; p += 16) v128.store(p, z);
  for (; p < e; p++) store<u8>(p, 0);
}

/**
 * Copies [s, s + bytes) to d in 16-byte steps (may read and write up to 15 bytes past; writes
 * stop before `lim`).
 */
function copy16(d: usize, s: usize, bytes: usize, lim: usize): void {
  const e = d + bytes;
  for (; d < e && d + 16 <= lim; d += 16, s += 16) v128.store(d, v128.load(s));
  for (; d < e; d++, s++) store<u8>(d, load<u8>(s));
}

/**
 * dx channels [c0, c1) of every sample, zeroed then summed from their col rows. Floats write
 * only those channels' elements, so threads may take disjoint channel ranges of one dx; the
 * int32 tails add 0 a few elements past a run (possibly the next channel): whole C only.
 */
function col2imT<T>(g: usize, col: usize, dx: usize, c0: i32, c1: i32): void {
  const N = gi(g, 0),
    C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3),
    KH = gi(g, 4),
    KW = gi(g, 5);
  const sh = gi(g, 6),
    sw = gi(g, 7),
    ph = gi(g, 8),
    pw = gi(g, 9),
    OH = gi(g, 10),
    OW = gi(g, 11);
  const Q = <usize>N * OH * OW;
  const es = <usize>sizeof<T>();
  const plane = <usize>H * W * es;
  if (c0 == 0 && c1 == C) memory.fill(dx, 0, <usize>N * C * plane);
  else
    for (let n = 0; n < N; n++)
      memory.fill(dx + (<usize>n * C + c0) * plane, 0, <usize>(c1 - c0) * plane);
  for (let c = c0; c < c1; c++)
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++) {
        const row = <usize>((c * KH + kh) * KW + kw) * Q;
        const lo = min(owLo(sw, pw, kw), OW);
        const hi = max(owHi(sw, pw, kw, W, OW), lo);
        for (let n = 0; n < N; n++) {
          const xo = <usize>(n * C + c) * H * W;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - ph + kh;
            if (ih < 0 || ih >= H) continue;
            const q0 = col + (row + <usize>(n * OH + oh) * OW) * es;
            const xr = dx + (xo + <usize>ih * W) * es;
            let ow = lo;
            if (sw == 1) {
              // Contiguous run: 16 bytes at a time. Each dx element still gets its adds in
              // the reference's order (lanes are different elements).
              const d = xr + <usize>(kw - pw) * es;
              for (; ow + <i32>(16 / es) <= hi; ow += <i32>(16 / es)) {
                const p = d + <usize>ow * es;
                const v = v128.load(q0 + <usize>ow * es);
                if (!isFloat<T>()) v128.store(p, i32x4.add(v128.load(p), v));
                else if (sizeof<T>() == 4) v128.store(p, f32x4.add(v128.load(p), v));
                else v128.store(p, f64x2.add(v128.load(p), v));
              }
              // Integers: the last 1-3 elements as one vector add with the lanes past the run
              // zeroed, so the dx elements after it get + 0 (unchanged; the caller leaves 16
              // spare bytes after dx).
              if (!isFloat<T>() && sizeof<T>() == 4 && ow < hi) {
                const p = d + <usize>ow * es;
                const keep = i32x4.gt_s(
                  i32x4.splat(hi - ow),
                  v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0),
                );
                const v = v128.and(v128.load(q0 + <usize>ow * es), keep);
                v128.store(p, i32x4.add(v128.load(p), v));
                ow = hi;
              }
              // An 8-byte tail (two 4-byte elements) as one half-vector add.
              if (sizeof<T>() == 4 && ow + 2 <= hi) {
                const p = d + <usize>ow * es;
                const v = v128.load64_zero(q0 + <usize>ow * es);
                const x = v128.load64_zero(p);
                const y = isFloat<T>() ? f32x4.add(x, v) : i32x4.add(x, v);
                v128.store64_lane(p, y, 0);
                ow += 2;
              }
            }
            for (; ow < hi; ow++) {
              const p = xr + <usize>(ow * sw - pw + kw) * es;
              store<T>(p, load<T>(p) + load<T>(q0 + <usize>ow * es));
            }
          }
        }
      }
}

export function im2col_x8(g: usize, x: usize, col: usize): void {
  im2colT<u8>(g, x, col, 0, gi(g, 1), usize.MAX_VALUE);
}
export function im2col_x16(g: usize, x: usize, col: usize): void {
  im2colT<u16>(g, x, col, 0, gi(g, 1), usize.MAX_VALUE);
}
export function im2col_x32(g: usize, x: usize, col: usize): void {
  im2colT<u32>(g, x, col, 0, gi(g, 1), usize.MAX_VALUE);
}
export function im2col_x64(g: usize, x: usize, col: usize): void {
  im2colT<u64>(g, x, col, 0, gi(g, 1), usize.MAX_VALUE);
}

/**
 * The rows of channels [c0, c1) of im2col over `es`-byte elements: col's block of those rows
 * only, no byte written outside it, so threads may fill disjoint channel ranges of one col.
 */
export function im2col_rows(g: usize, x: usize, col: usize, es: i32, c0: i32, c1: i32): void {
  const Q = <usize>gi(g, 0) * gi(g, 10) * gi(g, 11);
  const lim = col + <usize>c1 * gi(g, 4) * gi(g, 5) * Q * es;
  if (es == 1) im2colT<u8>(g, x, col, c0, c1, lim);
  else if (es == 2) im2colT<u16>(g, x, col, c0, c1, lim);
  else if (es == 4) im2colT<u32>(g, x, col, c0, c1, lim);
  else im2colT<u64>(g, x, col, c0, c1, lim);
}
export function col2im_f32(g: usize, col: usize, dx: usize): void {
  col2imT<f32>(g, col, dx, 0, gi(g, 1));
}
export function col2im_i32(g: usize, col: usize, dx: usize): void {
  col2imT<i32>(g, col, dx, 0, gi(g, 1));
}
export function col2im_f64(g: usize, col: usize, dx: usize): void {
  col2imT<f64>(g, col, dx, 0, gi(g, 1));
}

/** Float32 col2im of channels [c0, c1) only (threads take disjoint ranges; same sums). */
export function col2im_f32_rows(g: usize, col: usize, dx: usize, c0: i32, c1: i32): void {
  col2imT<f32>(g, col, dx, c0, c1);
}
