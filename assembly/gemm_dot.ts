// SPDX-License-Identifier: MIT
// Integer GEMM C (M,N) (+)= A (M,K) B^T, B stored (N,K), for few outputs over a long depth
// (weight gradients: M, N = channels, K = batch * pixels). Both operands are read in place as
// rows of K, no packing: 2 rows of A x 4 rows of B per tile, 8 k per step, widened to i16 and
// multiplied with i32x4.dot_i16x8_s. int32 sums wrap like the packed kernel's (the caller
// bounds them), so the result is bit-exact with it and with the reference.

/** 8 elements at element offset k of a row of T (int8 or int16), as i16x8. */
function ld8<T>(p: usize, k: usize): v128 {
  return sizeof<T>() == 1 ? v128.load8x8_s(p + k) : v128.load(p + (k << 1));
}

function ldk<T>(p: usize, k: usize): i32 {
  return sizeof<T>() == 1 ? <i32>load<i8>(p + k) : <i32>load<i16>(p + (k << 1));
}

function hsum(v: v128): i32 {
  return (
    i32x4.extract_lane(v, 0) +
    i32x4.extract_lane(v, 1) +
    i32x4.extract_lane(v, 2) +
    i32x4.extract_lane(v, 3)
  );
}

function put(c: usize, v: i32, add: bool): void {
  store<i32>(c, add ? load<i32>(c) + v : v);
}

function dotNT<TA, TB>(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  add: bool,
): void {
  const sa = <usize>lda * sizeof<TA>();
  const sb = <usize>ldb * sizeof<TB>();
  const K8 = K & ~7;
  for (let i = 0; i < M; i += 2) {
    const mi = min(2, M - i);
    const a0 = a + <usize>i * sa;
    const a1 = mi > 1 ? a0 + sa : a0; // a missing row repeats row 0; its sums are dropped
    for (let j = 0; j < N; j += 4) {
      const nj = min(4, N - j);
      const b0 = b + <usize>j * sb;
      const b1 = nj > 1 ? b0 + sb : b0;
      const b2 = nj > 2 ? b0 + 2 * sb : b0;
      const b3 = nj > 3 ? b0 + 3 * sb : b0;
      let c00 = i32x4.splat(0),
        c01 = i32x4.splat(0),
        c02 = i32x4.splat(0),
        c03 = i32x4.splat(0);
      let c10 = i32x4.splat(0),
        c11 = i32x4.splat(0),
        c12 = i32x4.splat(0),
        c13 = i32x4.splat(0);
      for (let k: usize = 0; k < <usize>K8; k += 8) {
        const x0 = ld8<TA>(a0, k);
        const x1 = ld8<TA>(a1, k);
        let y = ld8<TB>(b0, k);
        c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x0, y));
        c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x1, y));
        y = ld8<TB>(b1, k);
        c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x0, y));
        c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x1, y));
        y = ld8<TB>(b2, k);
        c02 = i32x4.add(c02, i32x4.dot_i16x8_s(x0, y));
        c12 = i32x4.add(c12, i32x4.dot_i16x8_s(x1, y));
        y = ld8<TB>(b3, k);
        c03 = i32x4.add(c03, i32x4.dot_i16x8_s(x0, y));
        c13 = i32x4.add(c13, i32x4.dot_i16x8_s(x1, y));
      }
      let s00 = hsum(c00),
        s01 = hsum(c01),
        s02 = hsum(c02),
        s03 = hsum(c03);
      let s10 = hsum(c10),
        s11 = hsum(c11),
        s12 = hsum(c12),
        s13 = hsum(c13);
      for (let k: usize = <usize>K8; k < <usize>K; k++) {
        const x0 = ldk<TA>(a0, k);
        const x1 = ldk<TA>(a1, k);
        const y0 = ldk<TB>(b0, k);
        const y1 = ldk<TB>(b1, k);
        const y2 = ldk<TB>(b2, k);
        const y3 = ldk<TB>(b3, k);
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      const r0 = c + ((<usize>i * ldc + j) << 2);
      put(r0, s00, add);
      if (nj > 1) put(r0 + 4, s01, add);
      if (nj > 2) put(r0 + 8, s02, add);
      if (nj > 3) put(r0 + 12, s03, add);
      if (mi > 1) {
        const r1 = r0 + ((<usize>ldc) << 2);
        put(r1, s10, add);
        if (nj > 1) put(r1 + 4, s11, add);
        if (nj > 2) put(r1 + 8, s12, add);
        if (nj > 3) put(r1 + 12, s13, add);
      }
    }
  }
}

