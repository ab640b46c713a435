// SPDX-License-Identifier: MIT
// The float32 passes of a 2-D convolution (an operand left float by the scheme): the direct
// and implicit-GEMM forwards, and dx as a forward conv of e where the kernels prefer it.

import type { ConvGeom, Kernels } from '../kernels/spec.js';
import { stepLike, type StepScope } from '../kernels/step-array.js';
import { countMacs } from './macs.js';
import { implicitF32 } from './conv-common.js';
import { errorConvGeom, rotatedFilter } from './conv-input-grad.js';

/**
 * float32 dx (N, C, H, W) of a stride-1 'same' conv from e (N, OC, H, W) and w (OC, C, KH, KW)
 * as a forward conv of e where the kernels prefer it (Kernels.preferInputGradAsConvF32):
 * col_e (OC*KH*KW, N*H*W) = im2col(e), dx' (C, N*H*W) = rot(w) (C, OC*KH*KW) col_e, then
 * (C, N, H*W) -> (N, C, H*W). The direct sums of dcol + col2im in another order, and no
 * float32 dcol (C*KH*KW, N*H*W) written and read back. null: the caller takes dcol + col2im.
 */
export function convInputGradF32(
  k: Kernels,
  g: ConvGeom,
  e: Float32Array,
  w: Float32Array,
  OC: number,
  at?: StepScope | null,
): Float32Array | null {
  const d = k.preferInputGradAsConvF32?.(g) ? errorConvGeom(g, OC) : null;
  if (!d) return null;
  const KK = g.KH * g.KW;
  const Q = g.N * g.H * g.W;
  if (directF32(k, d)) {
    // Straight into dx (N, C, H, W): no im2col of e, no layout swap; the kernel reads w
    // rotated (a JavaScript copy of w took ~4 ms of a ResNet-20 step).
    const dx = stepLike(at, e, g.N * g.C * g.H * g.W, false);
    convDirectF32(k, d, w, g.C, e, dx, true);
    return dx;
  }
  const wr = rotatedFilter(w, OC, g.C, KK);
  const y = stepLike(at, e, g.C * Q, false);
  convGemmF32(k, d, wr, g.C, e, y, at);
  const dx = stepLike(at, e, g.N * g.C * g.H * g.W, false);
  k.swap_outer(y, g.C, g.N, g.H * g.W, null, dx);
  return dx;
}

/** Whether the float32 forward conv of geometry g runs direct (Kernels.conv_direct_f32). */
export function directF32(k: Kernels, g: ConvGeom): boolean {
  return !!k.conv_direct_f32 && !!k.preferConvDirectF32?.(g);
}

/**
 * y (N, M, OH*OW) = conv(x (N, C, H, W), w (M, C*KH*KW)) in float32 by Kernels.conv_direct_f32
 * (where directF32 takes g): the bits of convGemmF32 then swap_outer. rotated: w is (C, M,
 * KH*KW), taken as rotatedFilter(w) (Kernels.conv_direct_f32).
 */
export function convDirectF32(
  k: Kernels,
  g: ConvGeom,
  w: Float32Array,
  M: number,
  x: Float32Array,
  y: Float32Array,
  rotated = false,
): void {
  countMacs(w, x, M * g.N * g.OH * g.OW * g.C * g.KH * g.KW);
  if (rotated) k.conv_direct_f32!(g, w, M, x, y, true);
  else k.conv_direct_f32!(g, w, M, x, y);
}

/**
 * y (M, N*OH*OW) = w (M, C*KH*KW) x im2col(x) in float32: the kernels' conv_gemm_f32 where
 * implicitF32 takes it (no im2col matrix), else im2col into the step workspace and gemm_f32.
 */
export function convGemmF32(
  k: Kernels,
  g: ConvGeom,
  w: Float32Array,
  M: number,
  x: Float32Array,
  y: Float32Array,
  at?: StepScope | null,
): void {
  const K = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  countMacs(w, x, M * Q * K);
  if (implicitF32(k, g)) {
    k.conv_gemm_f32!(g, w, M, x, y);
    return;
  }
  const col = stepLike(at, x, K * Q, false);
  k.im2col(g, x, col);
  k.gemm_f32({ M, N: Q, K }, w, col, y);
}
