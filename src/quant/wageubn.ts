// SPDX-License-Identifier: MIT
// WAGEUBN's quantization functions (Yang et al. 2020, sec. III-B/C) as quantizer kinds:
//   wageubn-direct    Q(x,k)  = round(x 2^(k-1)) / 2^(k-1)                     eq. 5 (9, 12, 13)
//   wageubn-constant  CQ(x)   = clip(Sr(dr x / R(x)), -dr+1, dr-1) / 2^(kGC-1)   eq. 6 (17)
//   wageubn-shift     SQ(x,k) = R(x) clip(Q(x / R(x), k), -1+d(k), 1-d(k))       eq. 7 (14, 15)
//   wageubn-flag      Flag Q_E2: the 9-bit flag format with Sc = R(x) / 2^(k-1)  eq. 16
// with R(x) = 2^round(log2 max|x|) and d(k) = 2^-(k-1). round is round half up (lowbit's
// nearest); a direct site may ask for round half to even instead ("rounding": "nearest-even",
// e.g. Q_Acc, whose input lies on a grid two bits finer, so a quarter of it are ties). Sr is
// stochastic rounding with the site's seeded generator (one draw per element).
// Every output is a fixed-point tensor: mantissas on a power-of-two grid.

import { z } from 'zod';
import { dtypeOf, intDTypeFor } from '../tensor/dtype.js';
import { stepArray } from '../kernels/step-array.js';
import { fixedTensor, withMantMax, type FixedTensor, type Tensor } from '../tensor/tensor.js';
import { flagQuantize } from '../format/flag.js';
import { registerQuantizer } from './registry.js';
import { recordSite } from './record.js';
import type { QuantStats } from './stats.js';
import { roundHalfEven, type Rounding, roundNearest } from './rounding.js';
import type { FlagGrid, Quantizer, RoundingGrid, SiteContext, SiteWhere } from './site.js';

/** log2 of R(x) = 2^round(log2 max|x|) (eq. 6), or null for an all-zero tensor. */
export function rExponent(maxAbs: number): number | null {
  if (!(maxAbs > 0)) return null;
  return roundNearest(Math.log2(maxAbs));
}

/** The dr of eq. 6 at `epoch`: 2^(k-1), halved at each epoch listed in `halveAt` (>= 1). */
export function drAt(k: number, halveAt: readonly number[], epoch: number): number {
  const passed = halveAt.filter((e) => Math.max(0, epoch) >= e).length;
  return Math.max(1, 2 ** (k - 1 - passed));
}

/** max |stored number| (float value or mantissa): its producer's when it computed one, else a scan. */
function storedMaxOf(x: Tensor, ctx: SiteContext): number {
  if (x.kind === 'float') return x.maxAbs ?? ctx.kernels.maxAbs(x.data);
  return x.mantMax ?? ctx.kernels.maxAbs(x.mant);
}

/** value = stored number * scaleOf(x). */
const scaleOf = (x: Tensor): number => (x.kind === 'float' ? 1 : 2 ** x.exp);

/**
 * max |r(v)| over a tensor whose max |v| is m, for a monotone r with r(0) = 0, from m alone:
 * r(m) and r(-m) bound every |r(v)| and one of them is reached, so where their magnitudes are
 * equal that is the max. undefined where they differ (m is a tie of r's rounding).
 */
function roundedMax(m: number, r: (v: number) => number): number | undefined {
  const hi = Math.abs(r(m));
  return hi === Math.abs(r(-m)) ? hi : undefined;
}

/** The output's exact max |mant| attached where it is known. */
const withMax = (t: FixedTensor, max: number | undefined): FixedTensor =>
  max === undefined ? t : (withMantMax(t, max) as FixedTensor);

/**
 * Whether x is fixed-point at exponent `exp` with mantissas of the storage a `bits`-bit
 * quantizer writes: a quantizer that maps each such mantissa to itself may return x's array.
 */
const onGrid = (x: Tensor, exp: number, bits: number): x is FixedTensor =>
  x.kind === 'fixed' && x.exp === exp && dtypeOf(x.mant) === intDTypeFor(bits);

/** Nothing saturated or underflowed: what a quantizer that keeps every value counts. */
const kept = (n: number): QuantStats => ({ count: n, saturated: 0, underflow: 0 });

