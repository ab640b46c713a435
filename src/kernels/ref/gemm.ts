// SPDX-License-Identifier: MIT
// Reference GEMM, float32 and integer. Naive on purpose: the loop order is only chosen so the
// innermost loop walks memory contiguously.

import type { GemmShape } from '../spec.js';
import type { IntArray } from '../../tensor/dtype.js';

type Num = Float32Array | Float64Array | Int32Array | IntArray;

/**
 * C = op(A) op(B) (+ C). Integer operands: every product and partial sum is an integer below
 * 2^53, so the float64 arithmetic of JavaScript numbers is exact; the stored result is the
 * exact sum (the caller checked it fits C's type).
 */
function gemmAny(g: GemmShape, a: Num, b: Num, c: Num, acc: Float64Array): void {
  const { M, N, K } = g;
  for (let i = 0; i < M; i++) {
    if (g.accumulate) for (let j = 0; j < N; j++) acc[j] = c[i * N + j];
    else acc.fill(0, 0, N);
    if (!g.transB) {
      // acc (N) += a(i,k) * B(k,:) over k; B row k is contiguous.
      for (let k = 0; k < K; k++) {
        const aik = g.transA ? a[k * M + i] : a[i * K + k];
        const bo = k * N;
        for (let j = 0; j < N; j++) acc[j] += aik * b[bo + j];
      }
    } else {
      // B stored (N,K): acc[j] = dot(A row i, B row j).
      for (let j = 0; j < N; j++) {
        let s = 0;
        const bo = j * K;
        if (g.transA) for (let k = 0; k < K; k++) s += a[k * M + i] * b[bo + k];
        else {
          const ao = i * K;
          for (let k = 0; k < K; k++) s += a[ao + k] * b[bo + k];
        }
        acc[j] += s;
      }
    }
    for (let j = 0; j < N; j++) c[i * N + j] = acc[j];
  }
}

export function gemm_f32(g: GemmShape, a: Float32Array, b: Float32Array, c: Float32Array): void {
  // Accumulates in float64 then rounds once: the reference float result is the best float32
  // answer, so float backends are compared to it with a tolerance.
  gemmAny(g, a, b, c, new Float64Array(g.N));
}

export function gemm_int(
  g: GemmShape,
  a: IntArray,
  b: IntArray,
  c: Int32Array | Float64Array,
): void {
  gemmAny(g, a, b, c, new Float64Array(g.N));
}

/** Block i of `batch` contiguous blocks of `n` elements each. */
function block<T extends Num>(x: T, i: number, n: number): T {
  return x.subarray(i * n, (i + 1) * n) as T;
}

/** Checks a batched GEMM's arrays hold `batch` blocks, naming the kernel and the array. */
export function checkBatch(kind: string, g: GemmShape, batch: number, a: Num, b: Num, c: Num) {
  if (!Number.isInteger(batch) || batch < 0)
    throw new RangeError(`${kind}: batch=${batch} must be an integer >= 0`);
  const { M, N, K } = g;
  for (const [x, w, n] of [
    [a, 'A', M * K],
    [b, 'B', K * N],
    [c, 'C', M * N],
  ] as const)
    if (x.length < batch * n)
      throw new RangeError(`${kind}: ${w} holds ${x.length} elements, needs ${batch} x ${n}`);
}

/** `batch` gemm_f32 (or gemm_int) calls of `gemm` over contiguous blocks. */
export function eachBlock<A extends Num, C extends Num>(
  kind: string,
  gemm: (g: GemmShape, a: A, b: A, c: C) => void,
  g: GemmShape,
  batch: number,
  a: A,
  b: A,
  c: C,
): void {
  checkBatch(kind, g, batch, a, b, c);
  const { M, N, K } = g;
  for (let i = 0; i < batch; i++)
    gemm(g, block(a, i, M * K), block(b, i, K * N), block(c, i, M * N));
}

export function gemm_f32_batch(
  g: GemmShape,
  batch: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  eachBlock('gemm_f32_batch', gemm_f32, g, batch, a, b, c);
}

export function gemm_int_batch(
  g: GemmShape,
  batch: number,
  a: IntArray,
  b: IntArray,
  c: Int32Array | Float64Array,
): void {
  eachBlock('gemm_int_batch', gemm_int, g, batch, a, b, c);
}
