// SPDX-License-Identifier: MIT
// The kernel ABI: every export of assembly/index.ts with its typed signature, checked at load
// (name, function, parameter count). To add a kernel: export it from assembly/index.ts, declare
// it in KernelExports (kernel-exports.ts), give its parameter count in PARAMS (the compiler checks the count
// against the declaration; the loader checks it against the module). Codes: codes.ts.

import type { WasmFn, WasmInstance } from './wasm-api.js';
import type { ArgsOf, ExportName, KernelExports } from './kernel-exports.js';

// The ABI's types are declared in abi-args.ts and kernel-exports.ts; importers find them here.
export type {
  F64,
  Flag,
  GemmDotArgs,
  GemmWideDotArgs,
  GemmF32Args,
  GemmIntArgs,
  GemmSmallMArgs,
  GemmWideArgs,
  I32,
  OperandBytes,
  Ptr,
  WideKind,
} from './abi-args.js';
export type { ArgsOf, ExportName, KernelExports } from './kernel-exports.js';

/** Parameter count of every export; the compiler checks each against KernelExports. */
const PARAMS: { readonly [F in ExportName]: ArgsOf<F>['length'] } = {
  heap_base: 0,
  gemm_i16_i32acc: 15,
  gemm_i16_i32acc__blocked: 15,
  gemm_i16_i32acc__smallm: 13,
  gemm_i16_i32acc__dot: 12,
  gemm_i16_f64acc: 18,
  gemm_i16_f64acc__dot: 13,
  gemm_int_scratch_bytes: 0,
  gemm_smallm_scratch_bytes: 1,
  gemm_f32: 13,
  gemm_f32_scratch_bytes: 0,
  im2col_x8: 3,
  im2col_x16: 3,
  im2col_x32: 3,
  im2col_x64: 3,
  im2col_rows: 6,
  col2im_f32: 3,
  col2im_f32_rows: 5,
  col2im_i32: 3,
  col2im_f64: 3,
  quantize: 11,
  requantize: 14,
  flag_quantize: 9,
  minmax: 4,
  sum_abs: 4,
  add_i32_to_f64: 3,
  zero_bytes: 2,
  relu_fwd: 5,
  relu_bwd4: 5,
  swap_outer: 8,
  swap_outer_rows: 10,
  maxpool_fwd: 11,
  maxpool_bwd: 11,
  col_sums: 6,
  lstm_fwd_fixed: 17,
  lstm_bwd_f32: 14,
  lstm_fwd_float: 13,
  lstm_bwd_float: 12,
  float_fn_f64: 4,
  softmax_fixed: 8,
  softmax_bwd: 8,
  layernorm_forward: 11,
  layernorm_backward: 10,
  scale_to_f32: 5,
  axpy_f64: 5,
  sum_rows_f64: 4,
  winograd_filter: 4,
  winograd_input: 7,
  winograd_conv: 9,
  winograd_conv_scratch_bytes: 2,
  bn_xhat_int: 9,
  winograd_error: 8,
  winograd_wgrad: 6,
  winograd_scratch_bytes: 1,
  bn_sums: 9,
  bn_forward: 11,
  bn_affine_int: 10,
  bn_backward: 12,
  add_scaled: 14,
  avgpool_fwd: 14,
  avgpool_bwd: 15,
  round_to_grid_f32: 9,
  sgd_momentum_f32: 6,
  sgd_update_f32: 7,
  add_inplace_f32: 3,
  sub_inplace_f32: 3,
  kahan_carry_f32: 4,
  adam_moments_f32: 8,
  adam_update_f32: 9,
  wageubn_momentum_f32: 13,
};

export const EXPORT_NAMES = Object.freeze(Object.keys(PARAMS)) as readonly ExportName[];

/** Parameter count the ABI declares for an export. */
export function paramCount(name: ExportName): number {
  return PARAMS[name];
}

/** The export `name` of an instance, checked: a function taking the declared parameter count. */
function checked(inst: WasmInstance, name: ExportName): WasmFn {
  const f = inst.exports[name];
  if (typeof f !== 'function') {
    throw new Error(`lowbit.wasm has no export "${name}": rebuild it with npm run build:wasm`);
  }
  if (f.length !== PARAMS[name]) {
    throw new Error(
      `lowbit.wasm export "${name}" takes ${f.length} parameters, the ABI declares ` +
        `${PARAMS[name]}: rebuild it with npm run build:wasm (or fix src/kernels/wasm/exports.ts)`,
    );
  }
  return f;
}

/** The untyped functions behind each typed view (for callWithArgs). */
const untyped = new WeakMap<KernelExports, Readonly<Record<ExportName, WasmFn>>>();

/**
 * The typed kernel exports of an instance; throws naming the first export that is missing or
 * takes another parameter count than declared (a stale build).
 */
export function kernelExports(inst: WasmInstance): KernelExports {
  const out: Partial<Record<ExportName, WasmFn>> = {};
  for (const name of EXPORT_NAMES) out[name] = checked(inst, name);
  // Every name was checked above, and a WasmFn (numbers in, a number out) is callable as each
  // declared signature.
  const fns = out as Record<ExportName, WasmFn>;
  const ex: KernelExports = fns;
  untyped.set(ex, fns);
  return ex;
}

/**
 * Calls export `name` with arguments read from untyped storage (a worker's slot of the shared
 * control block), checking their count.
 */
export function callWithArgs(ex: KernelExports, name: ExportName, args: readonly number[]): void {
  const fns = untyped.get(ex);
  if (!fns) throw new Error('callWithArgs: not a loaded kernel module');
  if (args.length !== PARAMS[name]) {
    throw new Error(`${name}: ${args.length} arguments, the ABI declares ${PARAMS[name]}`);
  }
  fns[name](...args);
}