/** Bits of an unclipped k-bit direct quantizer's mantissas whose largest magnitude is `big`. */
const directWidth = (k: number, big: number): number =>
  Math.max(k, Math.ceil(Math.log2(big + 1)) + 1);

const lengthOf = (x: Tensor): number => (x.kind === 'float' ? x.data.length : x.mant.length);

/** A step's mantissa array for `bits`-bit values (in the kernels' workspace when training). */
const mantissas = (ctx: SiteContext, bits: number, n: number, zeroed = false) =>
  stepArray(ctx, intDTypeFor(bits), n, zeroed);

/**
 * Quantizes x at exponent `exp` to `bits`-bit mantissas with the kernels, clamped
 * symmetrically to +-(2^(bits-1) - 1) as WAGEUBN clips, into an array of `outBits` bits.
 */
function symmetricQuant(
  x: Tensor,
  exp: number,
  bits: number,
  rounding: Rounding,
  ctx: SiteContext,
  outBits = bits,
) {
  const mant = mantissas(ctx, outBits, lengthOf(x));
  const rng = rounding === 'stochastic' ? ctx.rng : null;
  const k = ctx.kernels;
  const stats =
    x.kind === 'float'
      ? k.quantize(x.data, exp, bits, rounding, rng, mant, true)
      : k.requantize(x.mant, x.exp, exp, bits, rounding, rng, mant, true);
  return { mant, stats };
}

const zeroOut = (x: Tensor, bits: number, ctx: SiteContext): Tensor =>
  withMantMax(fixedTensor(x.shape, mantissas(ctx, bits, lengthOf(x), true), 0, bits), 0);

abstract class WageubnQuantizer implements Quantizer {
  abstract readonly description: string;
  constructor(readonly where: SiteWhere) {}
  abstract bits(): number;
  abstract apply(x: Tensor, ctx: SiteContext): Tensor;
  saveState(): unknown {
    return null;
  }
  loadState(): void {}
}

/** The tie rules a direct quantizer offers: eq. 5's round (half up) or half to even. */
export type DirectRounding = 'nearest' | 'nearest-even';

/** Q(x, k) of eq. 5; with `clip`, clip to [-1+d(k), 1-d(k)] as Q_W (eq. 9) and eq. 8. */
export class DirectQuantizer extends WageubnQuantizer {
  readonly description: string;
  constructor(
    readonly k: number,
    readonly clip: boolean,
    where: SiteWhere,
    readonly rounding: DirectRounding = 'nearest',
  ) {
    super(where);
    const ties = rounding === 'nearest-even' ? ', ties to even' : '';
    this.description = `WAGEUBN direct Q(x,${k}) (eq. 5), step 2^-${k - 1}${ties}${clip ? ', clipped to (-1, 1)' : ', no range limit'}`;
  }
  bits(): number {
    return this.k;
  }
  /** Unclipped with round half up: eq. 5's rounding, into int32 storage where it is that. */
  roundingGrid(): RoundingGrid | null {
    if (this.clip || this.rounding !== 'nearest') return null;
    const k = this.k;
    const exp = -(k - 1);
    return {
      exp,
      finish: (shape, mant, big) => {
        const width = directWidth(k, big);
        if (width > 32 || intDTypeFor(width) !== 'int32') return null;
        return withMax(fixedTensor(shape, mant, exp, width), big);
      },
    };
  }
  apply(x: Tensor, ctx: SiteContext): Tensor {
    const k = this.k;
    const exp = -(k - 1);
    let out: Tensor;
    let stats: QuantStats;
    if (this.clip) {
      const r = symmetricQuant(x, exp, k, this.rounding, ctx);
      out = fixedTensor(x.shape, r.mant, exp, k);
      stats = r.stats;
    } else {
      // Eq. 5 has no range limit: the mantissa width follows the data (>= k bits), from the
      // rounded extremes (rounding is monotone, so they bound every mantissa). The producer's
      // max |x| settles them unless it is a tie (BN's x-hat, the A site after an add); else
      // min and max are scanned.
      const kr = ctx.kernels;
      const pre = scaleOf(x);
      const s = 2 ** (k - 1);
      const even = this.rounding === 'nearest-even';
      const round = (v: number) => (even ? roundHalfEven(v * s) : roundNearest(v * s));
      const known = x.kind === 'float' ? x.maxAbs : x.mantMax;
      let big = known === undefined ? undefined : roundedMax(known, (v) => round(v * pre));
      if (big === undefined) {
        const [mn, mx] = kr.minMax(x.kind === 'float' ? x.data : x.mant);
        big = Math.max(Math.abs(round(mx * pre)), Math.abs(round(mn * pre)));
      }
      const width = directWidth(k, big);
      if (width > 32) {
        throw new RangeError(
          `${this.where.layer}.${this.where.site}: Q(x,${k}) of max |x| = ${big / s} needs ${width} bits: ` +
            `the values are too large for direct quantization (set "clip": true or lower k)`,
        );
      }
      const mant = mantissas(ctx, width, lengthOf(x));
      stats =
        x.kind === 'float'
          ? kr.quantize(x.data, exp, width, this.rounding, null, mant)
          : kr.requantize(x.mant, x.exp, exp, width, this.rounding, null, mant);
      out = withMax(fixedTensor(x.shape, mant, exp, width), big);
    }
    recordSite(this.where, ctx, exp, out.kind === 'fixed' ? out.bits : k, stats, x, out);
    return out;
  }
}

