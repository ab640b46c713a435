// SPDX-License-Identifier: MIT
// Zhang et al. 2020, adaptive fixed-point training: the QEM measure (eq. 2) drives QPA, which
// picks each site's bit-width n (8, 16, 24) and resolution r, and how many steps to keep them
// (Itv, from eq. 3's moving-average range). Kind `adaptive`.

import { z } from 'zod';
import { intDTypeFor, type IntArray } from '../tensor/dtype.js';
import { stepArray } from '../kernels/step-array.js';
import { fixedTensor, type Tensor } from '../tensor/tensor.js';
import { registerQuantizer } from './registry.js';
import { sumAbs } from './sum-abs.js';
import { recordSite } from './record.js';
import type { Quantizer, SiteContext, SiteWhere } from './site.js';
import type { QuantStats } from './stats.js';

/** QEM (eq. 2) from the sums: log2(|a - b| / a + 1), a = sum|x|, b = sum|x^|; 0 when a = 0. */
export function qemFromSums(a: number, b: number): number {
  return a === 0 ? 0 : Math.log2(Math.abs((a - b) / a) + 1);
}

/** QEM (eq. 2): Diff = log2(|sum|x| - sum|x^| | / sum|x| + 1); 0 for an all-zero x. */
export function qemDiff(
  x: ArrayLike<number>,
  xq: ArrayLike<number>,
  xScale = 1,
  qScale = 1,
): number {
  return qemFromSums(sumAbs(x) * xScale, sumAbs(xq) * qScale);
}

/** Resolution exponent: r = 2^ceil(log2(Range / (2^(n-1) - 1))). */
export function resolutionExp(range: number, n: number): number {
  if (!(range > 0)) return 0;
  return Math.ceil(Math.log2(range / (2 ** (n - 1) - 1)));
}

/** QPA's interval: Itv = beta / max(I1, I2) - gamma, I1 = delta Diff^2, I2 = |R_i - R_{i-1}|; >= 1. */
export function adjustInterval(
  diff: number,
  dR: number,
  beta: number,
  delta: number,
  gamma: number,
  maxItv: number,
): number {
  const m = Math.max(delta * diff * diff, Math.abs(dR));
  if (m === 0) return maxItv;
  return Math.max(1, Math.min(maxItv, Math.floor(beta / m - gamma)));
}

const params = z.strictObject({
  initBits: z.number().int().min(2).max(32).default(8),
  step: z.number().int().min(1).default(8),
  maxBits: z.number().int().min(2).max(32).default(24),
  /** mode1: start from initBits at every adjustment (can shrink); mode2: from the current width. */
  mode: z.enum(['mode1', 'mode2']).default('mode2'),
  alpha: z.number().min(0).max(1).default(0.04),
  beta: z.number().positive().default(0.1),
  delta: z.number().min(0).default(100),
  gamma: z.number().min(0).default(2),
  tData: z.number().positive().default(0.03),
  /** Steps of the initialization phase with Itv = 1 (the paper: one tenth of the first epoch). */
  initSteps: z.number().int().min(0).default(60),
  /** Cap on Itv (when both indicators are 0 the formula gives infinity). */
  maxInterval: z.number().int().min(1).default(10000),
  rounding: z.enum(['nearest', 'stochastic']).default('nearest'),
});
export type AdaptiveParams = z.output<typeof params>;

const stateSchema = z.object({
  n: z.number().int(),
  exp: z.number().int().nullable(),
  R: z.number().nullable(),
  next: z.number().int(),
  adjustments: z.number().int(),
  calls: z.number().int(),
  bitsCalls: z.record(z.string(), z.number().int()),
});

/** What a site did over training: calls per bit-width and how often QPA ran. */
export interface AdaptiveHistory {
  readonly calls: number;
  readonly adjustments: number;
  /** Training calls per bit-width, e.g. { "8": 900, "16": 100 }. */
  readonly bitsCalls: Readonly<Record<string, number>>;
}

/**
 * What an adjustment step has measured so far. A site called several times in one step (an
 * LSTM's per-step gate errors) is measured as one tensor: the range is the max over the
 * step's calls and QEM's sums run over all of them, so a later call can still widen n or
 * coarsen r within the step (never narrow them), and Itv follows the whole step.
 */
interface StepStats {
  readonly step: number;
  range: number;
  sumX: number;
  sumQ: number;
  /** R before this step (eq. 3's R_{i-1}); null before the first adjustment. */
  readonly prevR: number | null;
}

export class AdaptiveQuantizer implements Quantizer {
  readonly description: string;
  private n: number;
  private exp: number | null = null;
  private R: number | null = null;
  private next = 0;
  private adjustments = 0;
  private calls = 0;
  private bitsCalls: Record<string, number> = {};
  private measured: StepStats | null = null;

