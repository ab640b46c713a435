// SPDX-License-Identifier: MIT
// A matrix product of two tensors through the kernels: mantissa GEMM with an exact integer
// accumulator when both are fixed-point (exp = ea + eb), float32 GEMM otherwise. Used by the
// recurrent and attention layers, whose operands are slices of larger tensors.

import type { GemmShape, Kernels } from '../kernels/spec.js';
import { intGemm } from '../ops/intgemm.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import { bitsOfAcc } from './arrays.js';

// a: op(A) (M,K), b: op(B) (K,N) -> (M,N), see GemmShape for the stored layouts.
export function matmul(k: Kernels, g: GemmShape, a: Tensor, b: Tensor): Tensor {
  if (a.kind === 'fixed' && b.kind === 'fixed') {
    const acc = intGemm(k, g, a.mant, b.mant);
    return fixedTensor([g.M, g.N], acc, a.exp + b.exp, bitsOfAcc(acc));
  }
  const c = new Float32Array(g.M * g.N);
  k.gemm_f32(g, dequantize(a), dequantize(b), c);
  return floatTensor([g.M, g.N], c);
}

/** Rows [r0, r1) of a 2-D tensor (a view of the storage; no copy). */
export function rows(t: Tensor, r0: number, r1: number): Tensor {
  const C = t.shape[1];
  if (t.kind === 'float') return floatTensor([r1 - r0, C], t.data.subarray(r0 * C, r1 * C));
  return fixedTensor([r1 - r0, C], t.mant.subarray(r0 * C, r1 * C), t.exp, t.bits);
}
