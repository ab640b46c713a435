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
): QuantStats {
  if (rounding === 'stochastic' && rng) {
    const st = new Uint32Array(4);
    ctx.arena.get(pr, st, 4, 4);
    rng.setState(Array.from(st));
  }
  const counts = new Int32Array(2);
  ctx.arena.get(ps, counts, 2, 4);
  return { count: n, saturated: counts[0], underflow: counts[1] };
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
  const ps = ar.alloc(8);
  const pv = ar.copyIn(values);
  const po = ar.outAt(out, n * out.BYTES_PER_ELEMENT);
  ctx.ex.quantize(
    pv,
    elemKind(values),
    n,
    2 ** -exp,
    qmin(bits) + (symmetric ? 1 : 0),
    qmax(bits),
    roundCode(rounding),
    po,
    elemKind(out),
    pr,
    ps,
  );
  ar.get(po, out, n, out.BYTES_PER_ELEMENT);
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
  const pr = rngSlot(ctx, rounding, rng);
  if (pr === null) return requantizeInto(mant, fromExp, toExp, bits, rounding, rng, out, symmetric);
  const s = toExp - fromExp;
  const ps = ar.alloc(8);
  const pm = ar.copyIn(mant);
  const po = ar.outAt(out, n * out.BYTES_PER_ELEMENT);
  const div = 2 ** s;
  const half = s > 0 ? 2 ** (s - 1) : 0;
  ctx.ex.requantize(
    pm,
    elemKind(mant),
    n,
    s,
    div,
    half,
    2 ** (s - 24),
    qmin(bits) + (symmetric ? 1 : 0),
    qmax(bits),
    roundCode(rounding),
    po,
    elemKind(out),
    pr,
    ps,
  );
  ar.get(po, out, n, out.BYTES_PER_ELEMENT);
  return finish(ctx, rounding, rng, pr, ps, n);
}

export function maxAbsWasm(ctx: WasmContext, x: AnyArray): number {
  const ar = ctx.arena;
  ar.reset();
  const pt = ar.alloc(16);
  const px = ar.copyIn(x);
  ctx.ex.minmax(px, elemKind(x), x.length, pt);
  const [mn, mx] = ar.f64(pt, 2);
  const m = Math.max(-mn, mx);
  // NaN or Infinity: the reference finds the first bad index and throws its message.
  if (!Number.isFinite(m)) return refMaxAbs(x);
  return m === 0 ? 0 : m;
}

export function minMaxWasm(ctx: WasmContext, x: AnyArray): [number, number] {
  const ar = ctx.arena;
  ar.reset();
  const pt = ar.alloc(16);
  const px = ar.copyIn(x);
  ctx.ex.minmax(px, elemKind(x), x.length, pt);
  const [mn, mx] = ar.f64(pt, 2);
  if (!Number.isFinite(mn) || !Number.isFinite(mx)) return refMinMax(x);
  // min/max of -0 and 0 may give -0 here; the reference keeps +0
  return [mn === 0 ? 0 : mn, mx === 0 ? 0 : mx];
}
