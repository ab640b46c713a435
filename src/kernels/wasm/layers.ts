// SPDX-License-Identifier: MIT
// Wrappers of the layer kernels (assembly/layers.ts): ReLU forward/backward and the outer-axes
// swap with bias. Resident (workspace) arrays are used in place; others are copied in and out.
// Type combinations without a SIMD body run the reference loop.

import type { AnyArray } from '../spec.js';
import * as ref from '../ref/layers.js';
import { elemKind } from './codes.js';
import type { WasmContext } from './context.js';
import { batchRanges, elementRanges } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { runParts } from './gemm-split.js';

function checkLen(kind: string, what: string, got: number, want: number): void {
  if (got < want) throw new RangeError(`${kind}: ${what} holds ${got} elements, needs ${want}`);
}

export function reluWasm<T extends AnyArray>(
  ctx: WasmContext,
  x: T,
  y: T,
  mask: Int8Array | null = null,
): void {
  const n = x.length;
  checkLen('relu', 'y', y.length, n);
  if (mask) checkLen('relu', 'mask', mask.length, n);
  if (y.constructor !== x.constructor) throw new TypeError('relu: y must have the type of x');
  const ar = ctx.arena;
  ar.reset();
  const px = ar.copyIn(x);
  const py = ar.outAt(y, n * y.BYTES_PER_ELEMENT);
  const pm = mask ? ar.outAt(mask, n) : 0;
  // Lanes are independent: one contiguous range per thread.
  const kind = elemKind(x);
  const es = x.BYTES_PER_ELEMENT;
  const args = elementRanges(ctx, n).map((r): ArgsOf<'relu_fwd'> => [
    px + r.start * es,
    py + r.start * es,
    kind,
    r.count,
    pm ? pm + r.start : 0,
  ]);
  runParts(ctx, 'relu_fwd', args, (a) => ctx.ex.relu_fwd(...a));
  ar.get(py, y, n, y.BYTES_PER_ELEMENT);
  if (mask) ar.get(pm, mask, n, 1);
}

export function reluBackwardWasm<T extends AnyArray>(
  ctx: WasmContext,
  y: AnyArray,
  dy: T,
  dx: T,
): void {
  // y: the forward's int8 mask, or its int32/float32 output.
  const n = y.length;
  checkLen('relu_backward', 'dy', dy.length, n);
  checkLen('relu_backward', 'dx', dx.length, n);
  const ky = elemKind(y);
  const four = (a: AnyArray) => a instanceof Int32Array || a instanceof Float32Array;
  if (!(four(y) || y instanceof Int8Array) || !four(dy) || dx.constructor !== dy.constructor) {
    ref.relu_backward(y, dy, dx);
    return;
  }
  const ar = ctx.arena;
  ar.reset();
  const py = ar.copyIn(y);
  const pdy = ar.copyIn(dy, n);
  const pdx = ar.outAt(dx, n * 4);
  const ey = y.BYTES_PER_ELEMENT;
  const args = elementRanges(ctx, n).map((r): ArgsOf<'relu_bwd4'> => [
    py + r.start * ey,
    ky,
    pdy + r.start * 4,
    pdx + r.start * 4,
    r.count,
  ]);
  runParts(ctx, 'relu_bwd4', args, (a) => ctx.ex.relu_bwd4(...a));
  ar.get(pdx, dx, n, 4);
}

export function swapOuterWasm<T extends AnyArray>(
  ctx: WasmContext,
  src: T,
  A: number,
  B: number,
  R: number,
  bias: ArrayLike<number> | null,
  out: T,
): void {
  const n = A * B * R;
  checkLen('swap_outer', 'src', src.length, n);
  checkLen('swap_outer', 'out', out.length, n);
  checkLen('swap_outer', 'bias', bias ? bias.length : A, A);
  const kind = elemKind(src);
  if (out.constructor !== src.constructor || (bias && kind !== 2 && kind !== 3)) {
    ref.swap_outer(src, A, B, R, bias, out);
    return;
  }
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const es = src.BYTES_PER_ELEMENT;
  let pb = 0;
  if (bias) {
    pb = ar.alloc(A * 8);
    ar.f64(pb, A).set(Array.from({ length: A }, (_, i) => bias[i]));
  }
  const ps = ar.copyIn(src, n);
  const po = ar.outAt(out, n * es);
  // Source rows a split over threads: each range writes its own (b, a) blocks of out.
  const args = batchRanges(ctx, A, B * R).map((r): ArgsOf<'swap_outer_rows'> => [
    ps,
    A,
    B,
    R,
    es,
    kind,
    pb,
    po,
    r.start,
    r.start + r.count,
  ]);
  runParts(ctx, 'swap_outer_rows', args, (a) => ctx.ex.swap_outer_rows(...a));
  ar.get(po, out, n, es);
}
