// SPDX-License-Identifier: MIT
// The optimizer a run asks for, with its per-parameter sites (U, WU, M, ACC, V) bound from a
// scheme. A scheme with `optimizer.wageubn` gets WAGEUBN's integer Momentum whatever the run asks.

import type { Layer } from '../nn/layer.js';
import { siteLayers } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import { makeSiteQuantizer, outFeaturesOf, paramSiteName, siteRng } from './bind.js';
import type { SchemeSpec } from './schema.js';
import type { Optimizer, ParamSiteFn } from '../optim/optimizer.js';
import { Sgd } from '../optim/sgd.js';
import { Adam } from '../optim/adam.js';
import { WageubnMomentum } from '../optim/wageubn-momentum.js';
import { budgetErrors, siteBudgetErrors } from '../optim/wageubn-budget.js';
import { FormatQuantizer } from '../quant/format-quantizer.js';

export function paramSites(model: Layer, scheme: SchemeSpec, seed: number): ParamSiteFn {
  const layers = siteLayers(model);
  const index = new Map(layers.map((l, i) => [l.name, i]));
  return (p, site) => {
    const i = index.get(p.layer) ?? 0;
    const layer = layers[i];
    const own = layer && layer.name === p.layer ? layer : undefined;
    const out = own ? outFeaturesOf(own) : undefined;
    const name = paramSiteName(own, site);
    const quantizer = makeSiteQuantizer(scheme, p.layer, i, layers.length, name, p.name, out);
    const isFloat = quantizer instanceof FormatQuantizer && quantizer.format.kind === 'float32';
    return { quantizer, rng: siteRng(seed, p.name, site), isFloat, name: site };
  };
}

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
