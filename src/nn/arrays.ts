// SPDX-License-Identifier: MIT
// Small helpers on typed arrays shared by layers (same-type allocation, tensors over new
// storage). The step workspace arrays live in kernels/step-array.ts (re-exported here).

import type { MantArray } from '../tensor/dtype.js';
import type { AnyArray } from '../kernels/spec.js';
import {
  checkTensor,
  dequantize,
  fixedTensor,
  floatTensor,
  type Tensor,
} from '../tensor/tensor.js';
import { stepArray, type StepScope } from '../kernels/step-array.js';
import type { Shape } from '../tensor/shape.js';

export { stepArray, stepLike, type StepScope } from '../kernels/step-array.js';

/**
 * A tensor's values as float32, as `dequantize` gives them (float32(m * 2^exp), the product in
 * float64), in a step array: a fixed tensor's by the kernels' scale_to_f32 where its integer
 * mantissas at exp <= 96 stay finite; a float tensor's own storage (not a copy); else
 * dequantize (its checks and messages; a new array).
 */
export function stepValues(t: Tensor, at: StepScope): Float32Array {
  if (t.kind === 'float' || t.mant instanceof Float64Array) return dequantize(t);
  checkTensor(t, 'dequantize: tensor');
  if (t.exp > 96) return dequantize(t);
  const out = stepArray(at, 'float32', t.mant.length, false);
  at.kernels.scale_to_f32(t.mant, 2 ** t.exp, out);
  return out;
}

/** A zeroed array of the same type as `a` with `n` elements. */
export function like<T extends AnyArray>(a: T, n: number): T {
  const C = a.constructor as new (n: number) => T;
  return new C(n);
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