/** CQ of eq. 6: gradients normalised by R(x), stochastically rounded to +-(dr-1), scaled by 2^-(kGC-1). */
export class ConstantQuantizer extends WageubnQuantizer {
  readonly description: string;
  constructor(
    readonly k: number,
    readonly kGC: number,
    readonly halveAt: readonly number[],
    where: SiteWhere,
  ) {
    super(where);
    const sched = halveAt.length ? `, dr halves at epochs ${halveAt.join(', ')}` : '';
    this.description = `WAGEUBN constant CQ (eq. 6): dr = 2^${k - 1}${sched}, stochastic, step 2^-${kGC - 1}`;
  }
  bits(): number {
    return this.k;
  }
  apply(x: Tensor, ctx: SiteContext): Tensor {
    const dr = drAt(this.k, this.halveAt, ctx.epoch);
    const bits = Math.log2(dr) + 1;
    const outExp = -(this.kGC - 1);
    const re = rExponent(storedMaxOf(x, ctx) * scaleOf(x));
    if (re === null || dr === 1) return zeroOut(x, this.k, ctx);
    // dr x / R(x) at exponent 0  <=>  x at exponent re - log2(dr); stored as k-bit mantissas
    const r = symmetricQuant(x, re - (bits - 1), Math.max(bits, 2), 'stochastic', ctx, this.k);
    const out = fixedTensor(x.shape, r.mant, outExp, this.k);
    recordSite(this.where, ctx, outExp, this.k, r.stats, x, out);
    return out;
  }
}

/** SQ of eq. 7 (Q_E1 eq. 14; 16-bit Q_E2 eq. 15). */
export class ShiftQuantizer extends WageubnQuantizer {
  readonly description: string;
  constructor(
    readonly k: number,
    where: SiteWhere,
  ) {
    super(where);
    this.description = `WAGEUBN shift SQ(x,${k}) (eq. 7): R(x) * Q(x/R(x), ${k}) clipped`;
  }
  bits(): number {
    return this.k;
  }
  apply(x: Tensor, ctx: SiteContext): Tensor {
    const k = this.k;
    const m = storedMaxOf(x, ctx);
    const re = rExponent(m * scaleOf(x));
    if (re === null) return zeroOut(x, k, ctx);
    const exp = re - (k - 1);
    const top = 2 ** (k - 1) - 1;
    const s = scaleOf(x) * 2 ** -exp;
    const max = roundedMax(m, (v) => Math.max(-top, Math.min(top, roundNearest(v * s))));
    let out: FixedTensor;
    let stats: QuantStats;
    if (onGrid(x, exp, k) && m <= top) {
      // Already SQ's output for this R(x) (E after BatchNorm's E2 in `wageubn`): the integer
      // requantization would shift by 0 and clip nothing, so the mantissas are kept.
      out = fixedTensor(x.shape, x.mant, exp, k);
      stats = kept(x.mant.length);
    } else {
      const r = symmetricQuant(x, exp, k, 'nearest', ctx);
      out = fixedTensor(x.shape, r.mant, exp, k);
      stats = r.stats;
    }
    out = withMax(out, max);
    recordSite(this.where, ctx, exp, k, stats, x, out);
    return out;
  }
}

