// SPDX-License-Identifier: MIT
// Wrappers of the recurrent layers' kernels (assembly/lstm.ts, softmax.ts, convert.ts): the
// fixed-point LSTM step and its backward, attention's softmax, and the conversions between
// GEMMs. Resident (workspace) arrays are used in place; others are copied in and out.

import type { AccArray, AnyArray, LstmStep } from '../spec.js';
import { elemKind } from './codes.js';
import type { WasmContext } from './context.js';

export function need(kind: string, what: string, got: number, want: number): void {
  if (got < want) throw new RangeError(`${kind}: ${what} holds ${got} elements, needs ${want}`);
}

export function checkStep(kind: string, s: LstmStep): void {
  if (!Number.isInteger(s.N) || !Number.isInteger(s.H) || s.N < 0 || s.H < 0)
    throw new RangeError(`${kind}: N=${s.N} and H=${s.H} must be integers >= 0`);
  if (s.lens) need(kind, 'lens', s.lens.length, s.N);
}

export function lstmFwdFixedWasm(
  ctx: WasmContext,
  s: LstmStep,
  gx: AccArray,
  zx: number,
  gh: AccArray,
  zh: number,
  b12: Int32Array,
  hPrev: Int16Array,
  cPrev: Int32Array,
  act: Int16Array,
  tc: Int16Array,
  h: Int16Array,
  c: Int32Array,
): void {
  checkStep('lstm_fwd_fixed', s);
  for (const z of [zx, zh])
    if (!Number.isInteger(z) || Math.abs(z) > 900)
      throw new RangeError(`lstm_fwd_fixed: scale exponent ${z} must be an integer in [-900, 900]`);
  const { N, H } = s;
  const nh = N * H;
  const ng = 4 * nh;
  for (const [a, w, n] of [
    [gx, 'gx', ng],
    [gh, 'gh', ng],
    [b12, 'b12', 4 * H],
    [hPrev, 'hPrev', nh],
    [cPrev, 'cPrev', nh],
    [act, 'act', ng],
    [tc, 'tc', nh],
    [h, 'h', nh],
    [c, 'c', nh],
  ] as const)
    need('lstm_fwd_fixed', w, a.length, n);
  if (nh === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pl = s.lens ? ar.copyIn(s.lens, N) : 0;
  const pgx = ar.copyIn(gx, ng);
  const pgh = ar.copyIn(gh, ng);
  const pb = ar.copyIn(b12, 4 * H);
  const php = ar.copyIn(hPrev, nh);
  const pcp = ar.copyIn(cPrev, nh);
  const pa = ar.outAt(act, ng * 2);
  const pt = ar.outAt(tc, nh * 2);
  const ph = ar.outAt(h, nh * 2);
  const pc = ar.outAt(c, nh * 4);
  ctx.ex.lstm_fwd_fixed(
    N,
    H,
    s.t,
    pl,
    pgx,
    elemKind(gx),
    zx,
    pgh,
    elemKind(gh),
    zh,
    pb,
    php,
    pcp,
    pa,
    pt,
    ph,
    pc,
  );
  ar.get(pa, act, ng, 2);
  ar.get(pt, tc, nh, 2);
  ar.get(ph, h, nh, 2);
  ar.get(pc, c, nh, 4);
}

export function lstmBwdF32Wasm(
  ctx: WasmContext,
  s: LstmStep,
  dhp: AccArray | null,
  scale: number,
  ey: Float32Array | null,
  act: Int16Array,
  tc: Int16Array,
  cPrev: Int32Array,
  dh: Float32Array,
  dc: Float32Array,
  dz: Float32Array,
): void {
  checkStep('lstm_bwd_f32', s);
  const { N, H } = s;
  const nh = N * H;
  const ng = 4 * nh;
  if (dhp) need('lstm_bwd_f32', 'dhp', dhp.length, nh);
  if (ey) need('lstm_bwd_f32', 'ey', ey.length, nh);
  for (const [a, w, n] of [
    [act, 'act', ng],
    [tc, 'tc', nh],
    [cPrev, 'cPrev', nh],
    [dh, 'dh', nh],
    [dc, 'dc', nh],
    [dz, 'dz', ng],
  ] as const)
    need('lstm_bwd_f32', w, a.length, n);
  if (nh === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pl = s.lens ? ar.copyIn(s.lens, N) : 0;
  const pd = dhp ? ar.copyIn(dhp, nh) : 0;
  const pe = ey ? ar.copyIn(ey, nh) : 0;
  const pa = ar.copyIn(act, ng);
  const pt = ar.copyIn(tc, nh);
  const pc = ar.copyIn(cPrev, nh);
  const pdh = ar.copyIn(dh, nh);
  const pdc = ar.copyIn(dc, nh);
  const pz = ar.outAt(dz, ng * 4);
  ctx.ex.lstm_bwd_f32(
    N,
    H,
    s.t,
    pl,
    pd,
    dhp ? elemKind(dhp) : 0,
    scale,
    pe,
    pa,
    pt,
    pc,
    pdh,
    pdc,
    pz,
  );
  ar.get(pdh, dh, nh, 4);
  ar.get(pdc, dc, nh, 4);
  ar.get(pz, dz, ng, 4);
}

export function softmaxFixedWasm(
  ctx: WasmContext,
  scores: AccArray,
  rows: number,
  cols: number,
  valid: number | Int32Array,
  mult: number,
  p: Int16Array,
): void {
  const n = rows * cols;
  need('softmax_fixed', 'scores', scores.length, n);
  need('softmax_fixed', 'p', p.length, n);
  if (typeof valid !== 'number') need('softmax_fixed', 'valid', valid.length, rows);
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const ps = ar.copyIn(scores, n);
  const pv = typeof valid === 'number' ? 0 : ar.copyIn(valid, rows);
  const pp = ar.outAt(p, n * 2);
  const v = typeof valid === 'number' ? valid : 0;
  ctx.ex.softmax_fixed(ps, elemKind(scores), rows, cols, v, pv, mult, pp);
  ar.get(pp, p, n, 2);
}

export function softmaxBwdWasm(
  ctx: WasmContext,
  p: Int16Array,
  dp: AccArray | Float32Array,
  dpScale: number,
  rows: number,
  cols: number,
  scale: number,
  ds: Float32Array,
): void {
  const n = rows * cols;
  for (const [a, w] of [
    [p, 'p'],
    [dp, 'dp'],
    [ds, 'ds'],
  ] as const)
    need('softmax_bwd', w, a.length, n);
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pp = ar.copyIn(p, n);
  const pd = ar.copyIn(dp, n);
  const po = ar.outAt(ds, n * 4);
  ctx.ex.softmax_bwd(pp, pd, elemKind(dp), dpScale, rows, cols, scale, po);
  ar.get(po, ds, n, 4);
}

export function scaleToF32Wasm(
  ctx: WasmContext,
  src: AnyArray,
  scale: number,
  dst: Float32Array,
): void {
  const n = dst.length;
  need('scale_to_f32', 'src', src.length, n);
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const ps = ar.copyIn(src, n);
  const pd = ar.outAt(dst, n * 4);
  ctx.ex.scale_to_f32(ps, elemKind(src), n, scale, pd);
  ar.get(pd, dst, n, 4);
}

export function axpyF64Wasm(ctx: WasmContext, src: AccArray, scale: number, c: Float64Array): void {
  const n = c.length;
  need('axpy_f64', 'src', src.length, n);
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const ps = ar.copyIn(src, n);
  const pc = ar.copyIn(c, n);
  ctx.ex.axpy_f64(ps, elemKind(src), n, scale, pc);
  ar.get(pc, c, n, 8);
}

export function sumRowsF64Wasm(
  ctx: WasmContext,
  src: Float32Array,
  rows: number,
  cols: number,
  out: Float64Array,
): void {
  need('sum_rows_f64', 'src', src.length, rows * cols);
  need('sum_rows_f64', 'out', out.length, cols);
  if (cols === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const ps = ar.copyIn(src, rows * cols);
  const po = ar.outAt(out, cols * 8);
  ctx.ex.sum_rows_f64(ps, rows, cols, po);
  ar.get(po, out, cols, 8);
}
