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
// Conv2d calls these; bench/conv-shapes.ts measures them at ResNet shapes.

import type { ConvGeom, Kernels } from '../kernels/spec.js';
import type { IntArray, MantArray } from '../tensor/dtype.js';
import { stepArray, stepLike, type StepScope } from '../kernels/step-array.js';
import { allocAcc, INT32_LIMIT, intGemm, maxAbsMant, typeMax } from './intgemm.js';
import { countMacs } from './macs.js';
import { winogradFor, winogradForward, winogradInputGrad } from './winograd.js';

/**
 * Exact max |mantissa| of operands whose producer computed it on the way (Tensor.mantMax: the
 * WAGEUBN A and E quantizers), by array: the bounds below read them instead of scanning.
 */
export type KnownMax = ReadonlyMap<MantArray, number>;

/** max |m|: known, else a scan. */
const maxOf = (k: Kernels, m: MantArray, known?: KnownMax): number =>
  known?.get(m) ?? maxAbsMant(k, m);

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

/**
 * Whether every input pixel lies in some window (stride <= kernel, and the last window reaches
 * the last row and column): im2col(x) then holds every element of x besides padding zeros.
 */
export function windowsCover(g: ConvGeom): boolean {
  const axis = (n: number, k: number, s: number, p: number, o: number) =>
    s <= k && (o - 1) * s - p + k >= n;
  return axis(g.H, g.KH, g.strideH, g.padH, g.OH) && axis(g.W, g.KW, g.strideW, g.padW, g.OW);
}

/**
 * max |im2col(x)| without scanning the (KH*KW times larger) matrix: max |x| where the windows
 * cover x, else undefined (the GEMM scans the matrix). Only asked for when the operand types
 * alone do not bound the GEMM within int32 (`need`).
 */
function colMax(
  k: Kernels,
  g: ConvGeom,
  x: IntArray,
  need: boolean,
  known?: KnownMax,
): number | undefined {
  return need && windowsCover(g) ? maxOf(k, x, known) : undefined;
}

/**
 * Whether the integer forward builds its im2col columns slice by slice (Kernels.conv_gemm_int)
 * rather than the whole matrix: for int16 inputs (an error conv's int16 errors) on planes of
 * 256+ pixels, and for int8 inputs of stride-1 convs with OW = W whose matrix nobody keeps
 * (`keepCol` false: dx as a conv of e; the forward keeps it for dW). Timed on CPU time at
 * ResNet-20's 3x3 shapes (native, AVX-512 VNNI): int16 32x32 1.4x and 16x16 1.1x faster; int8
 * (slices built as shifted planes, im2col-part.h) 1.15x faster on 32x32 planes, even to 1.05x
 * on 16x16 and 8x8 than im2col + gemm_int; in kernel-profile (ResNet-20 fixed8, 16 dx convs
 * implicit) gemm_int + conv_gemm_int + im2col took 69-79 ms per step, 78-87 without this rule
 * (load ~3 on 2 cores).
 */
function implicitIntConv(g: ConvGeom, x: IntArray, keepCol: boolean): boolean {
  if (x instanceof Int16Array) return g.OH * g.OW >= IMPLICIT_MIN_PIXELS;
  return x instanceof Int8Array && !keepCol && g.strideH === 1 && g.strideW === 1 && g.OW === g.W;
}

/**
 * Output planes from which the implicit-GEMM convolutions (im2col columns or rows built slice
 * by slice in L2) run where the kernels have them. bench/conv-shapes-f32.ts (native, float32,
 * ResNet-20): on 32x32 planes the forward with its im2col ran 1.7x faster implicit, the weight
 * gradient (with the im2col backward then builds) 1.6x; on 16x16 planes both about even; on
 * 8x8 planes (rows of 8 elements copied one by one) 1.2x (forward) to 1.6x (dW) slower.
 */
export const IMPLICIT_MIN_PIXELS = 256;

