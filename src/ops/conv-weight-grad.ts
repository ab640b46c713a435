// SPDX-License-Identifier: MIT
// The integer weight gradient of a 2-D convolution: dW (OC, C*KH*KW) = e' col^T with
// e' = e as (OC, N*OH*OW), or, where the kernels have it, read from x's shifted planes (no
// im2col matrix): int8 direct, and int16 for stride-1 'same' convs.

import type { ConvGeom, Kernels } from '../kernels/spec.js';
import type { IntArray } from '../tensor/dtype.js';
import { stepLike, type StepScope } from '../kernels/step-array.js';
import { allocAcc, INT32_LIMIT, intGemm, typeMax } from './intgemm.js';
import { countMacs } from './macs.js';
import { colMax, maxOf, windowsCover, type KnownMax } from './conv-common.js';

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
