// SPDX-License-Identifier: MIT
// Wrappers of the pooling and column-sum kernels (assembly/pool.ts). Resident (workspace)
// arrays are used in place; others are copied in and out.

import type { AnyArray } from '../spec.js';
import { pooledSize } from '../ref/pool.js';
import { elemKind } from './codes.js';
import type { WasmContext } from './context.js';

/** Checks the pooling geometry and array sizes; returns [OH, OW]. */
function poolDims(
  kind: string,
  NC: number,
  H: number,
  W: number,
  K: number,
  S: number,
  nIn: number,
  nOut: number,
  nArg: number,
): [number, number] {
  for (const [v, name] of [
    [NC, 'NC'],
    [H, 'H'],
    [W, 'W'],
    [K, 'K'],
    [S, 'S'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${kind}: ${name}=${v} must be an integer >= 0`);
  }
  if (K < 1 || S < 1 || K > 15)
    throw new RangeError(`${kind}: window ${K} and stride ${S} must be 1..15 and >= 1`);
  const OH = Math.max(0, pooledSize(H, K, S));
  const OW = Math.max(0, pooledSize(W, K, S));
  const out = NC * OH * OW;
  if (nIn < NC * H * W)
    throw new RangeError(
      `${kind}: input (${NC},${H},${W}) needs ${NC * H * W} elements, got ${nIn}`,
    );
  if (nOut < out || nArg < out)
    throw new RangeError(`${kind}: output and arg need ${out} elements, got ${nOut} and ${nArg}`);
  return [OH, OW];
}

export function maxpoolWasm<T extends AnyArray>(
  ctx: WasmContext,
  x: T,
  NC: number,
  H: number,
  W: number,
  K: number,
  S: number,
  y: T,
  arg: Uint8Array,
): void {
  const [OH, OW] = poolDims('maxpool', NC, H, W, K, S, x.length, y.length, arg.length);
  if (y.constructor !== x.constructor) throw new TypeError('maxpool: y must have the type of x');
  const n = NC * OH * OW;
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const es = x.BYTES_PER_ELEMENT;
  const px = ar.copyIn(x, NC * H * W);
  const py = ar.outAt(y, n * es);
  const pa = ar.outAt(arg, n);
  ctx.ex.maxpool_fwd(px, elemKind(x), NC, H, W, K, S, OH, OW, py, pa);
  ar.get(py, y, n, es);
  ar.get(pa, arg, n, 1);
}

export function maxpoolBackwardWasm<T extends AnyArray>(
  ctx: WasmContext,
  dy: T,
  arg: Uint8Array,
  NC: number,
  H: number,
  W: number,
  K: number,
  S: number,
  dx: T,
): void {
  const [OH, OW] = poolDims('maxpool_backward', NC, H, W, K, S, dx.length, dy.length, arg.length);
  if (dx.constructor !== dy.constructor)
    throw new TypeError('maxpool_backward: dx must have the type of dy');
  const n = NC * OH * OW;
  const ar = ctx.arena;
  ar.reset();
  const es = dy.BYTES_PER_ELEMENT;
  const pdy = ar.copyIn(dy, n);
  const pa = ar.copyIn(arg, n);
  const pdx = ar.outAt(dx, NC * H * W * es);
  ctx.ex.maxpool_bwd(pdy, elemKind(dy), pa, NC, H, W, K, S, OH, OW, pdx);
  ar.get(pdx, dx, NC * H * W, es);
}

export function colSumsWasm(
  ctx: WasmContext,
  e: AnyArray,
  N: number,
  C: number,
  R: number,
  out: Float64Array,
): void {
  if (e.length < N * C * R)
    throw new RangeError(
      `col_sums: e (${N},${C},${R}) needs ${N * C * R} elements, got ${e.length}`,
    );
  if (out.length < C)
    throw new RangeError(`col_sums: out holds ${out.length} elements, needs ${C}`);
  const ar = ctx.arena;
  ar.reset();
  const pe = ar.copyIn(e, N * C * R);
  const po = ar.outAt(out, C * 8);
  ctx.ex.col_sums(pe, elemKind(e), N, C, R, po);
  ar.get(po, out, C, 8);
}
