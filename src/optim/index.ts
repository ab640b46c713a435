// SPDX-License-Identifier: MIT
// Optimizers by name: `makeOptimizer` builds the one a run asks for, with its sites bound.

import type { Param } from '../nn/param.js';
import type { SchemeSpec } from '../schemes/schema.js';
import type { Optimizer } from './optimizer.js';
import type { ParamSiteFn } from './sites.js';
import { Sgd } from './sgd.js';

export * from './optimizer.js';
export * from './sgd.js';
export * from './sites.js';

export interface OptimizerOptions {
  momentum: number;
  weightDecay: number;
  lazy: boolean;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export const OPTIMIZERS = ['sgd'] as const;

export function makeOptimizer(
  kind: string,
  params: Param[],
  sites: ParamSiteFn,
  opts: OptimizerOptions,
  _scheme: SchemeSpec,
): Optimizer {
  switch (kind) {
    case 'sgd':
      return new Sgd(
        params,
        (p) => ({ U: sites(p, 'U'), WU: sites(p, 'WU'), M: sites(p, 'M'), ACC: sites(p, 'ACC') }),
        { momentum: opts.momentum, weightDecay: opts.weightDecay, lazy: opts.lazy },
      );
    default:
      throw new Error(`unknown optimizer "${kind}": use one of ${OPTIMIZERS.join(', ')}`);
  }
}
