// SPDX-License-Identifier: MIT
// Wrappers of the float-path LSTM step, its backward and float_fn_f64 (assembly/lstm_float.ts).
// Resident (workspace) arrays are used in place; others are copied in and out.

import type { FloatFn, LstmStep } from '../spec.js';
import { floatFnCode } from './codes.js';
import type { WasmContext } from './context.js';
import { checkStep, need } from './recurrent.js';

export function lstmFwdFloatWasm(
  ctx: WasmContext,
  s: LstmStep,
  gx: Float32Array,
  gh: Float32Array,
  bias: Float32Array,
  hPrev: Float32Array,
  cPrev: Float32Array,
  act: Float32Array,
  tc: Float32Array,
  h: Float32Array,
  c: Float32Array,
): void {
  const kind = 'lstm_fwd_float';
  checkStep(kind, s);
  const { N, H } = s;
  const nh = N * H;
  const ng = 4 * nh;
  for (const [a, w, n] of [
    [gx, 'gx', ng],
    [gh, 'gh', ng],
    [bias, 'bias', 4 * H],
    [hPrev, 'hPrev', nh],
    [cPrev, 'cPrev', nh],
    [act, 'act', ng],
    [tc, 'tc', nh],
    [h, 'h', nh],
    [c, 'c', nh],
  ] as const)
    need(kind, w, a.length, n);
  if (nh === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pl = s.lens ? ar.copyIn(s.lens, N) : 0;
  const pgx = ar.copyIn(gx, ng);
  const pgh = ar.copyIn(gh, ng);
  const pb = ar.copyIn(bias, 4 * H);
  const php = ar.copyIn(hPrev, nh);
  const pcp = ar.copyIn(cPrev, nh);
  const pa = ar.outAt(act, ng * 4);
  const pt = ar.outAt(tc, nh * 4);
  const ph = ar.outAt(h, nh * 4);
  const pc = ar.outAt(c, nh * 4);
  ctx.ex.lstm_fwd_float(N, H, s.t, pl, pgx, pgh, pb, php, pcp, pa, pt, ph, pc);
  ar.get(pa, act, ng, 4);
  ar.get(pt, tc, nh, 4);
  ar.get(ph, h, nh, 4);
  ar.get(pc, c, nh, 4);
}

export function lstmBwdFloatWasm(
  ctx: WasmContext,
  s: LstmStep,
  dhp: Float32Array | null,
  ey: Float32Array | null,
  act: Float32Array,
  tc: Float32Array,
  cPrev: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  dz: Float32Array,
): void {
  const kind = 'lstm_bwd_float';
  checkStep(kind, s);
  const { N, H } = s;
  const nh = N * H;
  const ng = 4 * nh;
  if (dhp) need(kind, 'dhp', dhp.length, nh);
  if (ey) need(kind, 'ey', ey.length, nh);
  for (const [a, w, n] of [
    [act, 'act', ng],
    [tc, 'tc', nh],
    [cPrev, 'cPrev', nh],
    [dh, 'dh', nh],
    [dc, 'dc', nh],
    [dz, 'dz', ng],
  ] as const)
    need(kind, w, a.length, n);
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
  ctx.ex.lstm_bwd_float(N, H, s.t, pl, pd, pe, pa, pt, pc, pdh, pdc, pz);
  ar.get(pdh, dh, nh, 4);
  ar.get(pdc, dc, nh, 4);
  ar.get(pz, dz, ng, 4);
}

export function floatFnF64Wasm(
  ctx: WasmContext,
  fn: FloatFn,
  x: Float64Array,
  y: Float64Array,
): void {
  const code = floatFnCode(fn);
  const n = y.length;
  need('float_fn_f64', 'x', x.length, n);
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const px = ar.copyIn(x, n);
  const py = ar.outAt(y, n * 8);
  ctx.ex.float_fn_f64(code, px, py, n);
  ar.get(py, y, n, 8);
}
