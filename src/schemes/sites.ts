// SPDX-License-Identifier: MIT
// The quantization site names a scheme may use. A name outside this list is a typo ("Wu",
// "GRAD") that would otherwise leave the site silently float32, so schemes reject it.

import { BN_SITES } from '../nn/batchnorm.js';
import { ROLE_SITES } from '../quant/site.js';

/** Sites of a Conv/Linear/LSTM/Embedding layer (and A of pooling, E of attention); E1 of a
 * Conv/Linear is in BN_SITES' list, L is the logits of a model's last Linear. */
export const LAYER_SITES = ['W', 'A', 'E', 'G', 'L'] as const;
/** BatchNorm's sites (WAGEUBN eq. 11, 12, 14-17). */
export const BATCHNORM_SITES: readonly string[] = BN_SITES;
/** Per-parameter sites of the optimizers: update, stored weights, momentum, Adam's second
 * moment, lazy-update accumulator. Every parameterised layer has them. */
export const OPTIMIZER_SITES = ['U', 'WU', 'M', 'V', 'ACC'] as const;

export const SITE_NAMES: readonly string[] = [
  ...LAYER_SITES,
  ...BATCHNORM_SITES,
  ...OPTIMIZER_SITES,
  // Role sites (LSTM Ax, Wh, ...; attention Aq, ...; BatchNorm's BN.U, BN.WU, ...).
  ...Object.keys(ROLE_SITES),
];

/** An error message for a site name no layer or optimizer has, or null when it is known. */
export function unknownSiteError(name: string): string | null {
  if (SITE_NAMES.includes(name)) return null;
  const near = SITE_NAMES.find((s) => s.toLowerCase() === name.toLowerCase());
  return (
    `unknown site "${name}"${near ? ` (did you mean "${near}"?)` : ''}: ` +
    `sites are ${SITE_NAMES.join(', ')}`
  );
}
