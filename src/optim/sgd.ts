// SPDX-License-Identifier: MIT
// SGD with momentum and weight decay, with every state in the formats the scheme names, and
// optionally Park et al.'s lazy update (Algorithm 1: Kahan summation of the updates).
//
// Order of operations per parameter (theta stored at site WU):
//   g     = G-site gradient (+ weight_decay * theta for weights; biases are not decayed)
//   m     = Q_M(mu * m + g)                       (plain SGD when mu = 0: m = g)
//   u     = Q_U(lr * m)
//   plain: theta = Q_WU(theta - u)
//   lazy:  acc = Q_ACC(acc + u); t = Q_WU(theta - acc); acc = Q_ACC(acc - (theta - t)); theta = t
// The lazy form keeps in `acc` what the low-precision theta could not absorb, so updates
// smaller than theta's step accumulate until they can change it, instead of being lost.

import { loadSlots, saveSlots } from './slot-state.js';
import type { Param } from '../nn/param.js';
import { type Optimizer, type OptimizerState, type ParamSite, type StepInfo } from './optimizer.js';
import { applyUpdate } from './apply.js';
import { Staging, roundAtSite } from './kernel-steps.js';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  lazy: boolean;
}

/** Sites of one parameter: how its update, storage, momentum and accumulator are kept. */
export interface SgdSites {
  readonly U: ParamSite;
  readonly WU: ParamSite;
  readonly M: ParamSite;
  readonly ACC: ParamSite;
}

interface Slot {
  readonly p: Param;
  readonly sites: SgdSites;
  readonly m: Float32Array | null;
  readonly acc: Float32Array | null;
  readonly u: Float32Array;
}

/** What a checkpoint keeps of a slot: momentum and the lazy update's accumulator. */
const sgdArrays = (s: Slot) => ({ m: s.m, acc: s.acc });

export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private readonly slots: Slot[];
  private steps = 0;

  constructor(
    params: Param[],
    sitesOf: (p: Param) => SgdSites,
    readonly opts: SgdOptions,
  ) {
    this.slots = params.map((p) => ({
      p,
      sites: sitesOf(p),
      m: opts.momentum !== 0 ? new Float32Array(p.size) : null,
      acc: opts.lazy ? new Float32Array(p.size) : null,
      u: new Float32Array(p.size),
    }));
  }

  private stored = false;

  /**
   * Puts initial weights on the WU grid; `step` does it before its first update (the
   * parameters live in the WU format, Park et al.), so calling it is optional.
   */
  initStorage(info: StepInfo): void {
    for (const s of this.slots) roundAtSite(s.p.value, s.sites.WU, s.p, info);
    this.stored = true;
  }

  step(info: StepInfo): void {
    if (!this.stored && this.steps === 0) this.initStorage(info);
    this.stored = true;
    const { momentum: mu, weightDecay: wd } = this.opts;
    const k = info.kernels;
    const st = new Staging(info);
    for (const s of this.slots) {
      const { p, sites } = s;
      if (!p.grad) continue;
      const decay = p.role === 'weight' ? wd : 0;
      // (n) f32 each: the parameter, its gradient, momentum and accumulator, staged for the kernels
      const theta = st.stage(p.value);
      const g = st.stage(p.grad);
      const m = s.m && st.stage(s.m);
      const acc = s.acc && st.stage(s.acc);
      const u = st.scratch(s.u);
      if (m) {
        k.sgd_momentum_f32(m, g, theta, mu, decay);
        roundAtSite(m, sites.M, p, info);
        k.sgd_update_f32(u, m, info.lr, null, 0);
      } else k.sgd_update_f32(u, g, info.lr, theta, decay);
      roundAtSite(u, sites.U, p, info);
      // u doubles as the scratch buffer once acc has absorbed it (lazy form).
      applyUpdate(p, theta, u, acc, sites, u, info);
      st.unstage(p.value, theta);
      if (m) st.unstage(s.m!, m);
      if (acc) st.unstage(s.acc!, acc);
    }
    this.steps++;
  }

  saveState(): OptimizerState {
    return saveSlots(this.slots, sgdArrays, this.steps);
  }

  loadState(st: OptimizerState): void {
    this.steps = loadSlots(st, this.slots, sgdArrays, [], 'optimizer');
  }
}
