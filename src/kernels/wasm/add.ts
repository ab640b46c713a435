// SPDX-License-Identifier: MIT
// Wrappers of the scaled add (assembly/add.ts) and average pooling (assembly/avgpool.ts).
// Resident (workspace) arrays are used in place; others are copied in and out. Cases without
// a WASM body (float64 out, non-integer scales on integer out) run the reference loop.

import type { AnyArray, PoolGeom } from '../spec.js';
import { add_scaled as refAdd } from '../ref/layers.js';
import type { WasmContext } from './context.js';
import { elemKind } from './codes.js';
import { elementRanges } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { runParts } from './gemm-split.js';
import { rangesMax } from './norm.js';
import { maxAbsOrNaNWasm } from './quantize.js';

const isIntKind = (a: AnyArray) =>
  a instanceof Int8Array || a instanceof Int16Array || a instanceof Int32Array;

/** log2 k when k is 2^s with 0 <= s < 31, else -1. */
function shiftOf(k: number): number {
  const s = Math.log2(k);
  return Number.isInteger(s) && s >= 0 && s < 31 ? s : -1;
}

export function addScaledWasm(
  ctx: WasmContext,
  a: AnyArray,
  ka: number,
  b: AnyArray,
  kb: number,
  relu: boolean,
  mask: Int8Array | null,
  out: Int32Array | Float64Array | Float32Array,
): number {
  const n = a.length;
  if (b.length < n || out.length < n || (mask && mask.length < n))
    throw new RangeError(
      `add_scaled: a has ${n} elements, b ${b.length}, out ${out.length}${mask ? `, mask ${mask.length}` : ''}`,
    );
  const floatOut = out instanceof Float32Array;
  const sa = shiftOf(ka);
  const sb = shiftOf(kb);
  if (
    out instanceof Float64Array ||
    (!floatOut && !(isIntKind(a) && isIntKind(b) && sa >= 0 && sb >= 0))
  ) {
    return refAdd(a, ka, b, kb, relu, mask, out);
  }
  if (n === 0) return 0;
  const ar = ctx.arena;
  ar.reset();
  const pa = ar.copyIn(a, n);
  const pb = ar.copyIn(b, n);
  const po = ar.outAt(out, n * 4);
  const pm = relu && mask ? ar.outAt(mask, n) : 0;
  // Each element on its own: one contiguous range per thread, the same results.
  const [kA, kB] = [elemKind(a), elemKind(b)];
  const [eA, eB] = [a.BYTES_PER_ELEMENT, b.BYTES_PER_ELEMENT];
  const ranges = elementRanges(ctx, n);
  const px = floatOut ? ar.alloc(8 * ranges.length) : 0;
  const args = ranges.map((r, i): ArgsOf<'add_scaled'> => [
    pa + r.start * eA,
    kA,
    ka,
    Math.max(sa, 0),
    pb + r.start * eB,
    kB,
    kb,
    Math.max(sb, 0),
    r.count,
    floatOut ? 1 : 0,
    relu ? 1 : 0,
    pm ? pm + r.start : 0,
    po + r.start * 4,
    px ? px + 8 * i : 0,
  ]);
  runParts(ctx, 'add_scaled', args, (x) => ctx.ex.add_scaled(...x));
  ar.get(po, out, n, 4);
  if (pm) ar.get(pm, mask!, n, 1);
  // Int32 out: its max in a second pass here (native takes it while writing).
  return px ? rangesMax(ctx, px, ranges.length) : maxAbsOrNaNWasm(ctx, out.subarray(0, n));
}

function checkGeom(kind: string, g: PoolGeom, nIn: number, nOut: number): void {
  const { P, H, W, KH, KW, SH, SW, OH, OW } = g;
  for (const [name, v] of Object.entries({ P, H, W, KH, KW, SH, SW, OH, OW })) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${kind}: ${name}=${v} must be an integer >= 0`);
  }
  if (KH < 1 || KW < 1 || SH < 1 || SW < 1)
    throw new RangeError(`${kind}: windows and strides must be >= 1`);
  if (OH !== Math.floor((H - KH) / SH) + 1 || OW !== Math.floor((W - KW) / SW) + 1)
    throw new RangeError(`${kind}: output ${OH}x${OW} does not match ${H}x${W} pooled`);
  if (nIn < P * H * W || nOut < P * OH * OW)
    throw new RangeError(`${kind}: arrays hold ${nIn} and ${nOut} elements, too few`);
}

export function avgpoolWasm(
  ctx: WasmContext,
  x: AnyArray,
  g: PoolGeom,
  scale: number,
  y: Int32Array | Float32Array,
): void {
  checkGeom('avgpool', g, x.length, y.length);
  const intOut = y instanceof Int32Array;
  if (intOut && !isIntKind(x)) throw new TypeError('avgpool: int32 sums need integer input');
  const nIn = g.P * g.H * g.W;
  const nOut = g.P * g.OH * g.OW;
  if (nOut === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const px = ar.copyIn(x, nIn);
  const py = ar.outAt(y, nOut * 4);
  const { P, H, W, KH, KW, SH, SW, OH, OW } = g;
  ctx.ex.avgpool_fwd(px, elemKind(x), P, H, W, KH, KW, SH, SW, OH, OW, scale, intOut ? 1 : 0, py);
  ar.get(py, y, nOut, 4);
}

export function avgpoolBackwardWasm(
  ctx: WasmContext,
  dy: AnyArray,
  g: PoolGeom,
  scale: number,
  dx: Int32Array | Float32Array,
): void {
  checkGeom('avgpool_backward', g, dx.length, dy.length);
  const intOut = dx instanceof Int32Array;
  if (intOut && !isIntKind(dy))
    throw new TypeError('avgpool_backward: int32 sums need integer input');
  const nIn = g.P * g.H * g.W;
  const nOut = g.P * g.OH * g.OW;
  if (nIn === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pd = ar.copyIn(dy, nOut);
  const global = g.KH === g.H && g.KW === g.W;
  const ps = intOut || global ? 0 : ar.alloc(nIn * 8);
  const px = ar.outAt(dx, nIn * 4);
  const { P, H, W, KH, KW, SH, SW, OH, OW } = g;
  ctx.ex.avgpool_bwd(
    pd,
    elemKind(dy),
    P,
    H,
    W,
    KH,
    KW,
    SH,
    SW,
    OH,
    OW,
    scale,
    intOut ? 1 : 0,
    ps,
    px,
  );
  ar.get(px, dx, nIn, 4);
}
