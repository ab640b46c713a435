// SPDX-License-Identifier: MIT
// WAGEUBN's quantized Momentum optimizer (Yang et al. eq. 18-23), all state on fixed grids:
//   lr_q  = Q(lr, k_lr)                     fixed-point learning rate (eq. 22)
//   Mom_q = floor(Mom 2^(k_Mom-1)) / 2^(k_Mom-1)
//   g_q   = Q(g + wd theta, k_GC)           (already on this grid after CQ / Q_G sites)
//   Acc_i = Mom_q Acc_q + g_q               (eq. 19, exact: on the 2^-(k_GC-1) grid)
//   theta = Q(theta - lr_q Acc_i, k_WU)     (eq. 22; weights also clipped to (-1, 1), eq. 8)
//   Acc_q = Q_Acc(Acc_i) = Q(Acc_i, k_Acc)  (eq. 19, 20: the state kept for the next step)
// The update uses Acc_i, the accumulator before Q_Acc (eq. 22 and Algorithm 2), so the lowest
// bits of each gradient reach the weights; lr_q Acc_i then lies on the 2^-(k_WU-1) grid, which
// is exactly eq. 23's budget k_WU = k_Mom + k_Acc + k_lr - 2, and Q(., k_WU) only clips.
// Choice: Mom is rounded down, not to nearest, so it stays below 1 (at k_Mom = 3 nearest
// rounding would turn 0.9 into 1.0, an undamped accumulator; floor gives 0.75).
// Q_Acc is the parameter's ACC site, a `wageubn-direct` quantizer of k_Acc bits whose tie rule
// the scheme states; unbound (float32), it is Q(., k_Acc) with ties to even. Mom_q Acc_q + g_q
// lies on the 2^-(k_GC-1) grid, two bits finer than Q_Acc's, so about a quarter of its
// elements are exact ties: rounding them all up would push every weight down by about half
// the mean update per step even under zero-mean gradients; ties to even carry no such bias.
// A parameter whose WU site is float32 (the unquantized first and last layers) gets plain
// float momentum SGD with the same lr and Mom, as the paper leaves those layers in float.
// A step is one kernel per parameter (wageubn_momentum_f32) over preallocated state.

import type { Param } from '../nn/param.js';
import { randNormal } from '../quant/rng.js';
import { roundNearest } from '../quant/rounding.js';
import { DirectQuantizer } from '../quant/wageubn.js';
import type { Optimizer, OptimizerState, ParamSite, StepInfo } from './optimizer.js';
import type { WageubnWidths } from './wageubn-budget.js';
import { budgetErrors } from './wageubn-budget.js';
import { Staging } from './kernel-steps.js';

/** Q(x, k) of eq. 5 on one value (round half up). */
export const directQ = (x: number, k: number): number =>
  roundNearest(x * 2 ** (k - 1)) / 2 ** (k - 1);

export interface WageubnMomentumOptions extends WageubnWidths {
  momentum: number;
  weightDecay: number;
  msraInit: boolean;
}

/** The optimizer's sites of one parameter: storage (WU) and the accumulator's Q_Acc (ACC). */
export interface WageubnSites {
  readonly WU: ParamSite;
  readonly ACC: ParamSite;
}

interface Slot {
  readonly p: Param;
  readonly quantized: boolean;
  readonly acc: Float64Array;
  readonly wu: ParamSite;
  /** Q_Acc rounds ties to even (else half up). */
  readonly accEven: boolean;
}

/** Q_Acc's tie rule from the ACC site: a wageubn-direct quantizer of k_Acc bits, or unbound. */
function accTieRule(site: ParamSite, kAcc: number, param: string): boolean {
  if (site.isFloat) return true;
  const q = site.quantizer;
  if (q instanceof DirectQuantizer && q.k === kAcc && !q.clip) return q.rounding === 'nearest-even';
  throw new Error(
    `${param}: WAGEUBN's ACC site is Q_Acc = Q(x, k_Acc) (eq. 20): use ` +
      `{ "quantizer": "wageubn-direct", "bits": ${kAcc} } (with "rounding" as the tie rule), not ${q.description}`,
  );
}

