// SPDX-License-Identifier: MIT
// Applying an update u to a parameter stored at site WU: plainly, or with Park et al.'s lazy
// update (Algorithm 1, Kahan summation), shared by SGD and Adam.
//   plain: theta = Q_WU(theta - u)
//   lazy:  acc = Q_ACC(acc + u); t = Q_WU(theta - acc); acc = Q_ACC(acc - (theta - t)); theta = t
// (Algorithm 1 writes acc accumulating +eta dL/dtheta with theta_update = theta + acc; we keep
// the descent sign explicit: theta moves by -acc, and acc keeps what theta could not absorb.)

import type { Param } from '../nn/param.js';
import { quantizeInPlace, type ParamSite, type StepInfo } from './optimizer.js';

export interface UpdateSites {
  readonly WU: ParamSite;
  readonly ACC: ParamSite;
}

/** theta -= u through WU; with `acc`, the lazy form. `scratch` is a buffer of theta's size. */
export function applyUpdate(
  p: Param,
  u: Float32Array,
  acc: Float32Array | null,
  sites: UpdateSites,
  scratch: Float32Array,
  info: StepInfo,
): void {
  const theta = p.value;
  const n = theta.length;
  if (!acc) {
    for (let i = 0; i < n; i++) theta[i] -= u[i];
    quantizeInPlace(theta, sites.WU, p, info);
    return;
  }
  for (let i = 0; i < n; i++) acc[i] += u[i];
  quantizeInPlace(acc, sites.ACC, p, info);
  scratch.set(theta);
  for (let i = 0; i < n; i++) theta[i] -= acc[i];
  quantizeInPlace(theta, sites.WU, p, info);
  for (let i = 0; i < n; i++) acc[i] -= scratch[i] - theta[i];
  quantizeInPlace(acc, sites.ACC, p, info);
}
