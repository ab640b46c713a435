// SPDX-License-Identifier: MIT
// Arrays of one training step: where they live (the kernels' step workspace, or plain typed
// arrays) is decided by a StepScope - a run's context or a quantizer's site context.

import { dtypeOf, type DType, type DTypeMap, type MantArray } from '../tensor/dtype.js';
import type { AnyArray, GemmShape, Kernels } from './spec.js';

/** One integer GEMM: c (M,N) = op(a) op(b), exact (see spec.ts GemmShape). */
export interface GemmEvent {
  readonly shape: GemmShape;
  readonly a: MantArray;
  readonly b: MantArray;
  readonly c: Int32Array | Float64Array;
}

/** Listens to the integer GEMMs of a step (quant/observer.ts StepObserver is one). */
export interface GemmObserver {
  gemm?(e: GemmEvent): void;
}

/** What decides where a step's arrays live: a RunContext or a quantizer's SiteContext. */
export interface StepScope {
  readonly kernels: Kernels;
  readonly step: number;
  readonly training: boolean;
  /**
   * Outside training: the id (negative, distinct from every training step) of one evaluation
   * batch whose forward pass may keep its arrays in the step workspace too, valid until the
   * next batch or step. Unset: evaluation arrays are plain (a caller that keeps outputs across
   * forward passes, such as a GAN's judge, leaves it unset).
   */
  readonly evalStep?: number;
  /** Told about each integer GEMM when set (ops/intgemm.ts); a quant/observer.ts StepObserver. */
  readonly observer?: GemmObserver | null;
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
  const id = at ? (at.training ? at.step : at.evalStep) : undefined;
  const ws =
    id !== undefined && at!.kernels.stepArray ? at!.kernels.stepArray(dtype, n, id, zeroed) : null;
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
