// SPDX-License-Identifier: MIT
// Applying an update u to a parameter stored at site WU: plainly, or with Park et al.'s lazy
// update (Algorithm 1, Kahan summation), shared by SGD and Adam.
//   plain: theta = Q_WU(theta - u)
//   lazy:  acc = Q_ACC(acc + u); t = Q_WU(theta - acc); acc = Q_ACC(acc - (theta - t)); theta = t
// (Algorithm 1 writes acc accumulating +eta dL/dtheta with theta_update = theta + acc; we keep
// the descent sign explicit: theta moves by -acc, and acc keeps what theta could not absorb.)

import type { Param } from '../nn/param.js';
import type { ParamSite, StepInfo } from './optimizer.js';
import { roundAtSite } from './kernel-steps.js';

export interface UpdateSites {
  readonly WU: ParamSite;
  readonly ACC: ParamSite;
}

/**
 * theta -= u through WU; with `acc`, the lazy form. theta is p's values (or their staged
 * copy), `scratch` a buffer of theta's size; all run as kernels in place.
 */
export function applyUpdate(
  p: Param,
  theta: Float32Array,
  u: Float32Array,
  acc: Float32Array | null,
  sites: UpdateSites,
  scratch: Float32Array,
  info: StepInfo,
): void {
  const k = info.kernels;
  if (!acc) {
    k.sub_inplace_f32(theta, u);
    roundAtSite(theta, sites.WU, p, info);
    return;
  }
  k.add_inplace_f32(acc, u);
  roundAtSite(acc, sites.ACC, p, info);
  scratch.set(theta);
  k.sub_inplace_f32(theta, acc);
  roundAtSite(theta, sites.WU, p, info);
  k.kahan_carry_f32(acc, scratch, theta);
  roundAtSite(acc, sites.ACC, p, info);
}
