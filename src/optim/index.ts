// SPDX-License-Identifier: MIT
// Optimizers by name: `makeOptimizer` builds the one a run asks for, with its sites bound.
// A scheme with `optimizer.wageubn` gets WAGEUBN's integer Momentum whatever the run asks.

import type { Param } from '../nn/param.js';
import type { SchemeSpec } from '../schemes/schema.js';
import type { Optimizer } from './optimizer.js';
import type { ParamSiteFn } from './sites.js';
import { Sgd } from './sgd.js';
import { Adam } from './adam.js';
import { WageubnMomentum } from './wageubn-momentum.js';
import { budgetErrors, siteBudgetErrors } from './wageubn-budget.js';

export * from './optimizer.js';
export * from './sgd.js';
export * from './adam.js';
export * from './wageubn-momentum.js';
export * from './wageubn-budget.js';
export * from './sites.js';

export interface OptimizerOptions {
  momentum: number;
  weightDecay: number;
  lazy: boolean;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export const OPTIMIZERS = ['sgd', 'adam'] as const;

export function makeOptimizer(
  kind: string,
  params: Param[],
  sites: ParamSiteFn,
  opts: OptimizerOptions,
  scheme: SchemeSpec,
): Optimizer {
  const w = scheme.optimizer.wageubn;
  if (w) {
    const errs = [...budgetErrors(w), ...siteBudgetErrors(w, scheme.sites)];
    if (errs.length) throw new Error(`scheme "${scheme.name}": ${errs.join('; ')}`);
    return new WageubnMomentum(params, (p) => ({ WU: sites(p, 'WU'), ACC: sites(p, 'ACC') }), {
      ...w,
      momentum: opts.momentum,
      weightDecay: opts.weightDecay,
    });
  }
  const lazy = opts.lazy || scheme.optimizer.lazy === true;
  switch (kind) {
    case 'sgd':
      return new Sgd(
        params,
        (p) => ({ U: sites(p, 'U'), WU: sites(p, 'WU'), M: sites(p, 'M'), ACC: sites(p, 'ACC') }),
        { momentum: opts.momentum, weightDecay: opts.weightDecay, lazy },
      );
    case 'adam':
      return new Adam(
        params,
        (p) => ({
          U: sites(p, 'U'),
          WU: sites(p, 'WU'),
          M: sites(p, 'M'),
          V: sites(p, 'V'),
          ACC: sites(p, 'ACC'),
        }),
        {
          beta1: opts.beta1 ?? 0.9,
          beta2: opts.beta2 ?? 0.999,
          eps: opts.eps ?? 1e-8,
          weightDecay: opts.weightDecay,
          lazy,
        },
      );
    default:
      throw new Error(`unknown optimizer "${kind}": use one of ${OPTIMIZERS.join(', ')}`);
  }
}
