// SPDX-License-Identifier: MIT
// The reference backend: plain TypeScript kernels, the definition of correct.

import type { Kernels } from '../spec.js';
import { gemm_f32, gemm_f32_batch, gemm_int, gemm_int_batch } from './gemm.js';
import { im2col, col2im } from './im2col.js';
import { add_scaled, relu, relu_backward, relu_backward_max, swap_outer } from './layers.js';
import {
  bn_affine_int,
  bn_affine_int_max,
  bn_backward,
  bn_backward_flag,
  bn_backward_max,
  bn_forward,
  bn_sums,
  bn_xhat_int,
} from './norm.js';
import { layernorm_backward, layernorm_forward } from './layernorm.js';
import { avgpool, avgpool_backward } from './avgpool.js';
import { col_sums, maxpool, maxpool_backward } from './pool.js';
import { countAbsAtLeast, maxAbs, quantizeInto, requantizeInto } from '../../quant/quantize.js';
import { sumAbs } from '../../quant/sum-abs.js';
import { lstm_bwd_f32, lstm_fwd_fixed } from './lstm.js';
import { float_fn_f64, lstm_bwd_float, lstm_fwd_float } from './lstm-float.js';
import { softmax_bwd, softmax_fixed } from './softmax.js';
import { axpy_f64, scale_to_f32, sum_rows_f64 } from './convert.js';
import {
  winograd_error,
  winograd_filter,
  winograd_input,
  winograd_conv,
  winograd_wgrad,
} from './winograd.js';
import { flag_quantize, minMax } from './flag.js';
import * as optim from './optim.js';

export const refKernels: Kernels = {
  name: 'ref',
  gemm_f32,
  gemm_int,
  gemm_f32_batch,
  gemm_int_batch,
  im2col,
  col2im,
  quantize: quantizeInto,
  requantize: requantizeInto,
  maxAbs: (x) => maxAbs(x),
  sum_abs: sumAbs,
  count_abs_at_least: countAbsAtLeast,
  minMax,
  flag_quantize,
  relu,
  relu_backward,
  relu_backward_max,
  swap_outer,
  maxpool,
  maxpool_backward,
  col_sums,
  lstm_fwd_fixed,
  lstm_bwd_f32,
  lstm_fwd_float,
  lstm_bwd_float,
  float_fn_f64,
  softmax_fixed,
  softmax_bwd,
  scale_to_f32,
  axpy_f64,
  sum_rows_f64,
  winograd_filter,
  winograd_input,
  winograd_conv,
  winograd_error,
  winograd_wgrad,
  bn_sums,
  bn_forward,
  bn_affine_int,
  bn_affine_int_max,
  bn_xhat_int,
  bn_backward,
  bn_backward_max,
  bn_backward_flag,
  layernorm_forward,
  layernorm_backward,
  add_scaled,
  avgpool,
  avgpool_backward,
  ...optim,
};
