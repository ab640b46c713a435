// SPDX-License-Identifier: MIT
// The matrix product op of the layers: mantissa GEMM with an exact integer accumulator when
// both operands are fixed-point (exp = ea + eb), float32 GEMM otherwise, in the step workspace
// of a training step. The one place the fixed-vs-float GEMM branch is written: Linear, the
// float32 passes of the convolutions, the recurrent and attention layers go through it.

import type { GemmShape, Kernels } from '../kernels/spec.js';
import { intGemm, intGemmBatch } from '../ops/intgemm.js';
import { countMacs } from '../ops/macs.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import { bitsOfAcc, sameKind, stepArray, stepLike, type StepScope } from './arrays.js';
import type { Shape } from '../tensor/shape.js';

// a: op(A) (M,K), b: op(B) (K,N) -> (M,N), see GemmShape for the stored layouts. With `at`
// (a training step) the result lives in the step workspace: valid for this step only.
// `extra`: a bound on what the caller adds to the fixed-point sums afterwards (a bias's
// largest mantissa), so the accumulator is widened for it too.
export function matmul(
  k: Kernels,
  g: GemmShape,
  a: Tensor,
  b: Tensor,
  at?: StepScope,
  extra = 0,
): Tensor {
  if (a.kind === 'fixed' && b.kind === 'fixed') {
    const acc = intGemm(k, g, a.mant, b.mant, extra, at);
    return fixedTensor([g.M, g.N], acc, a.exp + b.exp, bitsOfAcc(acc));
  }
  const c = stepArray(at, 'float32', g.M * g.N, g.K === 0);
  const af = dequantize(a);
  const bf = dequantize(b);
  k.gemm_f32(g, af, bf, c);
  countMacs(af, bf, g.M * g.N * g.K);
  return floatTensor([g.M, g.N], c);
}

/**
 * `batch` products of shape g over contiguous row blocks in one kernel call: a holds blocks of
 * op(A) (M*K elements each), b of op(B) (K*N) -> (batch*M, N), block i at rows i*M. The same
 * numbers as matmul per block (integer sums are exact; float blocks run the same GEMM).
 */
export function matmulBatch(
  k: Kernels,
  g: GemmShape,
  batch: number,
  a: Tensor,
  b: Tensor,
  at?: StepScope,
): Tensor {
  if (a.kind === 'fixed' && b.kind === 'fixed') {
    const acc = intGemmBatch(k, g, batch, a.mant, b.mant, at);
    return fixedTensor([batch * g.M, g.N], acc, a.exp + b.exp, bitsOfAcc(acc));
  }
  const c = stepArray(at, 'float32', batch * g.M * g.N, g.K === 0);
  const af = dequantize(a);
  const bf = dequantize(b);
  k.gemm_f32_batch(g, batch, af, bf, c);
  countMacs(af, bf, batch * g.M * g.N * g.K);
  return floatTensor([batch * g.M, g.N], c);
}

/**
 * (A, B, R) -> (B, A, R) of a tensor of any kind (same exponent), e.g. (N, T, F) <-> (T, N, F);
 * in the step workspace with `at`.
 */
export function swapOuterTensor(
  k: Kernels,
  t: Tensor,
  A: number,
  B: number,
  R: number,
  shape: Shape,
  at?: StepScope,
): Tensor {
  const src = t.kind === 'float' ? t.data : t.mant;
  const out = stepLike(at, src, A * B * R, false);
  k.swap_outer(src, A, B, R, null, out);
  return sameKind(t, shape, out);
}

/** Rows [r0, r1) of a 2-D tensor (a view of the storage; no copy). */
export function rows(t: Tensor, r0: number, r1: number): Tensor {
  const C = t.shape[1];
  if (t.kind === 'float') return floatTensor([r1 - r0, C], t.data.subarray(r0 * C, r1 * C));
  return fixedTensor([r1 - r0, C], t.mant.subarray(r0 * C, r1 * C), t.exp, t.bits);
}
