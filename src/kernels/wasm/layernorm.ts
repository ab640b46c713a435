// SPDX-License-Identifier: MIT
// Wrappers of LayerNorm's kernels (assembly/layernorm.ts; contracts in kernels/spec-norm.ts).
// One call per layer pass, on the calling thread: rows of a Transformer are short (D = 32-512),
// and the backward's parameter sums run in row order. Resident (workspace) arrays are used in
// place; others are copied in and out.

import type { AnyArray } from '../spec.js';
import { elemKind } from './codes.js';
import type { WasmContext } from './context.js';
import { need } from './recurrent.js';

function checkRD(kind: string, R: number, D: number): void {
  if (!Number.isInteger(R) || !Number.isInteger(D) || R < 0 || D < 0)
    throw new RangeError(`${kind}: R=${R} and D=${D} must be integers >= 0`);
}

/** layernorm_forward's argument checks (also the native wrapper's: the same messages). */
export function checkLayernormForward(
  x: AnyArray,
  R: number,
  D: number,
  g: Float32Array,
  b: Float32Array,
  y: Float32Array,
  xhat: Float32Array,
  invSigma: Float64Array,
): void {
  checkRD('layernorm_forward', R, D);
  const n = R * D;
  for (const [a, w, m] of [
    [x, 'x', n],
    [g, 'g', D],
    [b, 'b', D],
    [y, 'y', n],
    [xhat, 'xhat', n],
    [invSigma, 'invSigma', R],
  ] as const)
    need('layernorm_forward', w, a.length, m);
}

/** layernorm_backward's argument checks (also the native wrapper's). */
export function checkLayernormBackward(
  e: AnyArray,
  xhat: Float32Array,
  invSigma: Float64Array,
  g: Float32Array,
  R: number,
  D: number,
  dx: Float32Array,
  dgb: Float64Array,
): void {
  checkRD('layernorm_backward', R, D);
  const n = R * D;
  for (const [a, w, m] of [
    [e, 'e', n],
    [xhat, 'xhat', n],
    [invSigma, 'invSigma', R],
    [g, 'g', D],
    [dx, 'dx', n],
    [dgb, 'dgb', 2 * D],
  ] as const)
    need('layernorm_backward', w, a.length, m);
}

export function layernormForwardWasm(
  ctx: WasmContext,
  x: AnyArray,
  R: number,
  D: number,
  unit: number,
  eps: number,
  g: Float32Array,
  b: Float32Array,
  y: Float32Array,
  xhat: Float32Array,
  invSigma: Float64Array,
): void {
  checkLayernormForward(x, R, D, g, b, y, xhat, invSigma);
  const n = R * D;
  if (n === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const px = ar.copyIn(x, n);
  const pg = ar.copyIn(g, D);
  const pb = ar.copyIn(b, D);
  const py = ar.outAt(y, n * 4);
  const ph = ar.outAt(xhat, n * 4);
  const pi = ar.outAt(invSigma, R * 8);
  ctx.ex.layernorm_forward(px, elemKind(x), R, D, unit, eps, pg, pb, py, ph, pi);
  ar.get(py, y, n, 4);
  ar.get(ph, xhat, n, 4);
  ar.get(pi, invSigma, R, 8);
}

export function layernormBackwardWasm(
  ctx: WasmContext,
  e: AnyArray,
  unit: number,
  xhat: Float32Array,
  invSigma: Float64Array,
  g: Float32Array,
  R: number,
  D: number,
  dx: Float32Array,
  dgb: Float64Array,
): void {
  checkLayernormBackward(e, xhat, invSigma, g, R, D, dx, dgb);
  const n = R * D;
  if (D === 0) return;
  const ar = ctx.arena;
  ar.reset();
  const pe = ar.copyIn(e, n);
  const ph = ar.copyIn(xhat, n);
  const pi = ar.copyIn(invSigma, R);
  const pg = ar.copyIn(g, D);
  const pd = ar.outAt(dx, n * 4);
  const pgb = ar.outAt(dgb, 2 * D * 8);
  ctx.ex.layernorm_backward(pe, elemKind(e), unit, ph, pi, pg, R, D, pd, pgb);
  ar.get(pd, dx, n, 4);
  ar.get(pgb, dgb, 2 * D, 8);
}
