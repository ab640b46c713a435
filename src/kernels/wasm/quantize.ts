// SPDX-License-Identifier: MIT
// quantize / requantize / maxAbs wrappers. The kernels repeat the reference's float64
// arithmetic and its one-draw-per-element use of xoshiro128**; the generator state is copied
// in and back out so it ends exactly where the reference would leave it. Large tensors run in
// ranges on the worker threads (elementwise-split.ts), stochastic rounding included.

import type { IntArray, MantArray } from '../../tensor/dtype.js';
import type { AnyArray } from '../spec.js';
import { qmax, qmin } from '../../format/format.js';
import { Xoshiro128, type Rng } from '../../quant/rng.js';
import { jumpState } from '../../quant/rng-jump.js';
import type { Rounding } from '../../quant/rounding.js';
import type { QuantStats } from '../../quant/stats.js';
import { maxAbs as refMaxAbs, quantizeInto, requantizeInto } from '../../quant/quantize.js';
import { minMax as refMinMax } from '../ref/flag.js';
import { elemKind, roundCode } from './codes.js';
import type { WasmContext } from './context.js';
import { elementRanges, sumCounts, type Range } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { runParts } from './gemm-split.js';

/** Elements each of quantize's four generator lanes takes of a range of n (quantize_lanes.ts). */
function laneLength(n: number): number {
  return (n >> 4) << 2;
}

/**
 * Generator state slots, one per range (0s without stochastic rounding), or null when the loop
 * must stay in TypeScript (another Rng kind). Range i starts at the state the sequential
 * generator has after range i-1's draws (one per element: rng-jump.ts), so the ranges draw
 * exactly what one pass would; the last range's slot ends where that pass ends. With `lanes`
 * (quantize) a slot holds four states: the range's start and the states laneLength(count),
 * 2 and 3 times that many draws later, where the kernel's generator lanes start.
 */
function rngSlots(
  ctx: WasmContext,
  rounding: Rounding,
  rng: Rng | null,
  ranges: readonly Range[],
  lanes = false,
): number[] | null {
  if (rounding !== 'stochastic') return ranges.map(() => 0);
  if (!rng) throw new Error('stochastic rounding needs a seeded rng');
  if (!(rng instanceof Xoshiro128)) return null;
  let st: Uint32Array = Uint32Array.from(rng.state());
  return ranges.map((r, i) => {
    if (i > 0) st = jumpState(st, ranges[i - 1].count);
    const p = ctx.arena.alloc(lanes ? 64 : 16);
    ctx.arena.put(p, st, 4, 4);
    const m = laneLength(r.count);
    if (lanes && m > 0) {
      let lane = st;
      for (let j = 1; j < 4; j++) {
        lane = jumpState(lane, m);
        ctx.arena.put(p + 16 * j, lane, 4, 4);
      }
    }
    return p;
  });
}

function finish(
  ctx: WasmContext,
  rounding: Rounding,
  rng: Rng | null,
  pr: readonly number[],
  ps: number,
  n: number,
): QuantStats {
  if (rounding === 'stochastic' && rng) {
    const st = new Uint32Array(4);
    ctx.arena.get(pr[pr.length - 1], st, 4, 4);
    rng.setState(Array.from(st));
  }
  const [saturated, underflow] = sumCounts(ctx, ps, pr.length);
  return { count: n, saturated, underflow };
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
  const ranges = elementRanges(ctx, n);
  const pr = rngSlots(ctx, rounding, rng, ranges, true);
  if (pr === null) return quantizeInto(values, exp, bits, rounding, rng, out, symmetric);
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
    pr[i],
    ps + 8 * i,
  ]);
  runParts(ctx, 'quantize', args, (x) => ctx.ex.quantize(...x));
  ar.get(po, out, n, eo);
  return finish(ctx, rounding, rng, pr, ps, n);
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
  const ranges = elementRanges(ctx, n);
  const pr = rngSlots(ctx, rounding, rng, ranges);
  if (pr === null) return requantizeInto(mant, fromExp, toExp, bits, rounding, rng, out, symmetric);
  const s = toExp - fromExp;
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
    pr[i],
    ps + 8 * i,
  ]);
  runParts(ctx, 'requantize', args, (x) => ctx.ex.requantize(...x));
  ar.get(po, out, n, eo);
  return finish(ctx, rounding, rng, pr, ps, n);
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

/** sum |x| (Kernels.sum_abs): one call, the lanes' order is sequential by definition. */
export function sumAbsWasm(ctx: WasmContext, x: AnyArray): number {
  const ar = ctx.arena;
  ar.reset();
  const px = ar.copyIn(x);
  const pl = ar.alloc(16 * 8);
  ctx.ex.sum_abs(px, elemKind(x), x.length, pl);
  return ar.f64(pl, 1)[0];
}

/** max |x| as maxAbsWasm, but NaN (no throw) when x holds NaN or an infinity. */
export function maxAbsOrNaNWasm(ctx: WasmContext, x: AnyArray): number {
  const ar = ctx.arena;
  ar.reset();
  const [mn, mx] = minMaxRaw(ctx, ar.copyIn(x), x);
  const m = Math.max(-mn, mx);
  if (!Number.isFinite(m)) return NaN;
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
