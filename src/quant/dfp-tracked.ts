// SPDX-License-Identifier: MIT
// Dynamic fixed point with a tracked, overflow-driven exponent (Courbariaux et al. 2014,
// "Training deep neural networks with low precision multiplications", sec. 3.2; used by
// Su et al. 2020 for their 8-bit training): the kind `dfp-tracked`.

import { z } from 'zod';
import { dynamicExponent, qmax } from '../format/format.js';
import { allocInt } from '../tensor/dtype.js';
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

/**
 * One shared exponent per tensor, kept from step to step and moved by one after each
 * training call: up when more than `overflowRate` of the values overflowed, down when twice
 * the values would still have overflowed no more often. The first call starts from the
 * tensor's own max |x|. Eval calls use the current exponent and do not move it. Values that
 * overflow saturate (counted in telemetry). With `rng: "lfsr"` stochastic rounding draws from
 * an Lfsr32 seeded from the site's generator on first use (reproducible from the run seed).
 */
export class DfpTrackedQuantizer implements Quantizer {
  readonly description: string;
  private exp: number | null = null;
  private lfsr: Lfsr32 | null = null;

  constructor(
    readonly p: Params,
    readonly where: SiteWhere,
  ) {
    const r =
      p.rounding === 'stochastic'
        ? `stochastic (${p.rng === 'lfsr' ? 'LFSR' : 'xoshiro128**'})`
        : 'nearest';
    this.description = `dfp<${p.bits}> ${r}, exponent tracked by overflow rate <= ${p.overflowRate}`;
  }

  bits(): number {
    return this.p.bits;
  }

  /** The current exponent (null before the first call). */
  exponent(): number | null {
    return this.exp;
  }

  private generator(ctx: SiteContext): Rng | null {
    if (this.p.rounding !== 'stochastic') return null;
    if (this.p.rng === 'xoshiro') return ctx.rng;
    this.lfsr ??= new Lfsr32(ctx.rng.nextU32());
    return this.lfsr;
  }

  apply(x: Tensor, ctx: SiteContext): Tensor {
    const k = ctx.kernels;
    const bits = this.p.bits;
    const n = x.kind === 'float' ? x.data.length : x.mant.length;
    const scale = x.kind === 'float' ? 1 : 2 ** x.exp;
    const src = x.kind === 'float' ? x.data : x.mant;
    const exp = (this.exp ??= dynamicExponent(k.maxAbs(src) * scale, bits));
    const mant = allocInt(bits, n);
    const rng = this.generator(ctx);
    const stats =
      x.kind === 'float'
        ? k.quantize(x.data, exp, bits, this.p.rounding, rng, mant)
        : k.requantize(x.mant, x.exp, exp, bits, this.p.rounding, rng, mant);
    if (ctx.training && n > 0) {
      // Count |v| > max at exponent exp - 1 (would overflow one step finer).
      const lim = (qmax(bits) + 0.5) * 2 ** (exp - 1);
      let finer = 0;
      for (let i = 0; i < n; i++) if (Math.abs(src[i] * scale) >= lim) finer++;
      if (stats.saturated > this.p.overflowRate * n) this.exp = exp + 1;
      else if (finer <= this.p.overflowRate * n) this.exp = exp - 1;
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
    return { exp: this.exp, lfsr: this.lfsr ? this.lfsr.state() : null };
  }

  loadState(s: unknown): void {
    const st = stateSchema.parse(s);
    this.exp = st.exp;
    if (st.lfsr) {
      this.lfsr = new Lfsr32(1);
      this.lfsr.setState(st.lfsr);
    }
  }
}

const stateSchema = z.object({
  exp: z.number().int().nullable(),
  lfsr: z.array(z.number()).nullable(),
});

export type { RngKind };

registerQuantizer({
  name: 'dfp-tracked',
  summary:
    'dynamic fixed point, exponent moved per step by the overflow rate; nearest or stochastic (xoshiro/LFSR)',
  params,
  create: (p, where) => new DfpTrackedQuantizer(p, where),
});
