// SPDX-License-Identifier: MIT
// The shared control block between the main thread and kernel workers: per worker slot, four
// int32 words (Slot) and ARGS_PER_SLOT float64 argument words (pointers reach 2^32).

import type { ExportName } from './exports.js';

export const CTRL_PER_SLOT = 4;
export const ARGS_PER_SLOT = 20;

export const enum Slot {
  /** Job number the main thread posted; -1 asks the worker to stop. */
  Seq = 0,
  /** Job number the worker finished. */
  Done = 1,
  /** Index into FN_CODES. */
  Fn = 2,
  /** 1 when the last job threw. */
  Error = 3,
}

/** The exports a worker may run, by index (Slot.Fn); each takes at most ARGS_PER_SLOT arguments. */
export const FN_CODES = [
  'gemm_i16_i32acc',
  'gemm_i16_i32acc__blocked',
  'gemm_i16_i32acc__smallm',
  'gemm_i16_i32acc__dot',
  'gemm_i16_f64acc',
  'gemm_i16_f64acc__dot',
  'gemm_f32',
  'winograd_conv',
  'winograd_input',
  'winograd_error',
  'quantize',
  'requantize',
  'flag_quantize',
  'minmax',
  'bn_sums',
  'bn_forward',
  'bn_affine_int',
  'bn_backward',
  'bn_xhat_int',
  'relu_fwd',
  'relu_bwd4',
  'add_scaled',
  'swap_outer_rows',
  'im2col_rows',
  'col2im_f32_rows',
] as const satisfies readonly ExportName[];
export type ThreadedFn = (typeof FN_CODES)[number];

/** Loads spun before sleeping: the next job, or a slice's end, often comes within microseconds. */
export const SPIN_LOADS = 2048;

/**
 * Waits until ctrl[at] is no longer `value` and returns the new value: a brief spin first (a
 * futex wake-up costs tens of microseconds, as much as a small kernel), then Atomics.wait.
 */
export function waitChange(ctrl: Int32Array, at: number, value: number): number {
  for (let i = 0; i < SPIN_LOADS; i++) {
    const v = Atomics.load(ctrl, at);
    if (v !== value) return v;
  }
  for (;;) {
    Atomics.wait(ctrl, at, value);
    const v = Atomics.load(ctrl, at);
    if (v !== value) return v;
  }
}
