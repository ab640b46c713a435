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

/** op(A) rows i0..i0+mc, depth p0..p0+kc -> MR-row panels, MR floats per k; zero padded. */
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
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const rows = min(MR, mc - r0);
    for (let p = 0; p < kc; p++) {
      const k = p0 + p;
      for (let r = 0; r < MR; r++) {
        const i = i0 + r0 + r;
        let v: f32 = 0;
        if (r < rows) v = transA ? at(a, <usize>k * lda + i) : at(a, <usize>i * lda + k);
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
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const cols = min(NR, nc - c0);
    for (let p = 0; p < kc; p++) {
      const k = p0 + p;
      if (!transB && cols == NR) {
        const src = b + ((<usize>k * ldb + j0 + c0) << 2);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
        continue;
      }
      for (let c = 0; c < NR; c++) {
        const j = j0 + c0 + c;
        let v: f32 = 0;
        if (c < cols) v = transB ? at(b, <usize>j * ldb + k) : at(b, <usize>k * ldb + j);
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