/** Whether the dot path suits this GEMM: A row-major, B transposed, few outputs, long depth. */
export function dotSuits(M: i32, N: i32, K: i32, transA: bool, transB: bool): bool {
  return !transA && transB && K >= 1024 && <i64>M * N <= 8192;
}

/**
 * The dot route: C (M,N) i32 (+)= A (M,K) B^T, B stored (N,K), by dot products of rows read in
 * place; esA/esB element bytes (1 or 2). Any shape; fast for few outputs over long depths.
 */
export function gemm_i16_i32acc__dot(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  esA: i32,
  lda: i32,
  b: usize,
  esB: i32,
  ldb: i32,
  c: usize,
  ldc: i32,
  add: bool,
): void {
  if (esA == 1) {
    if (esB == 1) dotNT<i8, i8>(M, N, K, a, lda, b, ldb, c, ldc, add);
    else dotNT<i8, i16>(M, N, K, a, lda, b, ldb, c, ldc, add);
  } else {
    if (esB == 1) dotNT<i16, i8>(M, N, K, a, lda, b, ldb, c, ldc, add);
    else dotNT<i16, i16>(M, N, K, a, lda, b, ldb, c, ldc, add);
  }
}

/** Rows of A per block of the small-M path: 6 x 2 accumulators of 4 columns fit in registers. */
const SM = 6;

/**
 * Whether the small-M path suits: A and B row-major, at most one block of rows (measured: at
 * 6 x 50176 x 25 it is 2.7x the packed kernel; at M = 16 the packed kernel wins), wide C.
 */
export function smallMSuits(M: i32, N: i32, K: i32, transA: bool, transB: bool): bool {
  return !transA && !transB && M <= SM && N >= 64 && K <= 8192;
}

