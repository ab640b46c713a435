// SPDX-License-Identifier: MIT
// Typed view of the kernel module's exports (assembly/index.ts), checked at load time.

import type { WasmFn, WasmInstance } from './wasm-api.js';

const NAMES = [
  'heap_base',
  'gemm_i16_i32acc',
  'gemm_int_scratch_bytes',
  'gemm_f32',
  'gemm_f32_scratch_bytes',
  'im2col_x8',
  'im2col_x16',
  'im2col_x32',
  'im2col_x64',
  'col2im_f32',
  'col2im_i32',
  'col2im_f64',
  'quantize',
  'requantize',
  'minmax',
  'add_i32_to_f64',
  'zero_bytes',
  'relu_fwd',
  'relu_bwd4',
  'swap_outer',
  'maxpool_fwd',
  'maxpool_bwd',
  'col_sums',
  'bn_sums',
  'bn_forward',
  'bn_affine_int',
  'bn_backward',
  'add_scaled',
  'avgpool_fwd',
  'avgpool_bwd',
] as const;

export type KernelExports = Record<(typeof NAMES)[number], WasmFn>;

/** The kernel functions of an instance; throws naming the first one missing (a stale build). */
export function kernelExports(inst: WasmInstance): KernelExports {
  const out: Partial<KernelExports> = {};
  for (const name of NAMES) {
    const f = inst.exports[name];
    if (typeof f !== 'function') {
      throw new Error(`lowbit.wasm has no export "${name}": rebuild it with npm run build:wasm`);
    }
    out[name] = f;
  }
  return out as KernelExports;
}