/** Discrete MSRA init (eq. 8): W = clip(Q(W', k_WU), -1+d, 1-d), W' ~ N(0, 2/fan_in). */
export function discreteMsraInit(p: Param, kWU: number, site: ParamSite): void {
  const fanIn = p.size / p.shape[0];
  const std = Math.sqrt(2 / fanIn);
  const lim = 1 - 2 ** -(kWU - 1);
  for (let i = 0; i < p.size; i++) {
    p.value[i] = Math.max(-lim, Math.min(lim, directQ(randNormal(site.rng) * std, kWU)));
  }
}

export class WageubnMomentum implements Optimizer {
  readonly name = 'wageubn-momentum';
  private readonly slots: Slot[];
  private steps = 0;
  readonly momentumQ: number;

  constructor(
    params: Param[],
    sitesOf: (p: Param) => WageubnSites,
    readonly opts: WageubnMomentumOptions,
  ) {
    const errs = budgetErrors(opts);
    if (errs.length) throw new Error(`WAGEUBN momentum optimizer: ${errs.join('; ')}`);
    const s = 2 ** (opts.kMom - 1);
    this.momentumQ = Math.floor(opts.momentum * s) / s;
    this.slots = params.map((p) => {
      const { WU: wu, ACC: accSite } = sitesOf(p);
      const quantized = !wu.isFloat;
      const accEven = quantized ? accTieRule(accSite, opts.kAcc, p.name) : false;
      if (quantized && opts.msraInit && p.role === 'weight') discreteMsraInit(p, opts.kWU, wu);
      else if (quantized) this.store(p, p.value);
      return { p, quantized, acc: new Float64Array(p.size), wu, accEven };
    });
  }

  /** Puts values on the k_WU grid; weights are clipped to (-1, 1) (eq. 8-9). */
  private store(p: Param, v: Float32Array | Float64Array): void {
    const lim = 1 - 2 ** -(this.opts.kWU - 1);
    for (let i = 0; i < v.length; i++) {
      const q = directQ(v[i], this.opts.kWU);
      p.value[i] = p.role === 'weight' ? Math.max(-lim, Math.min(lim, q)) : q;
    }
  }

  /** The learning rate as used: Q(lr, k_lr); an error when it rounds to 0. */
  learningRate(lr: number): number {
    const q = directQ(lr, this.opts.kLr);
    if (q <= 0) {
      throw new Error(
        `learning rate ${lr} is 0 as a ${this.opts.kLr}-bit fixed-point value (step 2^-${this.opts.kLr - 1}): ` +
          `raise the learning rate or k_lr (and k_WU, eq. 23); a cosine schedule needs --lr-min >= 2^-${this.opts.kLr - 1}`,
      );
    }
    return q;
  }

  step(info: StepInfo): void {
    const o = this.opts;
    const lr = this.learningRate(info.lr);
    const lim = 1 - 2 ** -(o.kWU - 1);
    const st = new Staging(info);
    for (const { p, quantized, acc, accEven } of this.slots) {
      if (!p.grad) continue;
      // theta, g (n) f32 and acc (n) f64, staged for the kernel
      const theta = st.stage(p.value);
      const a = st.stage(acc);
      info.kernels.wageubn_momentum_f32(theta, st.stage(p.grad), a, {
        lr,
        mom: this.momentumQ,
        decay: p.role === 'weight' ? o.weightDecay : 0,
        quantized,
        kGC: o.kGC,
        kAcc: o.kAcc,
        accEven,
        kWU: o.kWU,
        // weights are clipped to (-1, 1) (eq. 8-9); BN's gamma and beta are not
        lim: p.role === 'weight' ? lim : Infinity,
      });
      st.unstage(p.value, theta);
      st.unstage(acc, a);
    }
    this.steps++;
  }

  saveState(): OptimizerState {
    const buffers: OptimizerState['buffers'] = {};
    for (const s of this.slots) buffers[s.p.name] = { acc: Array.from(s.acc) };
    return { buffers, rngs: {}, steps: this.steps };
  }

  loadState(st: OptimizerState): void {
    for (const s of this.slots) {
      const b = st.buffers[s.p.name];
      if (!b?.acc) throw new Error(`checkpoint has no optimizer state for ${s.p.name}`);
      s.acc.set(b.acc);
    }
    this.steps = st.steps;
  }
}