  constructor(
    readonly p: AdaptiveParams,
    readonly where: SiteWhere,
  ) {
    if (p.maxBits < p.initBits)
      throw new Error(`adaptive: maxBits ${p.maxBits} < initBits ${p.initBits}`);
    this.n = p.initBits;
    this.description =
      `adaptive fixed point (QEM/QPA, ${p.mode}): int${p.initBits} +${p.step} up to int${p.maxBits} ` +
      `when Diff > ${p.tData}, ${p.rounding}; a step's calls measured together`;
  }

  bits(): number {
    return this.n;
  }

  history(): AdaptiveHistory {
    return { calls: this.calls, adjustments: this.adjustments, bitsCalls: { ...this.bitsCalls } };
  }

  /** Quantizes at width n and resolution from `range`; returns mantissas and counts. */
  private quantAt(
    x: Tensor,
    n: number,
    exp: number,
    ctx: SiteContext,
  ): { mant: IntArray; stats: QuantStats } {
    const size = x.kind === 'float' ? x.data.length : x.mant.length;
    // A step's tensor: in the kernels' workspace when training (no allocation, no copies).
    const mant = stepArray(ctx, intDTypeFor(n), size, false);
    const rng = this.p.rounding === 'stochastic' ? ctx.rng : null;
    const stats =
      x.kind === 'float'
        ? ctx.kernels.quantize(x.data, exp, n, this.p.rounding, rng, mant)
        : ctx.kernels.requantize(x.mant, x.exp, exp, n, this.p.rounding, rng, mant);
    return { mant, stats };
  }

  apply(x: Tensor, ctx: SiteContext): Tensor {
    const p = this.p;
    const src = x.kind === 'float' ? x.data : x.mant;
    const xs = x.kind === 'float' ? 1 : 2 ** x.exp;
    const inStep = ctx.training && this.measured !== null && this.measured.step === ctx.step;
    const adjust = this.exp === null || inStep || (ctx.training && ctx.step >= this.next);
    let diff: number | undefined;
    let result: { mant: IntArray; stats: QuantStats };
    if (adjust) {
      const m: StepStats =
        inStep && this.measured
          ? this.measured
          : { step: ctx.step, range: 0, sumX: 0, sumQ: 0, prevR: this.R };
      const range = Math.max(m.range, ctx.kernels.maxAbs(src) * xs);
      // sum |x|: one kernel pass in a fixed lane order (the same bits on every backend).
      const sx = ctx.kernels.sum_abs(src) * xs;
      // Mode1 restarts from initBits at an adjustment step's first call; within the step the
      // width only grows, as the first calls were quantized at it already.
      let n = p.mode === 'mode1' && !inStep ? p.initBits : this.n;
      let sq: number;
      for (;;) {
        const exp = resolutionExp(range, n);
        result = this.quantAt(x, n, exp, ctx);
        sq = ctx.kernels.sum_abs(result.mant) * 2 ** exp;
        diff = qemFromSums(m.sumX + sx, m.sumQ + sq);
        this.exp = exp;
        if (diff > p.tData && n + p.step <= p.maxBits) n += p.step;
        else break;
      }
      this.n = n;
      m.range = range;
      m.sumX += sx;
      m.sumQ += sq;
      const prev = m.prevR ?? range;
      this.R = p.alpha * range + (1 - p.alpha) * prev;
      if (ctx.training) {
        const init = ctx.epoch <= 0 && ctx.step < p.initSteps;
        const itv = init
          ? 1
          : adjustInterval(diff, this.R - prev, p.beta, p.delta, p.gamma, p.maxInterval);
        this.next = ctx.step + itv;
        if (!inStep) this.adjustments++;
        this.measured = m;
      }
    } else {
      result = this.quantAt(x, this.n, this.exp ?? 0, ctx);
    }
    const exp = this.exp ?? 0;
    if (ctx.training) {
      this.calls++;
      this.bitsCalls[String(this.n)] = (this.bitsCalls[String(this.n)] ?? 0) + 1;
    }
    const out = fixedTensor(x.shape, result.mant, exp, this.n);
    recordSite(this.where, ctx, exp, this.n, result.stats, x, out, {
      ...(diff !== undefined ? { diff } : {}),
      adjusted: adjust,
    });
    return out;
  }

  saveState(): unknown {
    return {
      n: this.n,
      exp: this.exp,
      R: this.R,
      next: this.next,
      adjustments: this.adjustments,
      calls: this.calls,
      bitsCalls: this.bitsCalls,
    };
  }

  loadState(s: unknown): void {
    const st = stateSchema.parse(s);
    this.n = st.n;
    this.exp = st.exp;
    this.R = st.R;
    this.next = st.next;
    this.adjustments = st.adjustments;
    this.calls = st.calls;
    this.bitsCalls = { ...st.bitsCalls };
  }
}

registerQuantizer({
  name: 'adaptive',
  summary:
    'Zhang et al. adaptive fixed point: QEM (eq. 2) grows int8 -> int16 -> int24, QPA interval (eq. 3)',
  params,
  create: (p, where) => new AdaptiveQuantizer(p, where),
});
