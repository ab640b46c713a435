// SPDX-License-Identifier: MIT
// The integer input gradient of a 2-D convolution: dx (N,C,H,W) from e (N,OC,OH,OW) by
// Winograd, by the int8 direct conv of e with the rotated filter (or its int8 x int16 halves),
// or as dcol = W^T e' and col2im; the direct sums whichever route, int32 or exact f64.

import type { ConvGeom, Kernels } from '../kernels/spec.js';
import type { IntArray } from '../tensor/dtype.js';
import { stepArray, type StepScope } from '../kernels/step-array.js';
import { allocAcc, INT32_LIMIT, intGemm, maxAbsMant, typeMax } from './intgemm.js';
import { countMacs } from './macs.js';
import { winogradFor, winogradInputGrad } from './winograd.js';
import { IMPLICIT_MIN_PIXELS, maxOf, type KnownMax } from './conv-common.js';
import { convForwardInt } from './conv-forward.js';

/**
 * A bound on |dx| of convInputGradInt from the operand types alone (both routes give the
 * direct sums): each dx element sums at most ceil(K/stride)^2 taps of OC channels.
 * Infinity for wider than 16-bit operands.
 */
export function inputGradBound(g: ConvGeom, OC: number, e: IntArray, w: IntArray): number {
  const overlap = Math.ceil(g.KH / g.strideH) * Math.ceil(g.KW / g.strideW);
  return overlap * OC * typeMax(w) * typeMax(e);
}

/**
 * inputGradBound from max |w| and max |e| where the operand types do not settle it within
 * int32 (scanned then; w and e are as small as dx).
 */
function inputGradBoundByValues(
  k: Kernels,
  g: ConvGeom,
  OC: number,
  e: IntArray,
  w: IntArray,
  known?: KnownMax,
): number {
  const byTypes = inputGradBound(g, OC, e, w);
  if (byTypes <= INT32_LIMIT) return byTypes;
  const overlap = Math.ceil(g.KH / g.strideH) * Math.ceil(g.KW / g.strideW);
  return overlap * OC * maxOf(k, w, known) * maxOf(k, e, known);
}

/**
 * The geometry of dx as a forward conv of e, where that is exact in int32 and counts the same
 * multiply-adds: a stride-1 'same' conv (OH = H, OW = W, pad < kernel) whose dx bound from the
 * operand types fits int32. dx is then the full correlation of e (N, OC, H, W) with w rotated
 * 180 degrees and its channels swapped, padding K - 1 - pad: im2col of e (OC*KH*KW, N*H*W) and
 * one GEMM of depth OC*KH*KW, instead of an int32 dcol KH*KW times larger than dx and col2im.
 * Same integers; null where the dcol route stays.
 */
function inputGradAsConv(g: ConvGeom, OC: number, e: IntArray, w: IntArray): ConvGeom | null {
  if (!(e instanceof Int8Array || e instanceof Int16Array)) return null;
  if (!(w instanceof Int8Array || w instanceof Int16Array)) return null;
  if (g.KH * g.KW * OC * typeMax(w) * typeMax(e) > INT32_LIMIT) return null;
  return errorConvGeom(g, OC);
}

/**
 * inputGradAsConv where the operand types do not bound dx within int32 but the values do
 * (WAGEUBN's int16 errors of ~8 bits against int8 weights, 64 channels: 9 * 64 * 128 * 32768
 * > 2^31): max |w| and max |e| scanned (e as small as dx). The dcol route would then give an
 * int32 dx of the same integers (its bound from the same two maxima); the forward conv of e
 * skips the int32 dcol (KH*KW times dx) and col2im.
 * Also where even one tap's sum over OC passes int32 (OC * max|w| * max|e| > 2^31: int16
 * weights and errors near full range): the dcol route's dcol is then float64 and so is its dx,
 * and the forward conv's accumulator is float64 too (its bound, KH*KW*OC*max|w|*max|e|, is
 * larger), with the same exact integers below 2^53. At ResNet-20's 32x32 int16 convs the
 * float64 dcol (144 x 32768, 38 MB) and its col2im took ~60 ms of a ~200 ms step.
 */
