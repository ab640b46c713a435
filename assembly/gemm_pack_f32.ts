// SPDX-License-Identifier: MIT
// Packing for the blocked float32 GEMM (gemm_blocked.ts): op(A) into MR-row panels of MR
// floats per k, op(B) into NR-column panels of NR floats per k, zero padded; the same panel
// geometry (16 and 32 bytes per step) as the integer packing of gemm_pack.ts.

import { MR, NR } from './gemm_pack';

function at(p: usize, idx: usize): f32 {
  return load<f32>(p + (idx << 2));
}

/**
 * Four rows (ldBytes apart) of 4 consecutive floats, transposed: vector q holds element q of
 * rows 0..3, stored at dst + q * stride.
 */
function t4x4(p: usize, ldBytes: usize, dst: usize, stride: usize): void {
  const r0 = v128.load(p);
  const r1 = v128.load(p + ldBytes);
  const r2 = v128.load(p + 2 * ldBytes);
  const r3 = v128.load(p + 3 * ldBytes);
  const t0 = i8x16.shuffle(r0, r1, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const t1 = i8x16.shuffle(r0, r1, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const t2 = i8x16.shuffle(r2, r3, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const t3 = i8x16.shuffle(r2, r3, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  v128.store(dst, i8x16.shuffle(t0, t2, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  v128.store(
    dst + stride,
    i8x16.shuffle(t0, t2, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31),
  );
  v128.store(
    dst + 2 * stride,
    i8x16.shuffle(t1, t3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
  );
  v128.store(
    dst + 3 * stride,
    i8x16.shuffle(t1, t3, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31),
  );
}

/**
 * op(A) rows i0..i0+mc, depth p0..p0+kc -> MR-row panels, MR floats per k; zero padded.
 * Full panels by SIMD (4x4 transposes, or whole rows when transA), edges scalar.
 */
export function packAf32(
  a: usize,
  lda: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
): void {
  const ldBytes = (<usize>lda) << 2;
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const rows = min(MR, mc - r0);
    const i = i0 + r0;
    let p = 0;
    if (rows == MR && !transA) {
      for (; p + 4 <= kc; p += 4) {
        t4x4(a + ((<usize>i * lda + p0 + p) << 2), ldBytes, dst, 16);
        dst += 64;
      }
    } else if (rows == MR) {
      for (; p < kc; p++) {
        v128.store(dst, v128.load(a + ((<usize>(p0 + p) * lda + i) << 2)));
        dst += 16;
      }
    }
    for (; p < kc; p++) {
      const k = p0 + p;
      for (let r = 0; r < MR; r++) {
        const ii = i + r;
        let v: f32 = 0;
        if (r < rows) v = transA ? at(a, <usize>k * lda + ii) : at(a, <usize>ii * lda + k);
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

/** op(B) depth p0..p0+kc, columns j0..j0+nc -> NR-column panels, NR floats per k. */
export function packBf32(
  b: usize,
  ldb: i32,
  transB: bool,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
): void {
  const ldBytes = (<usize>ldb) << 2;
  const full = nc & ~(NR - 1); // columns in whole panels
  if (!transB && full > 0) {
    // B stored (K,N): row by row, each row's run of columns dealt to the panels, so B is read
    // in order (a conv's im2col rows are N*OH*OW long: reading 32 bytes of each of kc rows per
    // panel defeats the prefetcher); the ragged last panel below.
    const panelBytes = (<usize>kc) << 5; // kc * NR floats
    for (let p = 0; p < kc; p++) {
      const src = b + ((<usize>(p0 + p) * ldb + j0) << 2);
      let d = dst + ((<usize>p) << 5);
      for (let c0 = 0; c0 < full; c0 += NR) {
        v128.store(d, v128.load(src + ((<usize>c0) << 2)));
        v128.store(d, v128.load(src + ((<usize>c0) << 2), 16), 16);
        d += panelBytes;
      }
    }
    if (full == nc) return;
    packBf32(b, ldb, transB, p0, kc, j0 + full, nc - full, dst + <usize>(full / NR) * panelBytes);
    return;
  }
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const cols = min(NR, nc - c0);
    const j = j0 + c0;
    let p = 0;
    if (cols == NR && !transB) {
      for (; p < kc; p++) {
        const src = b + ((<usize>(p0 + p) * ldb + j) << 2);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
      }
    } else if (cols == NR) {
      // B stored (N,K): columns 0..3 and 4..7 of the panel, 4 k at a time.
      for (; p + 4 <= kc; p += 4) {
        const src = b + ((<usize>j * ldb + p0 + p) << 2);
        t4x4(src, ldBytes, dst, 32);
        t4x4(src + 4 * ldBytes, ldBytes, dst + 16, 32);
        dst += 128;
      }
    }
    for (; p < kc; p++) {
      const k = p0 + p;
      for (let c = 0; c < NR; c++) {
        const jj = j + c;
        let v: f32 = 0;
        if (c < cols) v = transB ? at(b, <usize>jj * ldb + k) : at(b, <usize>k * ldb + jj);
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}
