// SPDX-License-Identifier: MIT
// The cost model of a model + scheme by name: builds the model, binds the scheme's sites and
// reads the optimizer's shape from the scheme, without loading any data (costForScheme); or
// of a model a run already built (costForModel).

import { buildModel } from '../../models/registry.js';
import { makeRng } from '../../quant/rng.js';
import { bindScheme, makeSiteQuantizer, outFeaturesOf, paramSiteName } from '../../schemes/bind.js';
import { siteLayers, skipDataInputGrad, type Layer } from '../../nn/layer.js';
import type { SchemeSpec } from '../../schemes/schema.js';
import { loadScheme } from '../../schemes/resolve.js';
import { costModel, type CostReport, type OptimizerShape } from './model.js';
import type { OpTable } from './op-table.js';

export function costForScheme(
  model: string,
  inputShape: readonly number[],
  classes: number,
  scheme: string,
  batch: number,
  table: OpTable,
  optimizer: 'sgd' | 'adam' = 'sgd',
  momentum = true,
): CostReport {
  const spec = loadScheme(scheme);
  const m = buildModel(model, inputShape, classes, makeRng(1));
  bindScheme(m, spec, 1);
  // As classification training sets it: the first layer reads data and skips its dx pass.
  skipDataInputGrad(m);
  return costForModel(m, spec, inputShape, batch, table, optimizer, momentum);
}

/**
 * The cost model of a model already bound to `spec` - e.g. a run's, whose adaptive sites
 * report the widths they use now; the optimizer-side sites are read from the scheme.
 */
export function costForModel(
  m: Layer,
  spec: SchemeSpec,
  inputShape: readonly number[],
  batch: number,
  table: OpTable,
  optimizer: 'sgd' | 'adam' = 'sgd',
  momentum = true,
): CostReport {
  const opt: OptimizerShape = {
    kind: spec.optimizer.wageubn ? 'wageubn' : optimizer,
    momentum,
    lazy: spec.optimizer.lazy ?? false,
  };
  const layers = siteLayers(m);
  const bits = (p: { layer: string }, site: string): number | null => {
    const i = layers.findIndex((l) => l.name === p.layer);
    if (i < 0) return null;
    const q = makeSiteQuantizer(
      spec,
      p.layer,
      i,
      layers.length,
      paramSiteName(layers[i], site),
      p.layer,
      outFeaturesOf(layers[i]),
    );
    return q.description.startsWith('float32') ? null : q.bits();
  };
  return costModel(m, inputShape, batch, opt, table, bits);
}