/** Whether the float32 conv GEMMs of geometry g run implicit (Kernels.conv_gemm_f32). */
export function implicitF32(k: Kernels, g: ConvGeom): boolean {
  return !!k.conv_gemm_f32 && g.OH * g.OW >= IMPLICIT_MIN_PIXELS;
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

/** e (N, OC, OH, OW) as the GEMMs' (OC, N*OH*OW). */
export function errorRows<T extends IntArray>(
  k: Kernels,
  g: ConvGeom,
  e: T,
  OC: number,
  at?: StepScope | null,
): T {
  const rows = stepLike(at, e, e.length, false);
  k.swap_outer(e, g.N, OC, g.OH * g.OW, null, rows);
  return rows;
}

/**
 * dW (OC, C*KH*KW) = e' col^T: int32, or exact float64 where int32 could overflow. `x`, col's
 * source, spares the scan of col where it has col's max.
 */
export function convWeightGradInt(
  k: Kernels,
  g: ConvGeom,
  eRows: IntArray,
  col: IntArray,
  OC: number,
  at?: StepScope | null,
  x?: IntArray,
  known?: KnownMax,
): Int32Array | Float64Array {
  const CKK = g.C * g.KH * g.KW;
  const K = g.N * g.OH * g.OW;
  const need = x !== undefined && K * typeMax(eRows) * typeMax(x) > INT32_LIMIT;
  return intGemm(k, { M: OC, N: CKK, K, transB: true }, eRows, col, 0, at, {
    a: known?.get(eRows),
    b: x && colMax(k, g, x, need, known),
  });
}

/**
 * dW (OC, C*KH*KW) of convWeightGradInt read straight from x's shifted planes where the
 * kernels have Kernels.conv_weight_grad_int for g: e (N, OC, OH, OW) as it comes (no rows
 * swap), no im2col matrix; e and x both int16, or both int8 where Kernels.weightGradIntDirect
 * takes g. The same accumulator type (from the same bound: windows of a 'same' conv cover x,
 * so max |col| = max |x|) and the same exact sums; null where the kernels do not run it (the
 * caller takes convWeightGradInt). At ResNet-20's 32x32 and 16x16 planes the int16 im2col
 * alone took ~20 ms of a WAGEUBN step.
 */
export function convWeightGradIntDirect(
  k: Kernels,
  g: ConvGeom,
  e: IntArray,
  x: IntArray,
  OC: number,
  at?: StepScope | null,
  known?: KnownMax,
): Int32Array | Float64Array | null {
  if (!k.conv_weight_grad_int || at?.observer?.gemm) return null;
  const i16 = e instanceof Int16Array && x instanceof Int16Array;
  if (!i16 && !(e instanceof Int8Array && x instanceof Int8Array)) return null;
  if (!i16 && !k.weightGradIntDirect?.(g, 1)) return null;
  if (g.strideH !== 1 || g.strideW !== 1 || g.OH !== g.H || g.OW !== g.W) return null;
  if (!windowsCover(g)) return null;
  const CKK = g.C * g.KH * g.KW;
  const K = g.N * g.OH * g.OW;
  // int8 sums that fit int32 by the types alone need no scan (the kernel takes no maxima for
  // them); int16 ones do (the kernel plans its int32 flushes from them).
  const byTypes = !i16 && K * typeMax(e) * typeMax(x) <= INT32_LIMIT;
  const maxE = byTypes ? typeMax(e) : maxOf(k, e, known);
  const maxX = byTypes ? typeMax(x) : maxOf(k, x, known);
  const dw = allocAcc(K * maxE * maxX, OC * CKK, at, false);
  if (!k.conv_weight_grad_int(g, e, OC, x, dw, maxE, maxX)) return null;
  countMacs(e, x, OC * CKK * K);
  return dw;
}

/**
 * Whether an int8 conv of geometry g (e and x int8) plans dW by convWeightGradIntDirect: its
 * forward then keeps no im2col matrix (and runs implicit, no matrix at all).
 * bench/conv-wgrad-i8.ts (native, AVX-512 VNNI, 1 thread, load ~3 on 2 cores) timed forward +
 * dW that way at ResNet-20's 32x32 planes 1.9x, 16x16 1.45x and 8x8 1.1x faster than im2col +
 * gemm_int + swap and dW from the kept matrix.
 */
export function weightGradInt8Direct(k: Kernels, g: ConvGeom): boolean {
  return !!k.conv_weight_grad_int && windowsCover(g) && !!k.weightGradIntDirect?.(g, 1);
}

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
function errorConvGeom(g: ConvGeom, OC: number): ConvGeom | null {
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
function rotatedFilter<T extends IntArray | Float32Array>(
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