/** Flag Q_E2 of eq. 16 over the 9-bit flag format (src/format/flag.ts). */
export class FlagQuantizer extends WageubnQuantizer {
  readonly description: string;
  constructor(
    readonly k: number,
    where: SiteWhere,
  ) {
    super(where);
    this.description = `WAGEUBN flag Q_E2 (eq. 16): ${k + 1}-bit flag format, Sc = R(x)/2^${k - 1}`;
  }
  bits(): number {
    return this.k + 1;
  }
  flagGrid(maxAbs: number): FlagGrid | null {
    const re = rExponent(maxAbs);
    if (re === null) return null;
    const k = this.k;
    const scExp = re - (k - 1);
    const exp = scExp - (k - 1);
    const max = roundedMax(maxAbs, (v) => flagQuantize(v, scExp, k).mant);
    return {
      scExp,
      k,
      dtype: intDTypeFor(2 * k),
      finish: (shape, mant) => ({
        ...withMax(fixedTensor(shape, mant, exp, 2 * k), max),
        flagK: k,
      }),
    };
  }
  apply(x: Tensor, ctx: SiteContext): Tensor {
    const m = storedMaxOf(x, ctx);
    const pre = scaleOf(x);
    const re = rExponent(m * pre);
    const k = this.k;
    if (re === null) return zeroOut(x, 2 * k, ctx);
    const scExp = re - (k - 1);
    const exp = scExp - (k - 1);
    // flag_quantize's mantissa of one value (monotone, 0 at 0): of +-max |x| it gives the
    // output's max |mant| (a following conv and Q_E2 read it instead of scanning).
    const max = roundedMax(m, (v) => flagQuantize(v * pre, scExp, k).mant);
    let out: FixedTensor;
    let stats: QuantStats;
    if (onGrid(x, exp, 2 * k) && x.flagK === k) {
      // Already flag values of this Sc (E after BatchNorm's E2 in `wageubn8`): each mantissa
      // below 2^(k-1) rounds to itself, each multiple c 2^(k-1) to c 2^(k-1), none clips.
      out = fixedTensor(x.shape, x.mant, exp, 2 * k);
      stats = kept(x.mant.length);
    } else {
      const mant = mantissas(ctx, 2 * k, lengthOf(x));
      stats =
        x.kind === 'float'
          ? ctx.kernels.flag_quantize(x.data, 0, scExp, k, mant)
          : ctx.kernels.flag_quantize(x.mant, x.exp, scExp, k, mant);
      out = fixedTensor(x.shape, mant, exp, 2 * k);
    }
    out = { ...withMax(out, max), flagK: k };
    recordSite(this.where, ctx, exp, k + 1, stats, x, out);
    return out;
  }
}

const kBits = z.number().int().min(2).max(24);

registerQuantizer({
  name: 'wageubn-direct',
  summary: 'WAGEUBN direct quantization Q(x,k) (eq. 5), optionally clipped to (-1,1) (eq. 9)',
  params: z.strictObject({
    bits: kBits,
    clip: z.boolean().default(false),
    /** Tie rule: eq. 5's round half up, or round half to even (unbiased). */
    rounding: z.enum(['nearest', 'nearest-even']).default('nearest'),
  }),
  create: (p, where) => new DirectQuantizer(p.bits, p.clip, where, p.rounding),
});

registerQuantizer({
  name: 'wageubn-constant',
  summary: 'WAGEUBN constant quantization CQ (eq. 6) with stochastic rounding and the dr schedule',
  params: z.strictObject({
    bits: z.number().int().min(2).max(16).default(8),
    kGC: z.number().int().min(2).max(31).default(15),
    /** Epochs at which dr halves (2^(k-1) -> 2^(k-2) -> ...), e.g. [30, 60]. */
    drHalveAt: z.array(z.number().int().min(1)).default([]),
  }),
  create: (p, where) => new ConstantQuantizer(p.bits, p.kGC, p.drHalveAt, where),
});

registerQuantizer({
  name: 'wageubn-shift',
  summary: 'WAGEUBN shift quantization SQ(x,k) (eq. 7) for errors',
  params: z.strictObject({ bits: kBits }),
  create: (p, where) => new ShiftQuantizer(p.bits, where),
});

registerQuantizer({
  name: 'wageubn-flag',
  summary: 'WAGEUBN 9-bit flag quantization of errors (eq. 16)',
  params: z.strictObject({ bits: z.number().int().min(2).max(15).default(8) }),
  create: (p, where) => new FlagQuantizer(p.bits, where),
});
