// SPDX-License-Identifier: MIT
// sum |x| in float64 (Kernels.sum_abs, adaptive fixed point's QEM sums) in the reference's
// order (src/quant/sum-abs.ts): element i adds to lane i mod 16, each lane in index order, the
// lanes combined pairwise (l_j + l_(j+8), then + (j+4), + (j+2), + (j+1)). Sixteen independent
// chains of scalar float64 adds; the lanes live at `l` (16 f64) and the sum ends at l[0].

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';

/** Adds |src[i]| (n elements of T, as f64) to lane i mod 16 of l. */
function lanes<T>(src: usize, n: i32, l: usize): void {
  let i = 0;
  for (; i + 16 <= n; i += 16)
    for (let j = 0; j < 16; j++) {
      const p = l + ((<usize>j) << 3);
      store<f64>(p, load<f64>(p) + Math.abs(<f64>load<T>(src + <usize>(i + j) * sizeof<T>())));
    }
  for (let j = 0; i < n; i++, j++) {
    const p = l + ((<usize>j) << 3);
    store<f64>(p, load<f64>(p) + Math.abs(<f64>load<T>(src + <usize>i * sizeof<T>())));
  }
}

/** lanes<f32> with the 16 lanes in eight f64x2 registers (lanes 2k, 2k + 1 in a_k). */
function lanesF32(src: usize, n: i32, l: usize): void {
  let a0 = f64x2.splat(0),
    a1 = a0,
    a2 = a0,
    a3 = a0,
    a4 = a0,
    a5 = a0,
    a6 = a0,
    a7 = a0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = src + ((<usize>i) << 2);
    const v0 = v128.load(p),
      v1 = v128.load(p, 16),
      v2 = v128.load(p, 32),
      v3 = v128.load(p, 48);
    a0 = f64x2.add(a0, f64x2.abs(f64x2.promote_low_f32x4(v0)));
    a1 = f64x2.add(a1, f64x2.abs(f64x2.promote_low_f32x4(i64x2.shuffle(v0, v0, 1, 0))));
    a2 = f64x2.add(a2, f64x2.abs(f64x2.promote_low_f32x4(v1)));
    a3 = f64x2.add(a3, f64x2.abs(f64x2.promote_low_f32x4(i64x2.shuffle(v1, v1, 1, 0))));
    a4 = f64x2.add(a4, f64x2.abs(f64x2.promote_low_f32x4(v2)));
    a5 = f64x2.add(a5, f64x2.abs(f64x2.promote_low_f32x4(i64x2.shuffle(v2, v2, 1, 0))));
    a6 = f64x2.add(a6, f64x2.abs(f64x2.promote_low_f32x4(v3)));
    a7 = f64x2.add(a7, f64x2.abs(f64x2.promote_low_f32x4(i64x2.shuffle(v3, v3, 1, 0))));
  }
  v128.store(l, a0);
  v128.store(l, a1, 16);
  v128.store(l, a2, 32);
  v128.store(l, a3, 48);
  v128.store(l, a4, 64);
  v128.store(l, a5, 80);
  v128.store(l, a6, 96);
  v128.store(l, a7, 112);
  lanes<f32>(src + ((<usize>i) << 2), n - i, l);
}

/** sum |src| (n elements of `kind`) into l[0]; l: 16 f64 of scratch. */
export function sum_abs(src: usize, kind: i32, n: i32, l: usize): void {
  for (let j = 0; j < 16; j++) store<f64>(l + ((<usize>j) << 3), 0);
  if (kind == KIND_I8) lanes<i8>(src, n, l);
  else if (kind == KIND_I16) lanes<i16>(src, n, l);
  else if (kind == KIND_I32) lanes<i32>(src, n, l);
  else if (kind == KIND_F32) lanesF32(src, n, l);
  else lanes<f64>(src, n, l);
  for (let w = 8; w >= 1; w >>= 1)
    for (let j = 0; j < w; j++) {
      const p = l + ((<usize>j) << 3);
      store<f64>(p, load<f64>(p) + load<f64>(l + ((<usize>(j + w)) << 3)));
    }
}
