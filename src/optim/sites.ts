// SPDX-License-Identifier: MIT
// Binding the optimizer's per-parameter sites (U, WU, M, ACC, V) from a scheme.

import type { Layer } from '../nn/layer.js';
import { siteLayers } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import { makeSiteQuantizer, outFeaturesOf, paramSiteName, siteRng } from '../schemes/bind.js';
import type { SchemeSpec } from '../schemes/schema.js';
import type { ParamSite } from './optimizer.js';
import { FormatQuantizer } from '../quant/format-quantizer.js';

/** A function giving, for a parameter and an optimizer site name, its bound site. */
export type ParamSiteFn = (p: Param, site: string) => ParamSite;

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