function inputGradAsConvByValues(
  k: Kernels,
  g: ConvGeom,
  OC: number,
  e: IntArray,
  w: IntArray,
  known?: KnownMax,
): ConvGeom | null {
  if (!(e instanceof Int8Array || e instanceof Int16Array)) return null;
  if (!(w instanceof Int8Array || w instanceof Int16Array)) return null;
  const d = errorConvGeom(g, OC);
  if (!d) return null;
  const mw = maxOf(k, w, known);
  const me = maxOf(k, e, known);
  const bound = g.KH * g.KW * OC * mw * me;
  if (bound <= INT32_LIMIT) return d;
  return OC * mw * me > INT32_LIMIT && bound <= 2 ** 53 ? d : null;
}

/**
 * The geometry of dx as a forward conv of e (N, OC, H, W) for a stride-1 'same' conv (OH = H,
 * OW = W, pad < kernel): padding K - 1 - pad, OC input channels; null for other convs.
 */
export function errorConvGeom(g: ConvGeom, OC: number): ConvGeom | null {
  const same = g.strideH === 1 && g.strideW === 1 && g.OH === g.H && g.OW === g.W;
  if (!same || g.padH >= g.KH || g.padW >= g.KW) return null;
  return {
    N: g.N,
    C: OC,
    H: g.OH,
    W: g.OW,
    KH: g.KH,
    KW: g.KW,
    strideH: 1,
    strideW: 1,
    padH: g.KH - 1 - g.padH,
    padW: g.KW - 1 - g.padW,
    OH: g.H,
    OW: g.W,
  };
}

/** w (OC, C, KK) -> (C, OC, KK) with each filter's KK = KH*KW taps reversed (180 degrees). */
export function rotatedFilter<T extends IntArray | Float32Array>(
  w: T,
  OC: number,
  C: number,
  KK: number,
): T {
  const out = new (w.constructor as new (n: number) => T)(C * OC * KK);
  for (let o = 0; o < OC; o++)
    for (let c = 0; c < C; c++)
      for (let t = 0; t < KK; t++) out[(c * OC + o) * KK + KK - 1 - t] = w[(o * C + c) * KK + t];
  return out;
}

/**
 * dx (N, C, H, W) for e (N, OC, OH, OW): Winograd where the rule takes it, else dcol = W^T e'
 * (eRows() gives e' (OC, N*OH*OW)) and col2im. int32, or exact float64 where int32 could
 * overflow.
 */