/** The k pair (k, k+1) of B row-major at columns j..j+7, zipped: (pairs of cols 0-3, 4-7). */
function zipLo(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}
function zipHi(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

/**
 * C (M,N) (+)= A (M,K) B (K,N), both row-major, for few rows (the convolutions' forward: M =
 * output channels, N = batch * pixels): B is read in place, two rows at a time zipped into
 * k pairs, against up to 6 rows of A whose k pairs are packed as i16 words in `scratch`
 * (K/2 + 1 words per row). No packing of B and no rounding of M up to a tile.
 */
function smallM<TA, TB>(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  add: bool,
  scratch: usize,
): void {
  const kp = (K + 1) >> 1;
  const sb = <usize>ldb * sizeof<TB>();
  const N8 = N & ~7;
  for (let i0 = 0; i0 < M; i0 += SM) {
    const mb = min(SM, M - i0);
    // Pair words (a(i,k), a(i,k+1)) of rows i0..i0+5, rows past M zero.
    for (let r = 0; r < SM; r++)
      for (let p = 0; p < kp; p++) {
        let w = 0;
        if (r < mb) {
          const row = a + <usize>(i0 + r) * lda * sizeof<TA>();
          const k = 2 * p;
          const v0 = ldk<TA>(row, k);
          const v1 = k + 1 < K ? ldk<TA>(row, k + 1) : 0;
          w = (v0 & 0xffff) | (v1 << 16);
        }
        store<i32>(scratch + ((<usize>(r * kp + p)) << 2), w);
      }
    const w0 = scratch;
    const w1 = w0 + ((<usize>kp) << 2);
    const w2 = w1 + ((<usize>kp) << 2);
    const w3 = w2 + ((<usize>kp) << 2);
    const w4 = w3 + ((<usize>kp) << 2);
    const w5 = w4 + ((<usize>kp) << 2);
    for (let j = 0; j < N8; j += 8) {
      let c00 = i32x4.splat(0),
        c01 = i32x4.splat(0),
        c10 = i32x4.splat(0),
        c11 = i32x4.splat(0),
        c20 = i32x4.splat(0),
        c21 = i32x4.splat(0);
      let c30 = i32x4.splat(0),
        c31 = i32x4.splat(0),
        c40 = i32x4.splat(0),
        c41 = i32x4.splat(0),
        c50 = i32x4.splat(0),
        c51 = i32x4.splat(0);
      let bp = b + <usize>j * sizeof<TB>();
      for (let p = 0; p < kp; p++) {
        const x = ld8<TB>(bp, 0);
        const y = 2 * p + 1 < K ? ld8<TB>(bp + sb, 0) : i32x4.splat(0);
        bp += 2 * sb;
        const lo = zipLo(x, y);
        const hi = zipHi(x, y);
        const o = (<usize>p) << 2;
        let s = v128.load32_splat(w0 + o);
        c00 = i32x4.add(c00, i32x4.dot_i16x8_s(s, lo));
        c01 = i32x4.add(c01, i32x4.dot_i16x8_s(s, hi));
        s = v128.load32_splat(w1 + o);
        c10 = i32x4.add(c10, i32x4.dot_i16x8_s(s, lo));
        c11 = i32x4.add(c11, i32x4.dot_i16x8_s(s, hi));
        s = v128.load32_splat(w2 + o);
        c20 = i32x4.add(c20, i32x4.dot_i16x8_s(s, lo));
        c21 = i32x4.add(c21, i32x4.dot_i16x8_s(s, hi));
        s = v128.load32_splat(w3 + o);
        c30 = i32x4.add(c30, i32x4.dot_i16x8_s(s, lo));
        c31 = i32x4.add(c31, i32x4.dot_i16x8_s(s, hi));
        s = v128.load32_splat(w4 + o);
        c40 = i32x4.add(c40, i32x4.dot_i16x8_s(s, lo));
        c41 = i32x4.add(c41, i32x4.dot_i16x8_s(s, hi));
        s = v128.load32_splat(w5 + o);
        c50 = i32x4.add(c50, i32x4.dot_i16x8_s(s, lo));
        c51 = i32x4.add(c51, i32x4.dot_i16x8_s(s, hi));
      }
      const rs = (<usize>ldc) << 2;
      const cp = c + ((<usize>i0 * ldc + j) << 2);
      putRow(cp, c00, c01, add);
      if (mb > 1) putRow(cp + rs, c10, c11, add);
      if (mb > 2) putRow(cp + 2 * rs, c20, c21, add);
      if (mb > 3) putRow(cp + 3 * rs, c30, c31, add);
      if (mb > 4) putRow(cp + 4 * rs, c40, c41, add);
      if (mb > 5) putRow(cp + 5 * rs, c50, c51, add);
    }
    // Columns past the last multiple of 8: plain sums.
    for (let r = 0; r < mb; r++) {
      const row = a + <usize>(i0 + r) * lda * sizeof<TA>();
      for (let j = N8; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += ldk<TA>(row, k) * ldk<TB>(b + <usize>k * sb, <usize>j);
        put(c + ((<usize>(i0 + r) * ldc + j) << 2), s, add);
      }
    }
  }
}

/** Scratch bytes of the small-M route at depth K: 6 rows of K/2 + 1 pair words, and alignment. */
export function gemm_smallm_scratch_bytes(K: i32): i32 {
  return SM * (((K + 1) >> 1) + 1) * 4 + 16;
}

function putRow(p: usize, lo: v128, hi: v128, add: bool): void {
  if (add) {
    lo = i32x4.add(lo, v128.load(p));
    hi = i32x4.add(hi, v128.load(p, 16));
  }
  v128.store(p, lo);
  v128.store(p, hi, 16);
}

/**
 * The small-M route: C (M,N) i32 (+)= A (M,K) B (K,N), both row-major (see smallM). Any shape;
 * fast for few rows. `scratch` holds gemm_smallm_scratch_bytes(K) bytes (aligned here).
 */
export function gemm_i16_i32acc__smallm(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  esA: i32,
  lda: i32,
  b: usize,
  esB: i32,
  ldb: i32,
  c: usize,
  ldc: i32,
  add: bool,
  scratch: usize,
): void {
  scratch = (scratch + 15) & ~15;
  if (esA == 1) {
    if (esB == 1) smallM<i8, i8>(M, N, K, a, lda, b, ldb, c, ldc, add, scratch);
    else smallM<i8, i16>(M, N, K, a, lda, b, ldb, c, ldc, add, scratch);
  } else {
    if (esB == 1) smallM<i16, i8>(M, N, K, a, lda, b, ldb, c, ldc, add, scratch);
    else smallM<i16, i16>(M, N, K, a, lda, b, ldb, c, ldc, add, scratch);
  }
}
