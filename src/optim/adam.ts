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

import type { Param } from '../nn/param.js';
import {
  quantizeInPlace,
  type Optimizer,
  type OptimizerState,
  type ParamSite,
  type StepInfo,
} from './optimizer.js';
import { applyUpdate } from './apply.js';

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
    if (this.steps === 0)
      for (const s of this.slots) quantizeInPlace(s.p.value, s.sites.WU, s.p, info);
    const t = this.steps + 1;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    for (const { p, sites, m, v, acc, u } of this.slots) {
      const g = p.grad;
      if (!g) continue;
      const theta = p.value;
      const wd = p.role === 'weight' ? weightDecay : 0;
      const n = theta.length;
      for (let i = 0; i < n; i++) {
        const gi = g[i] + wd * theta[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      }
      quantizeInPlace(m, sites.M, p, info);
      quantizeInPlace(v, sites.V, p, info);
      const bound = sites.V.isFloat ? Infinity : 1;
      for (let i = 0; i < n; i++) {
        const r = m[i] / c1 / (Math.sqrt(v[i] / c2) + eps);
        u[i] = info.lr * Math.max(-bound, Math.min(bound, r));
      }
      quantizeInPlace(u, sites.U, p, info);
      applyUpdate(p, u, acc, sites, u, info);
    }
    this.steps++;
  }

  saveState(): OptimizerState {
    const buffers: OptimizerState['buffers'] = {};
    const rngs: OptimizerState['rngs'] = {};
    for (const s of this.slots) {
      const b: Record<string, number[]> = { m: Array.from(s.m), v: Array.from(s.v) };
      if (s.acc) b.acc = Array.from(s.acc);
      buffers[s.p.name] = b;
      for (const [k, site] of Object.entries(s.sites)) rngs[`${s.p.name}/${k}`] = site.rng.state();
    }
    return { buffers, rngs, steps: this.steps };
  }

  loadState(st: OptimizerState): void {
    for (const s of this.slots) {
      const b = st.buffers[s.p.name];
      if (!b?.m || !b.v) throw new Error(`checkpoint has no adam state for ${s.p.name}`);
      s.m.set(b.m);
      s.v.set(b.v);
      if (s.acc && b.acc) s.acc.set(b.acc);
      for (const [k, site] of Object.entries(s.sites)) {
        const r = st.rngs[`${s.p.name}/${k}`];
        if (r) site.rng.setState(r);
      }
    }
    this.steps = st.steps;
  }
}
