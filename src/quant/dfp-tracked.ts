// SPDX-License-Identifier: MIT
// Dynamic fixed point with a tracked, overflow-driven exponent (Courbariaux et al. 2014,
// "Training deep neural networks with low precision multiplications", sec. 3.2; used by
// Su et al. 2020 for their 8-bit training): the kind `dfp-tracked`.

import { z } from 'zod';
import { dynamicExponent, qmax } from '../format/format.js';
import { intDTypeFor } from '../tensor/dtype.js';
import { stepArray } from '../kernels/step-array.js';
import { fixedTensor, type Tensor } from '../tensor/tensor.js';
import { Lfsr32, type RngKind } from './lfsr.js';
import { registerQuantizer } from './registry.js';
import type { Rng } from './rng.js';
import type { Quantizer, SiteContext, SiteWhere } from './site.js';

const params = z.strictObject({
  bits: z.number().int().min(2).max(24),
  rounding: z.enum(['nearest', 'stochastic']).default('nearest'),
  /** Generator for stochastic rounding: the site's seeded xoshiro128**, or a 32-bit LFSR. */
  rng: z.enum(['xoshiro', 'lfsr']).default('xoshiro'),
  /** Largest tolerated fraction of values beyond the range (Courbariaux et al. use 1e-4). */
  overflowRate: z.number().min(0).max(1).default(1e-4),
});
type Params = z.output<typeof params>;

/** Counts of one training step's calls, settled into one exponent move at the step's end. */
interface Pending {
  step: number;
  /** Values seen, values that saturated, values that would overflow one step finer. */
  count: number;
  saturated: number;
  finer: number;
  /** Largest |x| seen (0: every value was zero, which says nothing about the range). */
  max: number;
}

/**
 * One shared exponent per site, kept from step to step and moved by at most one per training
 * step: up when more than `overflowRate` of the step's values overflowed, down when twice the
 * values would still have overflowed no more often. A site called several times in one step
 * (an LSTM's h_t, each step's gate error) uses one exponent for the whole step and counts all
 * its calls before the move, which happens at the first call of a later step (or an eval
 * call). A step whose values were all zero does not move it (nothing to fit: lowering would
 * run away). The exponent starts from the first nonzero tensor's max |x|. Eval calls use the
 * current exponent and are not counted. Values that overflow saturate (counted in telemetry).
 * With `rng: "lfsr"` stochastic rounding draws from an Lfsr32 seeded from the site's generator
 * on first use (reproducible from the run seed).
 */
export class DfpTrackedQuantizer implements Quantizer {
  readonly description: string;
  private exp: number | null = null;
  private lfsr: Lfsr32 | null = null;
  private pending: Pending | null = null;

  constructor(
    readonly p: Params,
    readonly where: SiteWhere,
  ) {
    const r =
      p.rounding === 'stochastic'
        ? `stochastic (${p.rng === 'lfsr' ? 'LFSR' : 'xoshiro128**'})`
        : 'nearest';
    this.description = `dfp<${p.bits}> ${r}, exponent tracked per step by overflow rate <= ${p.overflowRate}`;
  }

  bits(): number {
    return this.p.bits;
  }

  /** The exponent a call of the next step uses (null before the first nonzero tensor). */
  exponent(): number | null {
    return this.moved(this.pending);
  }

  private generator(ctx: SiteContext): Rng | null {
    if (this.p.rounding !== 'stochastic') return null;
    if (this.p.rng === 'xoshiro') return ctx.rng;
    // A test pass draws from an LFSR of its own, seeded from its batch's generator: training's
    // LFSR moves only in training.
    if (!ctx.training) return new Lfsr32(ctx.rng.nextU32());
    this.lfsr ??= new Lfsr32(ctx.rng.nextU32());
    return this.lfsr;
  }

  /** The exponent after a step with counts `s`: one up on overflow, one down when it fits. */
  private moved(s: Pending | null): number | null {
    if (!s || this.exp === null || s.max === 0) return this.exp;
    const limit = this.p.overflowRate * s.count;
    if (s.saturated > limit) return this.exp + 1;
    if (s.finer <= limit) return this.exp - 1;
    return this.exp;
  }

  /** Moves the exponent by the counts of the finished step. */
  private settle(): void {
    this.exp = this.moved(this.pending);
    this.pending = null;
  }

  apply(x: Tensor, ctx: SiteContext): Tensor {
    if (this.pending && (!ctx.training || ctx.step !== this.pending.step)) this.settle();
    const k = ctx.kernels;
    const bits = this.p.bits;
    const n = x.kind === 'float' ? x.data.length : x.mant.length;
    const scale = x.kind === 'float' ? 1 : 2 ** x.exp;
    const src = x.kind === 'float' ? x.data : x.mant;
    const max = k.maxAbs(src) * scale;
    if (this.exp === null && max > 0 && ctx.training) this.exp = dynamicExponent(max, bits);
    // Before the first nonzero tensor any exponent quantizes the zeros exactly; a test pass
    // before training saw one fits its own tensor (and keeps nothing).
    const exp = this.exp ?? dynamicExponent(ctx.training ? 0 : max, bits);
    // A step's tensor: in the kernels' workspace when training (no allocation, no copies).
    const mant = stepArray(ctx, intDTypeFor(bits), n, false);
    const rng = this.generator(ctx);
    const stats =
      x.kind === 'float'
        ? k.quantize(x.data, exp, bits, this.p.rounding, rng, mant)
        : k.requantize(x.mant, x.exp, exp, bits, this.p.rounding, rng, mant);
    if (ctx.training && n > 0) {
      // Count |v| > max at exponent exp - 1 (would overflow one step finer).
      // |src * scale| >= lim <=> |src| >= lim / scale (scale a power of two: exact).
      const lim = (qmax(bits) + 0.5) * 2 ** (exp - 1);
      const finer = max >= lim ? k.count_abs_at_least(src, lim / scale) : 0;
      const s = (this.pending ??= {
        step: ctx.step,
        count: 0,
        saturated: 0,
        finer: 0,
        max: 0,
      });
      s.count += n;
      s.saturated += stats.saturated;
      s.finer += finer;
      s.max = Math.max(s.max, max);
    }
    const out = fixedTensor(x.shape, mant, exp, bits);
    const t = ctx.telemetry;
    if (t) {
      t.record({
        layer: this.where.layer,
        site: this.where.site,
        exp,
        bits,
        ...stats,
        ...(t.wantsValues ? { input: x, output: out } : {}),
      });
    }
    return out;
  }

  saveState(): unknown {
    return {
      exp: this.exp,
      lfsr: this.lfsr ? this.lfsr.state() : null,
      pending: this.pending ? { ...this.pending } : null,
    };
  }

  loadState(s: unknown): void {
    const st = stateSchema.parse(s);
    this.exp = st.exp;
    this.pending = st.pending ? { ...st.pending } : null;
    if (st.lfsr) {
      this.lfsr = new Lfsr32(1);
      this.lfsr.setState(st.lfsr);
    }
  }
}

const stateSchema = z.object({
  exp: z.number().int().nullable(),
  lfsr: z.array(z.number()).nullable(),
  pending: z
    .object({
      step: z.number().int(),
      count: z.number(),
      saturated: z.number(),
      finer: z.number(),
      max: z.number(),
    })
    .nullable()
    .default(null),
});

export type { RngKind };

registerQuantizer({
  name: 'dfp-tracked',
  summary:
    'dynamic fixed point, exponent moved per step by the overflow rate; nearest or stochastic (xoshiro/LFSR)',
  params,
  create: (p, where) => new DfpTrackedQuantizer(p, where),
});
