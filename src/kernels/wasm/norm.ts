// SPDX-License-Identifier: MIT
// Wrappers of the BatchNorm kernels (assembly/norm.ts, norm-backward.ts). Resident (workspace)
// arrays are used in place; others are copied in and out. Per-channel parameters are copied
// in (C * 5 values). Large tensors run in batch ranges on the worker threads: the affine
// forward and backward treat each sample alone, and the exact integer sums of the ranges are
// added exactly (as BigInt), so every thread count gives the one-thread result.

import type { AnyArray } from '../spec.js';
import type { MantArray } from '../../tensor/dtype.js';
import * as ref from '../ref/norm.js';
import type { WasmContext } from './context.js';
import type { Arena } from './arena.js';
import { elemKind, KIND_F32, KIND_F64 } from './codes.js';
import { batchRanges } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { runParts } from './gemm-split.js';

/** Checks (N, C, R) and that every array holds N*C*R elements (params: C * per). */
export function checkNCR(
  kind: string,
  N: number,
  C: number,
  R: number,
  arrays: [string, { length: number } | null][],
): number {
  for (const [v, name] of [
    [N, 'N'],
    [C, 'C'],
    [R, 'R'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${kind}: ${name}=${v} must be an integer >= 0`);
  }
  const n = N * C * R;
  for (const [name, a] of arrays) {
    if (a && a.length < n)
      throw new RangeError(`${kind}: ${name} holds ${a.length} elements, (N,C,R) needs ${n}`);
  }
  return n;
}

function params(kind: string, ar: Arena, p: Float64Array, need: number): number {
  if (p.length < need)
    throw new RangeError(`${kind}: parameters hold ${p.length} values, need ${need}`);
  return ar.copyIn(p, need);
}

export function bnSumsWasm(
  ctx: WasmContext,
  a: AnyArray,
  b: AnyArray | null,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  out: Float64Array,
): void {
  const n = checkNCR('bn_sums', N, C, R, [
    ['a', a],
    ['b', b],
    ['mask', mask],
  ]);
  if (out.length < 4 * C) throw new RangeError(`bn_sums: out holds ${out.length}, needs ${4 * C}`);
  const ar = ctx.arena;
  ar.reset();
  const pa = ar.copyIn(a, n);
  const pb = b ? ar.copyIn(b, n) : pa;
  const pm = mask ? ar.copyIn(mask, n) : 0;
  const po = ar.outAt(out, C * 32);
  const [ka, kb] = [elemKind(a), elemKind(b ?? a)];
  const float = ka === KIND_F32 || ka === KIND_F64 || kb === KIND_F32 || kb === KIND_F64;
  // Float sums depend on their order: those stay in one range.
  const ranges = float ? [{ start: 0, count: N }] : batchRanges(ctx, N, C * R);
  if (ranges.length === 1) {
    ctx.ex.bn_sums(pa, ka, pb, kb, pm, N, C, R, po);
    ar.get(po, out, 4 * C, 8);
    return;
  }
  const plane = C * R;
  const [ea, eb] = [a.BYTES_PER_ELEMENT, (b ?? a).BYTES_PER_ELEMENT];
  const parts = ar.alloc(ranges.length * C * 32);
  const args = ranges.map((r, i): ArgsOf<'bn_sums'> => [
    pa + r.start * plane * ea,
    ka,
    pb + r.start * plane * eb,
    kb,
    pm ? pm + r.start * plane : 0,
    r.count,
    C,
    R,
    parts + i * C * 32,
  ]);
  runParts(ctx, 'bn_sums', args, (x) => ctx.ex.bn_sums(...x));
  combineExactSums(ar.f64(parts, ranges.length * 4 * C), ranges.length, C, out);
}

/**
 * Adds the ranges' exact sums (per channel: sum a as hi, lo words; sum a*b as hi, lo words;
 * value = hi * 2^32 + lo, lo in [0, 2^32)) and stores the total in the same form.
 */
function combineExactSums(parts: Float64Array, ranges: number, C: number, out: Float64Array) {
  const W = 2n ** 32n;
  for (let c = 0; c < C; c++) {
    for (const h of [0, 2]) {
      let t = 0n;
      for (let i = 0; i < ranges; i++) {
        const q = (i * C + c) * 4 + h;
        t += BigInt(parts[q]) * W + BigInt(parts[q + 1]);
      }
      const lo = ((t % W) + W) % W;
      out[4 * c + h] = Number((t - lo) / W);
      out[4 * c + h + 1] = Number(lo);
    }
  }
}

export function bnForwardWasm(
  ctx: WasmContext,
  x: AnyArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  xhat32: boolean,
  relu: boolean,
  mask: Int8Array | null,
  y: Float32Array,
): number {
  const n = checkNCR('bn_forward', N, C, R, [
    ['x', x],
    ['y', y],
    ['mask', mask],
  ]);
  if (n === 0) return 0;
  const ar = ctx.arena;
  ar.reset();
  const pp = params('bn_forward', ar, p, 4 * C);
  const px = ar.copyIn(x, n);
  const py = ar.outAt(y, n * 4);
  const pm = relu && mask ? ar.outAt(mask, n) : 0;
  const plane = C * R;
  const ex = x.BYTES_PER_ELEMENT;
  const ranges = batchRanges(ctx, N, plane);
  const pa = ar.alloc(8 * ranges.length);
  const args = ranges.map((r, i): ArgsOf<'bn_forward'> => [
    px + r.start * plane * ex,
    elemKind(x),
    r.count,
    C,
    R,
    pp,
    xhat32 ? 1 : 0,
    relu ? 1 : 0,
    pm ? pm + r.start * plane : 0,
    py + r.start * plane * 4,
    pa + 8 * i,
  ]);
  runParts(ctx, 'bn_forward', args, (a) => ctx.ex.bn_forward(...a));
  ar.get(py, y, n, 4);
  if (pm) ar.get(pm, mask!, n, 1);
  return rangesMax(ctx, pa, ranges.length);
}

/**
 * bn_xhat_int (spec.ts): x-hat's grid mantissas in one pass, batch ranges on the threads (each
 * its own [max, NaN flag], combined: NaN if any range saw one, else the largest, capped 2^31).
 */
export function bnXhatIntWasm(
  ctx: WasmContext,
  x: AnyArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  scale: number,
  out: Int32Array,
): number {
  const n = checkNCR('bn_xhat_int', N, C, R, [
    ['x', x],
    ['out', out],
  ]);
  if (n === 0) return 0;
  const ar = ctx.arena;
  ar.reset();
  const pp = params('bn_xhat_int', ar, p, 2 * C);
  const px = ar.copyIn(x, n);
  const po = ar.outAt(out, n * 4);
  const plane = C * R;
  const ex = x.BYTES_PER_ELEMENT;
  const ranges = batchRanges(ctx, N, plane);
  const pr = ar.alloc(16 * ranges.length);
  const args = ranges.map((r, i): ArgsOf<'bn_xhat_int'> => [
    px + r.start * plane * ex,
    elemKind(x),
    r.count,
    C,
    R,
    pp,
    scale,
    po + r.start * plane * 4,
    pr + 16 * i,
  ]);
  runParts(ctx, 'bn_xhat_int', args, (a) => ctx.ex.bn_xhat_int(...a));
  ar.get(po, out, n, 4);
  const got = ar.f64(pr, 2 * ranges.length);
  let m = 0;
  for (let i = 0; i < ranges.length; i++) {
    if (got[2 * i + 1] !== 0) return NaN;
    m = Math.max(m, got[2 * i]);
  }
  return Math.min(m, 2 ** 31);
}

/** The largest of the ranges' f64 max |y| at p, or NaN if one is NaN or infinite. */
export function rangesMax(ctx: WasmContext, p: number, count: number): number {
  const got = ctx.arena.f64(p, count);
  let m = 0;
  for (let i = 0; i < count; i++) m = Math.max(m, got[i]);
  return Number.isFinite(m) ? m : NaN;
}

export function bnAffineIntWasm(
  ctx: WasmContext,
  x: MantArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  relu: boolean,
  mask: Int8Array | null,
  y: Int32Array | Float64Array,
  withMax = false,
): number {
  const n = checkNCR('bn_affine_int', N, C, R, [
    ['x', x],
    ['y', y],
    ['mask', mask],
  ]);
  // Exact float64 outputs (wide accumulators) and float64 mantissas: the reference loop.
  if (y instanceof Float64Array || x instanceof Float64Array) {
    if (withMax) return ref.bn_affine_int_max(x, N, C, R, p, relu, mask, y);
    ref.bn_affine_int(x, N, C, R, p, relu, mask, y);
    return NaN;
  }
  if (n === 0) return 0;
  const ar = ctx.arena;
  ar.reset();
  const pp = params('bn_affine_int', ar, p, 2 * C);
  const px = ar.copyIn(x, n);
  const py = ar.outAt(y, n * 4);
  const pm = relu && mask ? ar.outAt(mask, n) : 0;
  const plane = C * R;
  const ex = x.BYTES_PER_ELEMENT;
  const ranges = batchRanges(ctx, N, plane);
  const pa = withMax ? ar.alloc(8 * ranges.length) : 0;
  const args = ranges.map((r, i): ArgsOf<'bn_affine_int'> => [
    px + r.start * plane * ex,
    elemKind(x),
    r.count,
    C,
    R,
    pp,
    relu ? 1 : 0,
    pm ? pm + r.start * plane : 0,
    py + r.start * plane * 4,
    pa ? pa + 8 * i : 0,
  ]);
  runParts(ctx, 'bn_affine_int', args, (a) => ctx.ex.bn_affine_int(...a));
  ar.get(py, y, n, 4);
  if (pm) ar.get(pm, mask!, n, 1);
  return pa ? rangesMax(ctx, pa, ranges.length) : NaN;
}

export function bnBackwardWasm(
  ctx: WasmContext,
  e: AnyArray,
  x: AnyArray,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  xhat32: boolean,
  dx: Float32Array,
): number {
  const n = checkNCR('bn_backward', N, C, R, [
    ['e', e],
    ['x', x],
    ['mask', mask],
    ['dx', dx],
  ]);
  if (n === 0) return 0;
  const ar = ctx.arena;
  ar.reset();
  const pp = params('bn_backward', ar, p, 5 * C);
  const pe = ar.copyIn(e, n);
  const px = ar.copyIn(x, n);
  const pm = mask ? ar.copyIn(mask, n) : 0;
  const pd = ar.outAt(dx, n * 4);
  const plane = C * R;
  const [ee, ex] = [e.BYTES_PER_ELEMENT, x.BYTES_PER_ELEMENT];
  const ranges = batchRanges(ctx, N, plane);
  const pa = ar.alloc(8 * ranges.length);
  const args = ranges.map((r, i): ArgsOf<'bn_backward'> => [
    pe + r.start * plane * ee,
    elemKind(e),
    px + r.start * plane * ex,
    elemKind(x),
    pm ? pm + r.start * plane : 0,
    r.count,
    C,
    R,
    pp,
    xhat32 ? 1 : 0,
    pd + r.start * plane * 4,
    pa + 8 * i,
  ]);
  runParts(ctx, 'bn_backward', args, (a) => ctx.ex.bn_backward(...a));
  ar.get(pd, dx, n, 4);
  return rangesMax(ctx, pa, ranges.length);
}
