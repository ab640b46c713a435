// SPDX-License-Identifier: MIT
// The integer forward of a 2-D convolution over NCHW mantissas: exact Winograd F(2x2,3x3)
// where ops/winograd.ts's rule takes it (3x3 stride 1, int8), the int8 direct conv or its
// int8 x int16 halves where the kernels have them, else im2col + one batch-wide GEMM:
//   y (N,OC,OH,OW) = conv(x (N,C,H,W), w (OC,C,KH,KW)) (+ bias), int32 or exact f64.

import type { ConvGeom, Kernels } from '../kernels/spec.js';
import type { IntArray } from '../tensor/dtype.js';
import { stepArray, stepLike, type StepScope } from '../kernels/step-array.js';
import { INT32_LIMIT, intGemm, typeMax } from './intgemm.js';
import { countMacs } from './macs.js';
import { winogradFor, winogradForward } from './winograd.js';
import { colMax, implicitIntConv, maxOf, windowsCover, type KnownMax } from './conv-common.js';

export interface ConvForwardInt {
  /** y (N, OC, OH, OW): int32, or exact float64 where int32 could overflow. */
  readonly y: Int32Array | Float64Array;
  /** The im2col matrix (C*KH*KW, N*OH*OW) when the forward built one (the GEMM path). */
  readonly col: IntArray | null;
}

/** The conv's integer bias: mantissas at the output's exponent and their max |b|. */
export interface ConvBias {
  readonly mant: Float64Array;
  readonly maxAbs: number;
}

/** y = conv(x, w) + bias on mantissas (x (N,C,H,W), w (OC,C,KH,KW)). */
export function convForwardInt(
  k: Kernels,
  g: ConvGeom,
  x: IntArray,
  w: IntArray,
  OC: number,
  bias: ConvBias | null,
  at?: StepScope | null,
  keepCol = true,
  known?: KnownMax,
): ConvForwardInt {
  if (x instanceof Int8Array && w instanceof Int8Array && winogradFor(g, g.C, bias?.maxAbs, k)) {
    const y = winogradForward(k, g, x, w, OC, bias ? bias.mant : null, at);
    // The direct product's MACs: (OC, N*OH*OW) = (OC, C*KH*KW) (C*KH*KW, N*OH*OW).
    countMacs(x, w, OC * g.N * g.OH * g.OW * g.C * g.KH * g.KW);
    return { y, col: null };
  }
  const CKK = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  const extra = bias ? bias.maxAbs : 0;
  const need = CKK * typeMax(w) * typeMax(x) + extra > INT32_LIMIT;
  if (
    x instanceof Int16Array &&
    w instanceof Int8Array &&
    k.conv_int8_int16 &&
    !at?.observer?.gemm &&
    (!need || CKK * maxOf(k, w, known) * maxOf(k, x, known) + extra <= INT32_LIMIT)
  ) {
    // int16 x (WAGEUBN's activations past 1, an int16 error's dx as a conv): the int8 direct
    // conv over x split into two int8 halves, no im2col matrix. int32 from the bound im2col +
    // gemm_int would take (a 'same' conv's windows cover x: max |col| = max |x|).
    const y = stepArray(at, 'int32', OC * Q, false);
    if (k.conv_int8_int16(g, w, OC, x, bias ? bias.mant : null, y)) {
      countMacs(w, x, OC * Q * CKK);
      return { y, col: null };
    }
  }
  if (k.conv_gemm_int_nchw && !need && implicitIntConv(g, x, keepCol) && !at?.observer?.gemm) {
    // As below, written straight as (N, OC, R) with the bias: no (OC, N*R) array, no swap.
    const y = stepArray(at, 'int32', OC * Q, false);
    k.conv_gemm_int_nchw(g, w, OC, x, bias ? bias.mant : null, y);
    countMacs(w, x, OC * Q * CKK);
    return { y, col: null };
  }
  if (k.conv_gemm_int && !need && implicitIntConv(g, x, keepCol) && !at?.observer?.gemm) {
    // int32 by the types alone: the GEMM without the im2col matrix (backward builds it for dW).
    const acc = stepArray(at, 'int32', OC * Q, false);
    k.conv_gemm_int(g, w, OC, x, acc);
    countMacs(w, x, OC * Q * CKK);
    const y = stepLike(at, acc, acc.length, false);
    k.swap_outer(acc, OC, g.N, g.OH * g.OW, bias ? bias.mant : null, y);
    return { y, col: null };
  }
  if (k.conv_gemm_int_f64_nchw && need && !keepCol && !at?.observer?.gemm && windowsCover(g)) {
    // Sums that may pass int32 (int16 operands): intGemm below would take max |w| and max
    // |col| = max |x| (the windows cover x) and pick float64 past int32; the same choice here,
    // and then y straight as (N, OC, R) float64 from x's planes, image by image (no im2col
    // matrix, no swap). At ResNet-20's int16 convs the matrix alone took ~25 ms of a step.
    const mw = maxOf(k, w, known);
    const mx = maxOf(k, x, known);
    const bound = CKK * mw * mx + extra;
    if (bound > INT32_LIMIT && bound <= 2 ** 53) {
      const y = stepArray(at, 'float64', OC * Q, false);
      k.conv_gemm_int_f64_nchw(g, w, OC, x, bias ? bias.mant : null, y, mw, mx);
      countMacs(w, x, OC * Q * CKK);
      return { y, col: null };
    }
  }
  const col = stepLike(at, x, CKK * Q, false);
  k.im2col(g, x, col);
  const acc = intGemm(k, { M: OC, N: Q, K: CKK }, w, col, extra, at, {
    b: colMax(k, g, x, need, known),
  });
  // (OC, N, R) -> (N, OC, R) with the bias added on the way.
  const y = stepLike(at, acc, acc.length, false);
  k.swap_outer(acc, OC, g.N, g.OH * g.OW, bias ? bias.mant : null, y);
  return { y, col };
}
