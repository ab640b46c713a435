// SPDX-License-Identifier: MIT
// im2col / col2im wrappers: x (N,C,H,W) <-> col (C*KH*KW, N*OH*OW) in linear memory. im2col
// is a copy, so every dtype runs by element size; col2im adds (float32, int32, float64).

import type { AnyArray, ConvGeom } from '../spec.js';
import type { WasmContext } from './context.js';
import { batchRanges } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { runParts } from './gemm-split.js';

/** Spare bytes the im2col kernel may write past col (its 16-byte stores). */
const IM2COL_SLACK = 16;

function geomWords(g: ConvGeom): number[] {
  const w = [g.N, g.C, g.H, g.W, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW, g.OH, g.OW];
  for (const v of w) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`conv geometry ${JSON.stringify(g)}: sizes must be integers >= 0`);
  }
  if (g.strideH < 1 || g.strideW < 1)
    throw new RangeError(`conv geometry: strides must be >= 1, got ${g.strideH}x${g.strideW}`);
  return w;
}

function sizes(
  kind: string,
  g: ConvGeom,
  x: { length: number },
  col: { length: number },
): [number, number] {
  const nx = g.N * g.C * g.H * g.W;
  const ncol = g.C * g.KH * g.KW * g.N * g.OH * g.OW;
  if (x.length < nx)
    throw new RangeError(
      `${kind}: image (${g.N},${g.C},${g.H},${g.W}) needs ${nx} elements, got ${x.length}`,
    );
  if (col.length < ncol) {
    throw new RangeError(
      `${kind}: col (${g.C * g.KH * g.KW},${g.N * g.OH * g.OW}) needs ${ncol} elements, got ${col.length}`,
    );
  }
  return [nx, ncol];
}

function putGeom(ctx: WasmContext, g: ConvGeom): number {
  const p = ctx.arena.alloc(48);
  ctx.arena.put(p, Int32Array.from(geomWords(g)), 12, 4);
  return p;
}

export function im2colWasm<T extends AnyArray>(ctx: WasmContext, g: ConvGeom, x: T, col: T): void {
  const [nx, ncol] = sizes('im2col', g, x, col);
  if (ncol === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pg = putGeom(ctx, g);
  const es = x.BYTES_PER_ELEMENT;
  const px = ar.copyIn(x, nx);
  // The kernel's 16-byte copies may touch up to 15 bytes past col (and read past x, which
  // col follows); resident arrays have that slack (Arena.stepAlloc).
  const pc = ar.outAt(col, ncol * es + IM2COL_SLACK);
  // Channels split over threads: each range fills its own rows of col (a copy: the same
  // bytes for any split).
  const ranges = batchRanges(ctx, g.C, ncol / g.C);
  if (ranges.length > 1) {
    const args = ranges.map((r): ArgsOf<'im2col_rows'> => [
      pg,
      px,
      pc,
      es,
      r.start,
      r.start + r.count,
    ]);
    runParts(ctx, 'im2col_rows', args, (a) => ctx.ex.im2col_rows(...a));
  } else {
    const fn =
      es === 1 ? 'im2col_x8' : es === 2 ? 'im2col_x16' : es === 4 ? 'im2col_x32' : 'im2col_x64';
    ctx.ex[fn](pg, px, pc);
  }
  ar.get(pc, col, ncol, es);
}

export function col2imWasm<T extends Float32Array | Int32Array | Float64Array>(
  ctx: WasmContext,
  g: ConvGeom,
  col: T,
  dx: T,
): void {
  const [nx, ncol] = sizes('col2im', g, dx, col);
  const ar = ctx.arena;
  ar.reset();
  const pg = putGeom(ctx, g);
  const es = col.BYTES_PER_ELEMENT;
  const pc = ar.copyIn(col, ncol);
  const px = ar.outAt(dx, nx * es + IM2COL_SLACK); // int32 tails add 0 past a run
  // Float32: channels split over threads, each range zeroing and summing its own channels of
  // dx (every element's adds in the same order for any split).
  const ranges = col instanceof Float32Array ? batchRanges(ctx, g.C, ncol / g.C) : [];
  if (ranges.length > 1) {
    const args = ranges.map((r): ArgsOf<'col2im_f32_rows'> => [
      pg,
      pc,
      px,
      r.start,
      r.start + r.count,
    ]);
    runParts(ctx, 'col2im_f32_rows', args, (a) => ctx.ex.col2im_f32_rows(...a));
    ar.get(px, dx, nx, es);
    return;
  }
  const fn =
    col instanceof Float32Array
      ? 'col2im_f32'
      : col instanceof Int32Array
        ? 'col2im_i32'
        : 'col2im_f64';
  ctx.ex[fn](pg, pc, px);
  ar.get(px, dx, nx, es);
}
