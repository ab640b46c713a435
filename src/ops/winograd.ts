// SPDX-License-Identifier: MIT
// Convolution by exact integer Winograd F(2x2,3x3) (kernels/ref/winograd.ts): forward, input
// gradient and weight gradient of a 3x3 stride-1 conv over int8 mantissas, as transforms and
// 16 GEMMs (one per transform position), equal to the direct convolution's integers.
//   forward: U = G' w G'^T, V = B^T x B; M[p] (OC,T) = U[p] (OC,C) V[p] (C,T); y = A^T M A / 4
//            (one fused kernel: V and M never leave the cache)
//   dx:      the forward of e with the filter rotated 180 degrees and its channels swapped,
//            padding 2 - pad (dx of a stride-1 conv is a full correlation)
//   dW:      E = A e A^T; dU[p] (OC,C) = E[p] (OC,T) V[p]^T; dw = G'^T dU G' / 4
// The weight gradient takes V = winogradInput(x).

import type { ConvGeom, Kernels } from '../kernels/spec.js';
import { checkWinogradGeom, winogradStride, winogradTiles } from '../kernels/ref/winograd.js';
import { stepArray, type StepScope } from '../kernels/step-array.js';
import { allocAcc, INT32_LIMIT } from './intgemm.js';

/**
 * Largest |U'| of int8 filters (9 * 128), and |V|, |E| of int8 inputs and errors: each is a
 * signed sum of at most 4 elements, 4 * 128 when four -128 meet the same sign (V(1,1) = d11 +
 * d12 + d21 + d22); 510 here once let the weight gradient pick int32 for 8225-8256 tiles.
 */
const U_MAX = 9 * 128;
const V_MAX = 4 * 128;

let enabled = true;

/**
 * Turns the Winograd path off (false: every conv runs as im2col + GEMM) or back on. Results
 * are the same integers either way; benches compare the two speeds.
 */
export function useWinograd(on: boolean): void {
  enabled = on;
}

/**
 * Whether a conv pass on int8 operands takes Winograd: the rule, from `npm run bench --
 * conv-shapes` (ResNet-20's shapes, batch 32): the forward and the input gradient of every
 * 3x3 stride-1 conv ran 1.1-4x faster than im2col + GEMM, from 3 to 64 channels; the weight
 * gradient stays im2col + GEMM, whose dot-product route was faster. Needs winogradFits. The
 * kernels `k` may prefer im2col + GEMM (Kernels.preferWinograd: the native int8 VNNI GEMM).
 */
export function winogradFor(
  g: ConvGeom,
  sumC: number,
  extra = 0,
  k?: Kernels,
  pass: 'forward' | 'inputGrad' = 'forward',
): boolean {
  return enabled && winogradFits(g, sumC, extra) && (k?.preferWinograd?.(g, pass) ?? true);
}

/**
 * Whether Winograd computes this conv exactly within int32: 3x3, stride 1, padding at most 2
 * (the input gradient pads 2 - pad), and the output transform's sums (9 M terms of `sumC`
 * channels each, plus `extra`, a bias) bounded below 2^31. Operands must be int8 (Int8Array).
 */
export function winogradFits(g: ConvGeom, sumC: number, extra = 0): boolean {
  return (
    g.KH === 3 &&
    g.KW === 3 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.padH <= 2 &&
    g.padW <= 2 &&
    9 * sumC * U_MAX * V_MAX + extra <= INT32_LIMIT
  );
}

/** The input gradient's geometry: e (N, OC, OH, OW) convolved back to (N, C, H, W). */
export function transposedGeom(g: ConvGeom, OC: number): ConvGeom {
  return {
    N: g.N,
    C: OC,
    H: g.OH,
    W: g.OW,
    KH: 3,
    KW: 3,
    strideH: 1,
    strideW: 1,
    padH: 2 - g.padH,
    padW: 2 - g.padW,
    OH: g.H,
    OW: g.W,
  };
}

/** w (OC, C, 3, 3) -> (C, OC, 3, 3) rotated 180 degrees: the input gradient's filter. */
export function rotatedFilter(w: Int8Array, OC: number, C: number): Int8Array {
  const out = new Int8Array(C * OC * 9);
  for (let o = 0; o < OC; o++)
    for (let c = 0; c < C; c++)
      for (let t = 0; t < 9; t++) out[(c * OC + o) * 9 + 8 - t] = w[(o * C + c) * 9 + t];
  return out;
}

/** y (N, OC, OH, OW) int32 = conv(x, w) (+ bias) for x (N, C, H, W) int8, w (OC, C, 3, 3) int8. */
export function winogradForward(
  k: Kernels,
  g: ConvGeom,
  x: Int8Array,
  w: Int8Array,
  OC: number,
  bias: ArrayLike<number> | null,
  at?: StepScope | null,
): Int32Array {
  const U = stepArray(at, 'int16', 16 * OC * g.C, false);
  k.winograd_filter(w, OC, g.C, U);
  const y = stepArray(at, 'int32', g.N * OC * g.OH * g.OW, false);
  k.winograd_conv(g, x, U, OC, bias, y);
  return y;
}

/** V (16, C, T) of x: what the weight gradient needs from the forward's input. */
export function winogradInput(
  k: Kernels,
  g: ConvGeom,
  x: Int8Array,
  at?: StepScope | null,
): Int16Array {
  const V = stepArray(at, 'int16', 16 * winogradStride(g.C, winogradTiles(g).T), false);
  k.winograd_input(g, x, V);
  return V;
}

/** dx (N, C, H, W) int32 = the input gradient of conv(x, w) for e (N, OC, OH, OW) int8. */
export function winogradInputGrad(
  k: Kernels,
  g: ConvGeom,
  e: Int8Array,
  w: Int8Array,
  OC: number,
  at?: StepScope | null,
): Int32Array {
  checkWinogradGeom(g); // the original conv must be 3x3 stride 1 (pad <= 2: winogradFits)
  return winogradForward(k, transposedGeom(g, OC), e, rotatedFilter(w, OC, g.C), g.C, null, at);
}

/**
 * dw (OC, C, 3, 3) = the weight gradient of conv(x, w) for e (N, OC, OH, OW) int8 and the
 * forward's V of x: int32 where the direct sum's bound (batch * pixels * 128 * 128) fits,
 * else exact float64.
 */
export function winogradWeightGrad(
  k: Kernels,
  g: ConvGeom,
  e: Int8Array,
  V: Int16Array,
  OC: number,
  at?: StepScope | null,
): Int32Array | Float64Array {
  const { C } = g;
  const { T } = winogradTiles(g);
  const psE = winogradStride(OC, T);
  const psV = winogradStride(C, T);
  const E = stepArray(at, 'int16', 16 * psE, false);
  k.winograd_error(g, OC, e, E);
  const dU = allocAcc(T * V_MAX * V_MAX, 16 * OC * C, at, T === 0);
  for (let p = 0; p < 16; p++)
    k.gemm_int(
      { M: OC, N: C, K: T, transB: true },
      E.subarray(p * psE, p * psE + OC * T),
      V.subarray(p * psV, p * psV + C * T),
      dU.subarray(p * OC * C, (p + 1) * OC * C),
    );
  const dw = allocAcc(g.N * g.OH * g.OW * 128 * 128, OC * C * 9, at, false);
  k.winograd_wgrad(dU, OC, C, dw);
  return dw;
}
