// SPDX-License-Identifier: MIT
// The int8 weight gradient of 3x3 stride-1 convs by Winograd F(2x2,3x3), the chain of
// ops/winograd.ts winogradWeightGrad run inside linear memory: V (16, C, T) = B^T d B of x's
// tiles, E (16, OC, T) = A e A^T of the error's, dU (16, OC, C) = 16 GEMMs E_p V_p^T over the
// T tiles (int32), dw = G'^T dU G' / 4. Every step is exact integer arithmetic, so dw holds the
// integers of im2col + gemm_int; with 9/4 as many multiplies per tile, and no im2col matrix
// and no swap of the error into rows. V, E and dU stay in the per-call arena (no copies).

import type { ConvGeom } from '../spec.js';
import { winogradStride, winogradTiles } from '../ref/winograd.js';
import { elemKind, KIND_I32 } from './codes.js';
import type { WasmContext } from './context.js';
import { runInt } from './gemm.js';
import { runParts, scratchAreas } from './gemm-split.js';
import { MIN_THREADED_ELEMS } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { putGeom } from './winograd.js';

const INT32_MAX = 2 ** 31 - 1;
/** max |E| (A e A^T: four int8 of one sign) and max |V| (B^T d B: 2 * 127 + 2 * 128). */
const E_MAX = 512;
const V_MAX = 510;

/**
 * Fewest input channels taken: below, the transforms outweigh the GEMMs they shrink (ResNet-20's
 * first conv, 3 channels: 2.8 ms against im2col + gemm_int's 2.2, CPU time; 8: even).
 */
const MIN_CHANNELS = 8;

/**
 * Whether conv_weight_grad_int takes g here: a 3x3 stride-1 conv, padding at most 2, of at
 * least MIN_CHANNELS input channels.
 */
export function wgradWinogradGeom(g: ConvGeom): boolean {
  return (
    g.C >= MIN_CHANNELS &&
    g.KH === 3 &&
    g.KW === 3 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.padH <= 2 &&
    g.padW <= 2 &&
    g.OH === g.H + 2 * g.padH - 2 &&
    g.OW === g.W + 2 * g.padW - 2
  );
}

/**
 * dw (M, C*9) = e (N, M, OH*OW) x im2col(x)^T for int8 e and x of a conv wgradWinogradGeom
 * takes, into the caller's int32 (bound within int32) or float64 dw. False (dw untouched) for
 * other operands, or where dU's tile sums could pass int32 (T * 512 * 510 > 2^31 - 1: over 8224
 * tiles, e.g. a batch of 33 32x32 images): the caller then takes im2col + gemm_int.
 */
export function convWeightGradIntWasm(
  ctx: WasmContext,
  g: ConvGeom,
  e: Int8Array | Int16Array,
  M: number,
  x: Int8Array | Int16Array,
  dw: Int32Array | Float64Array,
): boolean {
  if (!(e instanceof Int8Array) || !(x instanceof Int8Array) || !wgradWinogradGeom(g)) return false;
  const { N, C } = g;
  const { T } = winogradTiles(g);
  if (T * E_MAX * V_MAX > INT32_MAX) return false;
  const ne = N * M * g.OH * g.OW;
  const nx = N * C * g.H * g.W;
  if (e.length < ne || x.length < nx || dw.length < M * C * 9)
    throw new RangeError('conv_weight_grad_int: arrays shorter than the geometry');
  if (M === 0 || C === 0) return true;
  const ar = ctx.arena;
  ar.reset();
  const pg = putGeom(ctx, g);
  const pe = ar.copyIn(e, ne);
  const px = ar.copyIn(x, nx);
  const psV = winogradStride(C, T);
  const psE = winogradStride(M, T);
  const pV = ar.alloc(2 * 16 * psV);
  const pE = ar.alloc(2 * 16 * psE);
  const pU = ar.alloc(4 * 16 * M * C);
  const pw = ar.outAt(dw, M * C * 9 * dw.BYTES_PER_ELEMENT);
  if (T === 0) ctx.ex.zero_bytes(pU, 4 * 16 * M * C);
  else {
    // The transforms in ranges of images over the threads (each its own scratch and tiles).
    const threads =
      ctx.runner && N * (C + M) * g.H * g.W >= MIN_THREADED_ELEMS ? ctx.runner.threads : 1;
    const per = Math.ceil(N / Math.min(threads, N));
    const ranges: [number, number, number][] = [];
    for (let n0 = 0; n0 < N; n0 += per)
      ranges.push([n0, Math.min(N, n0 + per), ar.alloc(ctx.ex.winograd_scratch_bytes(pg))]);
    const vArgs = ranges.map(([n0, n1, sc]): ArgsOf<'winograd_input'> => [
      pg,
      px,
      pV,
      psV,
      sc,
      n0,
      n1,
    ]);
    runParts(ctx, 'winograd_input', vArgs, (a) => ctx.ex.winograd_input(...a));
    const eArgs = ranges.map(([n0, n1, sc]): ArgsOf<'winograd_error'> => [
      pg,
      M,
      pe,
      pE,
      psE,
      sc,
      n0,
      n1,
    ]);
    runParts(ctx, 'winograd_error', eArgs, (a) => ctx.ex.winograd_error(...a));
    const gs = scratchAreas(ctx, ctx.ex.gemm_int_scratch_bytes());
    const shape = { M, N: C, K: T, transB: true };
    // dU_p (M, C) = E_p (M, T) V_p (C, T)^T: int32, within 2^31 by the check above.
    for (let p = 0; p < 16; p++) {
      const placed = {
        a: pE + 2 * p * psE,
        esA: 2 as const,
        lda: T,
        b: pV + 2 * p * psV,
        esB: 2 as const,
        ldb: T,
      };
      runInt(ctx, 'auto', shape, T, placed, pU + 4 * p * M * C, C, false, gs);
    }
  }
  ctx.ex.winograd_wgrad(pU, KIND_I32, M, C, pw, elemKind(dw));
  ar.get(pw, dw, M * C * 9, dw.BYTES_PER_ELEMENT);
  return true;
}
