// SPDX-License-Identifier: MIT
// Kernel specs: the typed operations every backend provides. Declared once here, by family in
// spec-conv.ts, spec-elementwise.ts, spec-norm.ts, spec-optim.ts and spec-sequence.ts; `ref/`
// implements them in plain TypeScript (the definition of correct) and faster backends must
// match it bit for bit on integers. Kernels know nothing of schemes or layers.

import type { DType, DTypeMap } from '../tensor/dtype.js';
import type { ConvKernels } from './spec-conv.js';
import type { ElementKernels } from './spec-elementwise.js';
import type { NormKernels } from './spec-norm.js';
import type { OptimKernels } from './spec-optim.js';
import type { SequenceKernels } from './spec-sequence.js';

import type { ConvGeom } from './spec-types.js';

export type {
  AccArray,
  AnyArray,
  ConvGeom,
  FloatFn,
  GemmShape,
  LstmStep,
  PoolGeom,
  WageubnStep,
} from './spec-types.js';

/** Kernels.threadDefault: the cores there are, and whether the environment fixed the count. */
export interface ThreadDefault {
  readonly cores: number;
  readonly fixed: boolean;
}

export interface Kernels
  extends ConvKernels, ElementKernels, NormKernels, OptimKernels, SequenceKernels {
  readonly name: string;
  /**
   * Optional: runs the kernels on `n` threads (results are the same bits for every n);
   * resolves once the threads are ready.
   */
  setThreads?(n: number): Promise<void>;
  /**
   * Optional (with setThreads): the cores these kernels could run on, and whether the thread
   * count was fixed outside the program (LOWBIT_THREADS). Where it was not, a training run
   * that names no count measures its first steps on 1, half and all cores and keeps the fastest
   * (train/thread-tuner.ts); a count given by hand is never second-guessed.
   */
  threadDefault?(): ThreadDefault;
  /**
   * Optional: whether a 3x3 stride-1 int8 conv pass ('forward' or 'inputGrad') should run as
   * exact Winograd (winograd_conv) rather than im2col + gemm_int on these kernels (absent:
   * Winograd). Both give the same integers; the faster route depends on the instruction set
   * (ops/winograd.ts winogradFor). g: the conv's geometry (for either pass).
   */
  preferWinograd?(g: ConvGeom, pass: 'forward' | 'inputGrad'): boolean;
  /**
   * Optional: whether the float32 input gradient of a stride-1 'same' conv runs as a forward
   * conv of the error (ops/conv-f32.ts convInputGradF32: im2col of e, one GEMM of depth
   * OC*KH*KW, a layout swap) instead of dcol = W^T e' and col2im: the same sums in another
   * order, without the dcol matrix KH*KW times larger than dx. Absent: false.
   */
  preferInputGradAsConvF32?(g: ConvGeom): boolean;
  /** Optional: what the kernels run on, for messages (e.g. "avx2, 2 threads"). */
  describe?(): string;
  /**
   * Optional: an array of `n` elements for the tensors of training step `step`, placed where
   * this backend's kernels use it in place (WASM memory: no copies in or out); zeroed unless
   * `zeroed` is false (the caller then overwrites every element). It stays valid until an
   * array for another step is asked for, so only a step's own tensors may live there. Absent
   * (or null) means: allocate ordinarily. Use kernels/step-array.ts `stepArray`.
   */
  stepArray?<D extends DType>(
    dtype: D,
    n: number,
    step: number,
    zeroed?: boolean,
  ): DTypeMap[D] | null;
}
