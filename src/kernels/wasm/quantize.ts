// SPDX-License-Identifier: MIT
// quantize / requantize / maxAbs wrappers. The kernels repeat the reference's float64
// arithmetic and its one-draw-per-element use of xoshiro128**; the generator state is copied
// in and back out so it ends exactly where the reference would leave it.

import type { IntArray, MantArray } from '../../tensor/dtype.js';
import type { AnyArray } from '../spec.js';
import { qmax, qmin } from '../../format/format.js';
import { Xoshiro128, type Rng } from '../../quant/rng.js';
import type { Rounding } from '../../quant/rounding.js';
import type { QuantStats } from '../../quant/stats.js';
import { maxAbs as refMaxAbs, quantizeInto, requantizeInto } from '../../quant/quantize.js';
import { minMax as refMinMax } from '../ref/flag.js';
import { elemKind, roundCode } from './codes.js';
import type { WasmContext } from './context.js';
import { elementRanges, sumCounts } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { runParts } from './gemm-split.js';

/** Generator state slot, or null when the loop must stay in TypeScript (another Rng kind). */
function rngSlot(ctx: WasmContext, rounding: Rounding, rng: Rng | null): number | null {
  if (rounding !== 'stochastic') return 0;
  if (!rng) throw new Error('stochastic rounding needs a seeded rng');
  if (!(rng instanceof Xoshiro128)) return null;
  const p = ctx.arena.alloc(16);
  ctx.arena.put(p, Uint32Array.from(rng.state()), 4, 4);
  return p;
}

function finish(
  ctx: WasmContext,
  rounding: Rounding,
  rng: Rng | null,
  pr: number,
  ps: number,
  n: number,
  ranges: number,
): QuantStats {
  if (rounding === 'stochastic' && rng) {
    const st = new Uint32Array(4);
    ctx.arena.get(pr, st, 4, 4);
    rng.setState(Array.from(st));
  }
  const [saturated, underflow] = sumCounts(ctx, ps, ranges);
  return { count: n, saturated, underflow };
}

/** Ranges of n elements: one for stochastic rounding (one sequential generator). */
function rangesFor(ctx: WasmContext, rounding: Rounding, n: number) {
  return rounding === 'stochastic' ? [{ start: 0, count: n }] : elementRanges(ctx, n);
}

function checkOut(kind: string, n: number, out: IntArray): void {
  if (out.length < n)
    throw new RangeError(`${kind}: out holds ${out.length} elements, input has ${n}`);
}

export function quantizeWasm(
  ctx: WasmContext,
  values: Float32Array | Float64Array,
  exp: number,
  bits: number,
  rounding: Rounding,
  rng: Rng | null,
  out: IntArray,
  symmetric = false,
): QuantStats {
  const n = values.length;
  checkOut('quantize', n, out);
  const ar = ctx.arena;
  ar.reset();
  const pr = rngSlot(ctx, rounding, rng);
  if (pr === null) return quantizeInto(values, exp, bits, rounding, rng, out, symmetric);
  const ranges = rangesFor(ctx, rounding, n);
  const ps = ar.alloc(8 * ranges.length);
  const pv = ar.copyIn(values);
  const po = ar.outAt(out, n * out.BYTES_PER_ELEMENT);
  const [ev, eo] = [values.BYTES_PER_ELEMENT, out.BYTES_PER_ELEMENT];
  const args = ranges.map((r, i): ArgsOf<'quantize'> => [
    pv + r.start * ev,
    elemKind(values),
    r.count,
    2 ** -exp,
    qmin(bits) + (symmetric ? 1 : 0),
    qmax(bits),
    roundCode(rounding),
    po + r.start * eo,
    elemKind(out),
    pr,
    ps + 8 * i,
  ]);
  runParts(ctx, 'quantize', args, (x) => ctx.ex.quantize(...x));
  ar.get(po, out, n, eo);
  return finish(ctx, rounding, rng, pr, ps, n, ranges.length);
}

export function requantizeWasm(
  ctx: WasmContext,
  mant: MantArray,
  fromExp: number,
  toExp: number,
  bits: number,
  rounding: Rounding,
  rng: Rng | null,
  out: IntArray,
  symmetric = false,
): QuantStats {
  const n = mant.length;
  checkOut('requantize', n, out);
  const ar = ctx.arena;
  ar.reset();
  const pr = rngSlot(ctx, rounding, rng);
  if (pr === null) return requantizeInto(mant, fromExp, toExp, bits, rounding, rng, out, symmetric);
  const s = toExp - fromExp;
  const ranges = rangesFor(ctx, rounding, n);
  const ps = ar.alloc(8 * ranges.length);
  const pm = ar.copyIn(mant);
  const po = ar.outAt(out, n * out.BYTES_PER_ELEMENT);
  const div = 2 ** s;
  const half = s > 0 ? 2 ** (s - 1) : 0;
  const [em, eo] = [mant.BYTES_PER_ELEMENT, out.BYTES_PER_ELEMENT];
  const args = ranges.map((r, i): ArgsOf<'requantize'> => [
    pm + r.start * em,
    elemKind(mant),
    r.count,
    s,
    div,
    half,
    2 ** (s - 24),
    qmin(bits) + (symmetric ? 1 : 0),
    qmax(bits),
    roundCode(rounding),
    po + r.start * eo,
    elemKind(out),
    pr,
    ps + 8 * i,
  ]);
  runParts(ctx, 'requantize', args, (x) => ctx.ex.requantize(...x));
  ar.get(po, out, n, eo);
  return finish(ctx, rounding, rng, pr, ps, n, ranges.length);
}

/**
 * [min, max] of x at px (both start from 0, as the kernel's do) over the threads' ranges:
 * min and max are order-independent, so the split gives the one-range result.
 */
function minMaxRaw(ctx: WasmContext, px: number, x: AnyArray): [number, number] {
  const ranges = elementRanges(ctx, x.length);
  const pt = ctx.arena.alloc(16 * ranges.length);
  const kind = elemKind(x);
  const es = x.BYTES_PER_ELEMENT;
  const args = ranges.map((r, i): ArgsOf<'minmax'> => [
    px + r.start * es,
    kind,
    r.count,
    pt + 16 * i,
  ]);
  runParts(ctx, 'minmax', args, (a) => ctx.ex.minmax(...a));
  const got = ctx.arena.f64(pt, 2 * ranges.length);
  let [mn, mx] = [got[0], got[1]];
  for (let i = 1; i < ranges.length; i++) {
    mn = Math.min(mn, got[2 * i]);
    mx = Math.max(mx, got[2 * i + 1]);
  }
  return [mn, mx];
}

export function maxAbsWasm(ctx: WasmContext, x: AnyArray): number {
  const ar = ctx.arena;
  ar.reset();
  const [mn, mx] = minMaxRaw(ctx, ar.copyIn(x), x);
  const m = Math.max(-mn, mx);
  // NaN or Infinity: the reference finds the first bad index and throws its message.
  if (!Number.isFinite(m)) return refMaxAbs(x);
  return m === 0 ? 0 : m;
}

export function minMaxWasm(ctx: WasmContext, x: AnyArray): [number, number] {
  const ar = ctx.arena;
  ar.reset();
  const [mn, mx] = minMaxRaw(ctx, ar.copyIn(x), x);
  if (!Number.isFinite(mn) || !Number.isFinite(mx)) return refMinMax(x);
  // min/max of -0 and 0 may give -0 here; the reference keeps +0
  return [mn === 0 ? 0 : mn, mx === 0 ? 0 : mx];
}
