// SPDX-License-Identifier: MIT
// The integer passes of a 2-D convolution over NCHW mantissas, each choosing its algorithm:
// exact Winograd F(2x2,3x3) where ops/winograd.ts's rule takes it (3x3 stride 1, int8), else
// im2col + one batch-wide GEMM. Results are the direct convolution's integers either way.
//   forward:  y (N,OC,OH,OW) = conv(x (N,C,H,W), w (OC,C,KH,KW)) (+ bias), int32 or exact f64
//   dx:       (N,C,H,W) from e (N,OC,OH,OW): Winograd, or dcol = W^T e' and col2im
//   dW:       (OC,C*KH*KW) = e' col^T, e' = e as (OC, N*OH*OW); or, for int16 stride-1
//             'same' convs where the kernels have it, read from x's shifted planes (no col)
// int8 weights against int16 activations or errors (WAGEUBN) run, where the kernels have
// them, as the int8 direct convs over the int16 operand split into two int8 halves
// (Kernels.conv_int8_int16, conv_input_grad_int8_int16): stride-1 'same' forwards, dx of
// stride-1 and large stride-2 convs, wherever max |w| and max |x| (or |e|) bound the sums
// within int32.
// Conv2d calls these; bench/conv-shapes.ts measures them at ResNet shapes. Each pass lives in
// its own file (conv-forward.ts, conv-weight-grad.ts, conv-input-grad.ts, conv-f32.ts; what
// they share in conv-common.ts); this module is their one import path.

export { IMPLICIT_MIN_PIXELS, implicitF32, windowsCover, type KnownMax } from './conv-common.js';
export { convForwardInt, type ConvBias, type ConvForwardInt } from './conv-forward.js';
export {
  convWeightGradInt,
  convWeightGradIntDirect,
  errorRows,
  weightGradInt8Direct,
} from './conv-weight-grad.js';
export { convInputGradInt, inputGradBound } from './conv-input-grad.js';
export { convDirectF32, convGemmF32, convInputGradF32, directF32 } from './conv-f32.js';
