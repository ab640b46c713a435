// SPDX-License-Identifier: MIT
// The reference backend: plain TypeScript kernels, the definition of correct.

import type { Kernels } from '../spec.js';
import { gemm_f32, gemm_int } from './gemm.js';
import { im2col, col2im } from './im2col.js';
import { relu, relu_backward, swap_outer } from './layers.js';
import { col_sums, maxpool, maxpool_backward } from './pool.js';
import { maxAbs, quantizeInto, requantizeInto } from '../../quant/quantize.js';
import { lstm_bwd_f32, lstm_fwd_fixed } from './lstm.js';
import { softmax_bwd, softmax_fixed } from './softmax.js';
import { axpy_f64, scale_to_f32, sum_rows_f64 } from './convert.js';

export const refKernels: Kernels = {
  name: 'ref',
  gemm_f32,
  gemm_int,
  im2col,
  col2im,
  quantize: quantizeInto,
  requantize: requantizeInto,
  maxAbs: (x) => maxAbs(x),
  relu,
  relu_backward,
  swap_outer,
  maxpool,
  maxpool_backward,
  col_sums,
  lstm_fwd_fixed,
  lstm_bwd_f32,
  softmax_fixed,
  softmax_bwd,
  scale_to_f32,
  axpy_f64,
  sum_rows_f64,
};
