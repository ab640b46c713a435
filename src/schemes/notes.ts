// SPDX-License-Identifier: MIT
// Start-up notes a run prints about choices a scheme makes from the model: Park et al.'s
// classifier width (eq. 5) and WAGEUBN's fixed-point momentum and learning rate.

import type { Layer } from '../nn/layer.js';
import { siteLayers } from '../nn/layer.js';
import { classifierBits } from '../quant/classifier.js';
import { outFeaturesOf, resolveSite } from './bind.js';
import type { SchemeSpec } from './schema.js';

/** Lines to print at start-up (empty when the scheme makes no model-dependent choice). */
export function schemeNotes(scheme: SchemeSpec, model: Layer): string[] {
  const lines: string[] = [];
  const layers = siteLayers(model);
  layers.forEach((l, i) => {
    const r = resolveSite(scheme, l.name, i, layers.length, 'W');
    if (r.spec.quantizer !== 'dfp-classifier') return;
    const classes =
      outFeaturesOf(l) ?? (typeof r.spec.classes === 'number' ? r.spec.classes : undefined);
    if (classes === undefined) return;
    const alpha = typeof r.spec.alpha === 'number' ? r.spec.alpha : 0.5;
    const minBits = typeof r.spec.minBits === 'number' ? r.spec.minBits : 8;
    const b = classifierBits(classes, alpha);
    lines.push(
      `classifier ${l.name}: ${classes} classes, Park eq. 5 (alpha=${alpha}) -> ${b} bits, using dfp<${Math.max(b, minBits)}>`,
    );
  });
  const w = scheme.optimizer.wageubn;
  if (w) {
    lines.push(
      `WAGEUBN momentum: k_Mom=${w.kMom} (momentum rounded down to a multiple of 2^-${w.kMom - 1}), ` +
        `k_Acc=${w.kAcc}, learning rate as Q(lr, ${w.kLr}), weights stored in ${w.kWU} bits (eq. 21/23 hold)`,
    );
  }
  if (scheme.optimizer.lazy)
    lines.push('lazy update (Park et al. Algorithm 1): Kahan accumulator at site ACC');
  return lines;
}
