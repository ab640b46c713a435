// SPDX-License-Identifier: MIT
// Adam (Kingma & Ba) with every state in the scheme's formats and optionally Park et al.'s
// lazy update. Park et al. found INT16 necessary for Adam's state (beta2 = 0.999).
//
// Order of operations per parameter (theta stored at site WU), step t >= 1:
//   g = G-site gradient (+ weight_decay * theta for weights)
//   m = Q_M(b1 m + (1 - b1) g);  v = Q_V(b2 v + (1 - b2) g^2)
//   r = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), bounded to |r| <= 1 when V is
//       quantized (choice: a v that underflowed to 0 would otherwise make r = m / eps explode)
//   u = Q_U(lr r);  then theta -= u plainly or lazily (apply.ts)

import { loadSlots, saveSlots } from './slot-state.js';
import type { Param } from '../nn/param.js';
import { type Optimizer, type OptimizerState, type ParamSite, type StepInfo } from './optimizer.js';
import { applyUpdate } from './apply.js';
import { Staging, roundAtSite } from './kernel-steps.js';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  lazy: boolean;
}

export interface AdamSites {
  readonly U: ParamSite;
  readonly WU: ParamSite;
  readonly M: ParamSite;
  readonly V: ParamSite;
  readonly ACC: ParamSite;
}

interface Slot {
  readonly p: Param;
  readonly sites: AdamSites;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly acc: Float32Array | null;
  readonly u: Float32Array;
}

/** What a checkpoint keeps of a slot: both moments and the lazy update's accumulator. */
const adamArrays = (s: Slot) => ({ m: s.m, v: s.v, acc: s.acc });

export class Adam implements Optimizer {
  readonly name = 'adam';
  private readonly slots: Slot[];
  private steps = 0;

  constructor(
    params: Param[],
    sitesOf: (p: Param) => AdamSites,
    readonly opts: AdamOptions,
  ) {
    const { beta1, beta2, eps } = opts;
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new Error(`adam: beta1 and beta2 must be in [0, 1), got ${beta1} and ${beta2}`);
    }
    if (!(eps > 0)) throw new Error(`adam: eps must be > 0, got ${eps}`);
    this.slots = params.map((p) => ({
      p,
      sites: sitesOf(p),
      m: new Float32Array(p.size),
      v: new Float32Array(p.size),
      acc: opts.lazy ? new Float32Array(p.size) : null,
      u: new Float32Array(p.size),
    }));
  }

  step(info: StepInfo): void {
    const { beta1: b1, beta2: b2, eps, weightDecay } = this.opts;
    if (this.steps === 0) for (const s of this.slots) roundAtSite(s.p.value, s.sites.WU, s.p, info);
    const t = this.steps + 1;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    const k = info.kernels;
    const st = new Staging(info);
    for (const s of this.slots) {
      const { p, sites } = s;
      if (!p.grad) continue;
      const wd = p.role === 'weight' ? weightDecay : 0;
      // (n) f32 each, staged for the kernels
      const theta = st.stage(p.value);
      const g = st.stage(p.grad);
      const m = st.stage(s.m);
      const v = st.stage(s.v);
      const acc = s.acc && st.stage(s.acc);
      const u = st.scratch(s.u);
      k.adam_moments_f32(m, v, g, theta, b1, b2, wd);
      roundAtSite(m, sites.M, p, info);
      roundAtSite(v, sites.V, p, info);
      k.adam_update_f32(u, m, v, info.lr, c1, c2, eps, sites.V.isFloat ? Infinity : 1);
      roundAtSite(u, sites.U, p, info);
      applyUpdate(p, theta, u, acc, sites, u, info);
      st.unstage(p.value, theta);
      st.unstage(s.m, m);
      st.unstage(s.v, v);
      if (acc) st.unstage(s.acc!, acc);
    }
    this.steps++;
  }

  saveState(): OptimizerState {
    return saveSlots(this.slots, adamArrays, this.steps);
  }

  loadState(st: OptimizerState): void {
    this.steps = loadSlots(st, this.slots, adamArrays, ['m', 'v'], 'adam');
  }
}
