// SPDX-License-Identifier: MIT
// What the integer convolution passes (conv-forward.ts, conv-weight-grad.ts, conv-input-grad.ts)
// and the float32 ones (conv-f32.ts) share: known operand maxima, whether the windows cover
// the input (so max |im2col(x)| = max |x|), and when the GEMMs build their columns slice by
// slice (implicit) instead of the whole im2col matrix.

import type { ConvGeom, Kernels } from '../kernels/spec.js';
import type { IntArray, MantArray } from '../tensor/dtype.js';
import { maxAbsMant } from './intgemm.js';

/**
 * Exact max |mantissa| of operands whose producer computed it on the way (Tensor.mantMax: the
 * WAGEUBN A and E quantizers), by array: the bounds below read them instead of scanning.
 */
export type KnownMax = ReadonlyMap<MantArray, number>;

/** max |m|: known, else a scan. */
export const maxOf = (k: Kernels, m: MantArray, known?: KnownMax): number =>
  known?.get(m) ?? maxAbsMant(k, m);

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
export function colMax(
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
export function implicitIntConv(g: ConvGeom, x: IntArray, keepCol: boolean): boolean {
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
