// SPDX-License-Identifier: MIT
// float32 GEMM, SIMD128, with the same blocking as the integer kernel (f32x4 mul + add, no
// FMA in plain SIMD128) so the float baseline is a fair comparison. Strided like gemm_int.

const MR = 4;
const NR = 8;
const MC = 64;
const KC = 256;
const NC = 2048;

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
function packA(
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
function packB(
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

function tile(
  ap: usize,
  bp: usize,
  kc: i32,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  add: bool,
  tmp: usize,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a4 = v128.load(ap); // a(i,k) for the 4 rows; splat each row by shuffle
    let a = i8x16.shuffle(a4, a4, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = i8x16.shuffle(a4, a4, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = i8x16.shuffle(a4, a4, 8, 9, 10, 11, 8, 9, 10, 11, 8, 9, 10, 11, 8, 9, 10, 11);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = i8x16.shuffle(a4, a4, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  const rs = (<usize>ldc) << 2;
  if (mr == MR && nr == NR) {
    if (add) {
      c00 = f32x4.add(c00, v128.load(c));
      c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c + rs));
      c11 = f32x4.add(c11, v128.load(c + rs, 16));
      c20 = f32x4.add(c20, v128.load(c + 2 * rs));
      c21 = f32x4.add(c21, v128.load(c + 2 * rs, 16));
      c30 = f32x4.add(c30, v128.load(c + 3 * rs));
      c31 = f32x4.add(c31, v128.load(c + 3 * rs, 16));
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + rs, c10);
    v128.store(c + rs, c11, 16);
    v128.store(c + 2 * rs, c20);
    v128.store(c + 2 * rs, c21, 16);
    v128.store(c + 3 * rs, c30);
    v128.store(c + 3 * rs, c31, 16);
    return;
  }
  v128.store(tmp, c00);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const cp = c + <usize>i * rs + ((<usize>j) << 2);
      const v = load<f32>(tmp + ((i * NR + j) << 2));
      store<f32>(cp, add ? load<f32>(cp) + v : v);
    }
  }
}

export function gemm_f32_scratch_bytes(): i32 {
  return MC * KC * 4 + KC * NC * 4 + MR * NR * 4 + 64;
}

/** C (M,N) f32 (+)= op(A) op(B), strided; same conventions as gemm_i16_i32acc. */
export function gemm_f32(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  lda: i32,
  transA: bool,
  b: usize,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  const ap = (scratch + 15) & ~15;
  const bp = ap + MC * KC * 4;
  const tmp = bp + KC * NC * 4;
  if (K == 0) {
    if (!accumulate)
      for (let i = 0; i < M; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, (<usize>N) << 2);
    return;
  }
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const add = accumulate || pc > 0;
      packB(b, ldb, transB, pc, kc, jc, nc, bp);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(a, lda, transA, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bpp = bp + <usize>jr * kc * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            tile(ap + <usize>ir * kc * 4, bpp, kc, cp, ldc, mr, nr, add, tmp);
          }
        }
      }
    }
  }
}
