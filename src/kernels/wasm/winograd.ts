// SPDX-License-Identifier: MIT
// Wrappers of the Winograd F(2x2,3x3) kernels (assembly/winograd.ts): operands into linear
// memory (resident workspace arrays in place), geometry words, scratch for padded planes.

import type { ConvGeom } from '../spec.js';
import { checkWinogradGeom, winogradStride, winogradTiles } from '../ref/winograd.js';
import { elemKind, KIND_F64, KIND_I32 } from './codes.js';
import type { WasmContext } from './context.js';
import type { ArgsOf } from './exports.js';
import { MIN_THREADED_MACS, runParts } from './gemm-split.js';

function need(what: string, got: number, want: number): void {
  if (got < want) throw new RangeError(`${what} holds ${got} elements, needs ${want}`);
}

export function putGeom(ctx: WasmContext, g: ConvGeom): number {
  const w = [g.N, g.C, g.H, g.W, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW, g.OH, g.OW];
  for (const v of w)
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`winograd: geometry ${JSON.stringify(g)} needs integers >= 0`);
  const p = ctx.arena.alloc(48);
  ctx.arena.put(p, Int32Array.from(w), 12, 4);
  return p;
}

export function winogradFilterWasm(
  ctx: WasmContext,
  w: Int8Array,
  OC: number,
  C: number,
  U: Int16Array,
): void {
  need('winograd_filter: w', w.length, OC * C * 9);
  need('winograd_filter: U', U.length, 16 * OC * C);
  const ar = ctx.arena;
  ar.reset();
  const pw = ar.copyIn(w, OC * C * 9);
  const pu = ar.outAt(U, 16 * OC * C * 2);
  ctx.ex.winograd_filter(pw, OC, C, pu);
  ar.get(pu, U, 16 * OC * C, 2);
}

export function winogradInputWasm(
  ctx: WasmContext,
  g: ConvGeom,
  x: Int8Array,
  V: Int16Array,
): void {
  checkWinogradGeom(g);
  const { T } = winogradTiles(g);
  need('winograd_input: x', x.length, g.N * g.C * g.H * g.W);
  const ps = winogradStride(g.C, T);
  need('winograd_input: V', V.length, 16 * ps);
  if (T === 0 || g.C === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pg = putGeom(ctx, g);
  const px = ar.copyIn(x, g.N * g.C * g.H * g.W);
  const pv = ar.outAt(V, 16 * ps * 2);
  const sc = ar.alloc(ctx.ex.winograd_scratch_bytes(pg));
  ctx.ex.winograd_input(pg, px, pv, ps, sc, 0, g.N);
  ar.get(pv, V, 16 * ps, 2);
}

export function winogradConvWasm(
  ctx: WasmContext,
  g: ConvGeom,
  x: Int8Array,
  U: Int16Array,
  OC: number,
  bias: ArrayLike<number> | null,
  y: Int32Array,
): void {
  checkWinogradGeom(g);
  need('winograd_conv: x', x.length, g.N * g.C * g.H * g.W);
  need('winograd_conv: U', U.length, 16 * OC * g.C);
  need('winograd_conv: y', y.length, g.N * OC * g.OH * g.OW);
  if (bias) need('winograd_conv: bias', bias.length, OC);
  const ny = g.N * OC * g.OH * g.OW;
  if (ny === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pg = putGeom(ctx, g);
  const px = ar.copyIn(x, g.N * g.C * g.H * g.W);
  const pu = ar.copyIn(U, 16 * OC * g.C);
  let pb = 0;
  if (bias) {
    pb = ar.alloc(OC * 8);
    ar.f64(pb, OC).set(Array.from({ length: OC }, (_, i) => bias[i]));
  }
  const py = ar.outAt(y, ny * 4);
  // Images split over threads (each its own scratch) when the conv is large enough.
  const macs = (g.N * OC * g.C * g.OH * g.OW * 9) / 2.25;
  const threads = ctx.runner && macs >= MIN_THREADED_MACS ? Math.min(ctx.runner.threads, g.N) : 1;
  const sc = Array.from({ length: threads }, () =>
    ar.alloc(ctx.ex.winograd_conv_scratch_bytes(pg, OC)),
  );
  const per = Math.ceil(g.N / threads);
  const args: ArgsOf<'winograd_conv'>[] = [];
  for (let i = 0, n0 = 0; n0 < g.N; i++, n0 += per)
    args.push([pg, px, pu, OC, pb, py, n0, Math.min(g.N, n0 + per), sc[i]]);
  runParts(ctx, 'winograd_conv', args, (a) => ctx.ex.winograd_conv(...a));
  ar.get(py, y, ny, 4);
}

export function winogradErrorWasm(
  ctx: WasmContext,
  g: ConvGeom,
  OC: number,
  e: Int8Array,
  E: Int16Array,
): void {
  checkWinogradGeom(g);
  const { T } = winogradTiles(g);
  need('winograd_error: e', e.length, g.N * OC * g.OH * g.OW);
  const ps = winogradStride(OC, T);
  need('winograd_error: E', E.length, 16 * ps);
  if (T === 0 || OC === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pg = putGeom(ctx, g);
  const pe = ar.copyIn(e, g.N * OC * g.OH * g.OW);
  const pE = ar.outAt(E, 16 * ps * 2);
  const sc = ar.alloc(ctx.ex.winograd_scratch_bytes(pg));
  ctx.ex.winograd_error(pg, OC, pe, pE, ps, sc, 0, g.N);
  ar.get(pE, E, 16 * ps, 2);
}

export function winogradWgradWasm(
  ctx: WasmContext,
  dU: Int32Array | Float64Array,
  OC: number,
  C: number,
  dw: Int32Array | Float64Array,
): void {
  need('winograd_wgrad: dU', dU.length, 16 * OC * C);
  need('winograd_wgrad: dw', dw.length, OC * C * 9);
  const ar = ctx.arena;
  ar.reset();
  const kd = elemKind(dU) === KIND_I32 ? KIND_I32 : KIND_F64;
  const kw = elemKind(dw) === KIND_I32 ? KIND_I32 : KIND_F64;
  const pd = ar.copyIn(dU, 16 * OC * C);
  const pw = ar.outAt(dw, OC * C * 9 * dw.BYTES_PER_ELEMENT);
  ctx.ex.winograd_wgrad(pd, kd, OC, C, pw, kw);
  ar.get(pw, dw, OC * C * 9, dw.BYTES_PER_ELEMENT);
}
