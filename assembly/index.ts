// SPDX-License-Identifier: MIT
// lowbit's WebAssembly SIMD128 kernels (AssemblyScript). Raw pointers into linear memory,
// no managed objects: the TypeScript side (src/kernels/wasm/) lays out operands and scratch.
// Every export here is declared with its typed signature in src/kernels/wasm/exports.ts (the
// loader checks names and parameter counts); numeric codes live in codes.ts.

// Integer GEMM: the dispatcher and its three routes, each callable on its own.
export { gemm_i16_i32acc, gemm_i16_i32acc__blocked, gemm_int_scratch_bytes } from './gemm_int';
export {
  gemm_i16_i32acc__dot,
  gemm_i16_i32acc__smallm,
  gemm_smallm_scratch_bytes,
} from './gemm_dot';
export { gemm_i16_f64acc } from './gemm_wide';
export { gemm_i16_f64acc__dot } from './gemm_wide_dot';
export {
  winograd_error,
  winograd_filter,
  winograd_input,
  winograd_scratch_bytes,
  winograd_wgrad,
} from './winograd';
export { winograd_conv, winograd_conv_scratch_bytes } from './winograd_conv';
export { gemm_f32, gemm_f32_scratch_bytes } from './gemm_f32';
export {
  im2col_x8,
  im2col_x16,
  im2col_x32,
  im2col_x64,
  im2col_rows,
  col2im_f32,
  col2im_f32_rows,
  col2im_i32,
  col2im_f64,
} from './im2col';
export { quantize } from './quantize';
export { requantize } from './requantize';
export { minmax, add_i32_to_f64 } from './reduce';
export { sum_abs } from './sum_abs';

/** First byte after static data: the TypeScript side allocates from here. */
export function heap_base(): usize {
  return __heap_base;
}
export { zero_bytes, relu_fwd, relu_bwd4, swap_outer, swap_outer_rows } from './layers';
export { maxpool_fwd, maxpool_bwd, col_sums } from './pool';
export { lstm_fwd_fixed } from './lstm';
export { lstm_bwd_f32 } from './lstm_backward';
export { lstm_fwd_float, lstm_bwd_float, float_fn_f64 } from './lstm_float';
export { softmax_fixed, softmax_bwd } from './softmax';
export { scale_to_f32, axpy_f64, sum_rows_f64 } from './convert';
export { bn_sums } from './norm_sums';
export { bn_forward, bn_affine_int } from './norm';
export { bn_backward } from './norm-backward';
export { bn_xhat_int } from './norm_xhat';
export { layernorm_forward, layernorm_backward } from './layernorm';
export { add_scaled } from './add';
export { avgpool_fwd, avgpool_bwd } from './avgpool';
export { flag_quantize } from './flag';
export {
  round_to_grid_f32,
  sgd_momentum_f32,
  sgd_update_f32,
  add_inplace_f32,
  sub_inplace_f32,
  kahan_carry_f32,
  adam_moments_f32,
  adam_update_f32,
  wageubn_momentum_f32,
} from './optim';
