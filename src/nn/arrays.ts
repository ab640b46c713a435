// SPDX-License-Identifier: MIT
// Small helpers on typed arrays shared by layers (same-type allocation, step workspace arrays,
// transposes).

import { dtypeOf, type DType, type DTypeMap, type MantArray } from '../tensor/dtype.js';
import type { AnyArray, Kernels } from '../kernels/spec.js';
import { fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import type { StepObserver } from '../quant/observer.js';

/** A zeroed array of the same type as `a` with `n` elements. */
export function like<T extends AnyArray>(a: T, n: number): T {
  const C = a.constructor as new (n: number) => T;
  return new C(n);
}

/** What decides where a step's arrays live: a RunContext or a quantizer's SiteContext. */
export interface StepScope {
  readonly kernels: Kernels;
  readonly step: number;
  readonly training: boolean;
  /** Told about each integer GEMM when set (ops/intgemm.ts). */
  readonly observer?: StepObserver | null;
}

function plainArray<D extends DType>(dtype: D, n: number): DTypeMap[D];
function plainArray(dtype: DType, n: number): DTypeMap[DType] {
  switch (dtype) {
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
  }
}

/**
 * An array of `n` elements, zeroed unless `zeroed` is false (then the caller must overwrite
 * every element, e.g. as a kernel's output). In training, on a backend with a step workspace,
 * it lives in the kernels' memory (no copies in kernel calls) and is valid for this step only:
 * use it for the step's activations, errors and saved tensors, never for state kept across
 * steps.
 */
export function stepArray<D extends DType>(
  at: StepScope | null | undefined,
  dtype: D,
  n: number,
  zeroed = true,
): DTypeMap[D] {
  const ws =
    at && at.training && at.kernels.stepArray
      ? at.kernels.stepArray(dtype, n, at.step, zeroed)
      : null;
  return ws ?? plainArray(dtype, n);
}

/** stepArray of the same type as `a`. */
export function stepLike<T extends AnyArray>(
  at: StepScope | null | undefined,
  a: T,
  n: number,
  zeroed = true,
): T {
  return stepArray(at, dtypeOf(a), n, zeroed) as T;
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
