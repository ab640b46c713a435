// SPDX-License-Identifier: MIT
// Exact integer GEMM into float64, C (M,N) (+)= A (M,K) B^T with B stored (N,K), for few
// outputs over a long depth (a weight gradient of int16 errors and activations whose sums may
// pass int32): rows read in place as in gemm_dot.ts (2 rows of A x 4 rows of B per tile, 8 k
// per step, i32x4.dot_i16x8_s), each int32 lane summing `run` k at most before it is added
// into float64. A lane takes run / 4 products per run: the caller keeps run / 4 * max|a| *
// max|b| <= 2^31 - 1 (and run >= 8), so every lane sum is exact, and so is the float64 total
// (below 2^53). No packing and no float64 flush per short chunk as in gemm_wide.ts.

/** 8 elements at element offset k of a row of T (int8 or int16), as i16x8. */
function ld8<T>(p: usize, k: usize): v128 {
  return sizeof<T>() == 1 ? v128.load8x8_s(p + k) : v128.load(p + (k << 1));
}

function ldk<T>(p: usize, k: usize): f64 {
  return sizeof<T>() == 1 ? <f64>load<i8>(p + k) : <f64>load<i16>(p + (k << 1));
}

/** The four int32 lanes of v summed in float64 (exact). */
function hsum(v: v128): f64 {
  return (
    <f64>i32x4.extract_lane(v, 0) +
    <f64>i32x4.extract_lane(v, 1) +
    <f64>i32x4.extract_lane(v, 2) +
    <f64>i32x4.extract_lane(v, 3)
  );
}

function put(c: usize, v: f64, add: bool): void {
  store<f64>(c, add ? load<f64>(c) + v : v);
}

function dotWide<TA, TB>(
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
  run: i32,
): void {
  const sa = <usize>lda * sizeof<TA>();
  const sb = <usize>ldb * sizeof<TB>();
  const K8 = <usize>(K & ~7);
  const R = <usize>(run & ~7);
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
      let s00: f64 = 0,
        s01: f64 = 0,
        s02: f64 = 0,
        s03: f64 = 0,
        s10: f64 = 0,
        s11: f64 = 0,
        s12: f64 = 0,
        s13: f64 = 0;
      for (let k0: usize = 0; k0 < K8; k0 += R) {
        const k1 = min(K8, k0 + R);
        let c00 = i32x4.splat(0),
          c01 = i32x4.splat(0),
          c02 = i32x4.splat(0),
          c03 = i32x4.splat(0);
        let c10 = i32x4.splat(0),
          c11 = i32x4.splat(0),
          c12 = i32x4.splat(0),
          c13 = i32x4.splat(0);
        for (let k = k0; k < k1; k += 8) {
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
        s00 += hsum(c00);
        s01 += hsum(c01);
        s02 += hsum(c02);
        s03 += hsum(c03);
        s10 += hsum(c10);
        s11 += hsum(c11);
        s12 += hsum(c12);
        s13 += hsum(c13);
      }
      // The last K mod 8: products exact in float64, sums below 2^53.
      for (let k = K8; k < <usize>K; k++) {
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
      const r0 = c + ((<usize>i * ldc + j) << 3);
      put(r0, s00, add);
      if (nj > 1) put(r0 + 8, s01, add);
      if (nj > 2) put(r0 + 16, s02, add);
      if (nj > 3) put(r0 + 24, s03, add);
      if (mi > 1) {
        const r1 = r0 + ((<usize>ldc) << 3);
        put(r1, s10, add);
        if (nj > 1) put(r1 + 8, s11, add);
        if (nj > 2) put(r1 + 16, s12, add);
        if (nj > 3) put(r1 + 24, s13, add);
      }
    }
  }
}

/**
 * C (M,N) f64 (+)= A (M,K) B^T, B stored (N,K), exactly; esA/esB element bytes (1 or 2), ldc
 * in elements of C; run: most k per int32 lane sum (see the top of this file).
 */
export function gemm_i16_f64acc__dot(
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
  run: i32,
): void {
  if (esA == 1) {
    if (esB == 1) dotWide<i8, i8>(M, N, K, a, lda, b, ldb, c, ldc, add, run);
    else dotWide<i8, i16>(M, N, K, a, lda, b, ldb, c, ldc, add, run);
  } else {
    if (esB == 1) dotWide<i16, i8>(M, N, K, a, lda, b, ldb, c, ldc, add, run);
    else dotWide<i16, i16>(M, N, K, a, lda, b, ldb, c, ldc, add, run);
  }
}
