// SPDX-License-Identifier: MIT
// Small helpers on typed arrays shared by layers (same-type allocation, tensors over new
// storage). The step workspace arrays live in kernels/step-array.ts (re-exported here).

import type { MantArray } from '../tensor/dtype.js';
import type { AnyArray } from '../kernels/spec.js';
import { fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';

export { stepArray, stepLike, type StepScope } from '../kernels/step-array.js';

/** A zeroed array of the same type as `a` with `n` elements. */
export function like<T extends AnyArray>(a: T, n: number): T {
  const C = a.constructor as new (n: number) => T;
  return new C(n);
}

/**
 * (A, B, R) -> (B, A, R): swaps the two outer axes of a row-major array, keeping rows of R.
 * Used to move between NCHW (N, OC, OH*OW) and the GEMM layout (OC, N*OH*OW).
 */
export function swapOuter<T extends AnyArray>(src: T, A: number, B: number, R: number, dst?: T): T {
  const out = dst ?? like(src, A * B * R);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++) {
      const s = (a * B + b) * R;
      const d = (b * A + a) * R;
      if (R >= 16) out.set(src.subarray(s, s + R), d);
      else for (let r = 0; r < R; r++) out[d + r] = src[s + r];
    }
  return out;
}

export function bitsOfAcc(acc: MantArray): number {
  return acc instanceof Float64Array ? 53 : 32;
}

/** A tensor of the same kind (and exponent) as `t` over new storage `out`. */
export function sameKind(t: Tensor, shape: Shape, out: AnyArray): Tensor {
  if (t.kind === 'float') {
    if (!(out instanceof Float32Array)) throw new Error('float tensor needs Float32Array storage');
    return floatTensor(shape, out);
  }
  if (out instanceof Float32Array) throw new Error('fixed-point tensor needs integer storage');
  return fixedTensor(shape, out, t.exp, t.bits);
}

/** The storage of a tensor: float values or mantissas. */
export function storage(t: Tensor): AnyArray {
  return t.kind === 'float' ? t.data : t.mant;
}