export function convInputGradInt(
  k: Kernels,
  g: ConvGeom,
  e: IntArray,
  eRows: () => IntArray,
  w: IntArray,
  OC: number,
  at?: StepScope | null,
  known?: KnownMax,
): Int32Array | Float64Array {
  // dx of a 3x3 stride-1 conv: the Winograd forward of e, channels summed over OC.
  if (e instanceof Int8Array && w instanceof Int8Array && winogradFor(g, OC, 0, k, 'inputGrad')) {
    // The direct product's MACs: dcol (C*KH*KW, N*OH*OW) = W^T (C*KH*KW, OC) e' (OC, N*OH*OW).
    countMacs(e, w, g.C * g.KH * g.KW * g.N * g.OH * g.OW * OC);
    return winogradInputGrad(k, g, e, w, OC, at);
  }
  // int8: the transposed conv read from e's planes where the kernels have it (stride-1 and
  // stride-2 convs; no rotated filter copy, no dcol KH*KW times dx and no col2im). Strided
  // convs multiply the upsampled error's zeros too (4 times the products at stride 2): taken
  // for kernels of several taps and outputs of IMPLICIT_MIN_PIXELS or more, where the dcol is
  // largest. At ResNet-20's (native, 1 thread, load ~5 on 2 cores; the error's rows swap,
  // shared with dW there, counted): 3x3 16 -> 32 on 32x32 planes 0.83 ms against 1.65 for
  // swap + gemm_int + col2im, 32 -> 64 on 16x16 0.81 against 0.84, 1x1 0.27-0.48 against
  // 0.23-0.60.
  const strided = g.strideH > 1 || g.strideW > 1;
  const upsampled = g.KH * g.KW > 1 && g.OH * g.OW >= IMPLICIT_MIN_PIXELS;
  if (
    e instanceof Int8Array &&
    w instanceof Int8Array &&
    k.conv_input_grad_int8 &&
    (!strided || upsampled) &&
    !at?.observer?.gemm &&
    inputGradBound(g, OC, e, w) <= INT32_LIMIT
  ) {
    const dx = stepArray(at, 'int32', g.N * g.C * g.H * g.W, false);
    if (k.conv_input_grad_int8(g, e, OC, w, dx)) {
      countMacs(e, w, g.C * g.KH * g.KW * g.N * g.OH * g.OW * OC);
      return dx;
    }
  }
  // int16 e (WAGEUBN's errors): the same transposed conv over e split into two int8 halves,
  // where max |w| and max |e| bound dx within int32 (then dx is int32 on every route below).
  if (
    e instanceof Int16Array &&
    w instanceof Int8Array &&
    k.conv_input_grad_int8_int16 &&
    (!strided || upsampled) &&
    !at?.observer?.gemm &&
    inputGradBoundByValues(k, g, OC, e, w, known) <= INT32_LIMIT
  ) {
    const dx = stepArray(at, 'int32', g.N * g.C * g.H * g.W, false);
    if (k.conv_input_grad_int8_int16(g, e, OC, w, dx)) {
      countMacs(e, w, g.C * g.KH * g.KW * g.N * g.OH * g.OW * OC);
      return dx;
    }
  }
  const direct = inputGradAsConv(g, OC, e, w) ?? inputGradAsConvByValues(k, g, OC, e, w, known);
  if (direct) {
    const wr = rotatedFilter(w, OC, g.C, g.KH * g.KW);
    return convForwardInt(k, direct, e, wr, g.C, null, at, false, known).y;
  }
  const CKK = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  const er = eRows();
  // The operands' max, scanned once for the GEMM and the dx bound, where the types do not
  // settle both (int16: a dcol scan would read CKK times more than e).
  const wide = OC * typeMax(w) * typeMax(er) > INT32_LIMIT;
  const mw = wide ? maxAbsMant(k, w) : undefined;
  // e' is e's elements in another order: e's max where known.
  const me = wide ? (known?.get(e) ?? maxAbsMant(k, er)) : undefined;
  const dcol = intGemm(k, { M: CKK, N: Q, K: OC, transA: true }, w, er, 0, at, { a: mw, b: me });
  // Each dx element sums at most ceil(K/stride)^2 dcol entries: bound the accumulator, by the
  // operand types when that already fits int32 (no scan of dcol). col2im needs one type for
  // dcol and dx: float64 for both when either is.
  const overlap = Math.ceil(g.KH / g.strideH) * Math.ceil(g.KW / g.strideW);
  // A float64 dcol makes dx float64 whatever its values: its operands' bound then only has to
  // stay below 2^53 (else the scan decides, and allocAcc may refuse).
  const typeBound = overlap * OC * typeMax(w) * typeMax(er);
  const opBound = mw !== undefined && me !== undefined ? overlap * OC * mw * me : Infinity;
  // An int32 dcol whose dx the types do not bound: max |w| and max |e| (OC*KH*KW and CKK times
  // fewer elements than dcol) bound |dx| first; where that fits int32, the dcol scan would
  // choose int32 too (overlap * max|dcol| <= it), so dx's type is the same, without the scan.
  const byOperands = () =>
    overlap * OC * (mw ?? maxAbsMant(k, w)) * (me ?? known?.get(e) ?? maxAbsMant(k, er));
  let bound: number;
  if (typeBound <= INT32_LIMIT && dcol instanceof Int32Array) bound = typeBound;
  else if (dcol instanceof Float64Array && opBound <= 2 ** 53)
    bound = Math.max(opBound, INT32_LIMIT + 1);
  else {
    const ops = dcol instanceof Int32Array ? byOperands() : Infinity;
    bound =
      ops <= INT32_LIMIT
        ? ops
        : Math.max(
            overlap * maxAbsMant(k, dcol),
            dcol instanceof Float64Array ? INT32_LIMIT + 1 : 0,
          );
  }
  const dx = allocAcc(bound, g.N * g.C * g.H * g.W, at, false); // col2im zeroes it
  if (dx instanceof Float64Array)
    k.col2im(g, dcol instanceof Float64Array ? dcol : Float64Array.from(dcol), dx);
  else if (dcol instanceof Int32Array) k.col2im(g, dcol, dx);
  else throw new Error('conv: a float64 dcol must give a float64 dx'); // the bound above
  return dx;
}
