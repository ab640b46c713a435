// SPDX-License-Identifier: MIT
// Binding a scheme to a model: for every layer with sites, each site gets the quantizer the
// scheme names (per-layer override first, then the global table, else float32) and its own
// seeded generator, so adding a site elsewhere never shifts this one's random draws.

import type { Layer } from '../nn/layer.js';
import { siteLayers } from '../nn/layer.js';
import { createQuantizer, type SiteSpec } from '../quant/registry.js';
import { makeRng, type Rng } from '../quant/rng.js';
import type { Quantizer } from '../quant/site.js';
import type { SchemeSpec } from './schema.js';
import { OPTIMIZER_SITES } from './sites.js';

const FLOAT32: SiteSpec = { format: 'float32' };

/** 32-bit FNV-1a of a string: a stable way to derive per-site seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function siteRng(seed: number, layer: string, site: string): Rng {
  return makeRng((seed ^ hashString(`${layer}/${site}`)) >>> 0);
}

export interface ResolvedSite {
  readonly layer: string;
  readonly site: string;
  readonly spec: SiteSpec;
  /** Where the spec came from: `sites`, `layers.first`, `layers.conv1`, or `default`. */
  readonly from: string;
}

/** The spec for one site of one layer, and where it came from. */
export function resolveSite(
  scheme: SchemeSpec,
  layer: string,
  index: number,
  count: number,
  site: string,
): ResolvedSite {
  const keys = [layer, ...(index === count - 1 ? ['last'] : []), ...(index === 0 ? ['first'] : [])];
  for (const k of keys) {
    const o = scheme.layers[k]?.[site];
    if (o) return { layer, site, spec: o, from: `layers.${k}` };
  }
  const g = scheme.sites[site];
  return g
    ? { layer, site, spec: g, from: 'sites' }
    : { layer, site, spec: FLOAT32, from: 'default' };
}

/** Builds a quantizer for a site of a layer (the optimizer uses this for U, WU, M, ACC). */
export function makeSiteQuantizer(
  scheme: SchemeSpec,
  layer: string,
  index: number,
  count: number,
  site: string,
  label = layer,
  outFeatures?: number,
): Quantizer {
  const r = resolveSite(scheme, layer, index, count, site);
  return createQuantizer(r.spec, {
    layer: label,
    site,
    layerIndex: index,
    layerCount: count,
    ...(outFeatures !== undefined ? { outFeatures } : {}),
  });
}

/** A layer's output feature count (a Linear classifier's number of classes), if it has one. */
export function outFeaturesOf(l: Layer): number | undefined {
  return 'outFeatures' in l && typeof l.outFeatures === 'number' ? l.outFeatures : undefined;
}

/**
 * Checks per-layer override keys against the model's layer names, and the sites each override
 * names against the sites that layer has (its own, plus the optimizer's if it has parameters).
 */
export function checkLayerKeys(scheme: SchemeSpec, model: Layer): void {
  const layers = siteLayers(model);
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const [k, table] of Object.entries(scheme.layers)) {
    const l = k === 'first' ? layers[0] : k === 'last' ? layers.at(-1) : byName.get(k);
    if (!l && k !== 'first' && k !== 'last') {
      throw new Error(
        `scheme "${scheme.name}": layers.${k} names no layer of this model; layers with sites are ` +
          `${[...byName.keys()].join(', ')} (or use "first" / "last")`,
      );
    }
    if (!l) continue;
    const has = [...l.siteNames, ...(l.params().length ? OPTIMIZER_SITES : [])];
    for (const site of Object.keys(table)) {
      if (!has.includes(site)) {
        throw new Error(
          `scheme "${scheme.name}": layers.${k}.${site}: layer ${l.name} (${l.kind}) has no site ` +
            `${site}; its sites are ${has.join(', ')}`,
        );
      }
    }
  }
}

/** Binds every site of every layer; returns the resolved table (for display and reports). */
export function bindScheme(model: Layer, scheme: SchemeSpec, seed: number): ResolvedSite[] {
  checkLayerKeys(scheme, model);
  const layers = siteLayers(model);
  const table: ResolvedSite[] = [];
  layers.forEach((l, i) => {
    l.sites.clear();
    for (const site of l.siteNames) {
      const r = resolveSite(scheme, l.name, i, layers.length, site);
      const outFeatures = outFeaturesOf(l);
      const quantizer = createQuantizer(r.spec, {
        layer: l.name,
        site,
        layerIndex: i,
        layerCount: layers.length,
        ...(outFeatures !== undefined ? { outFeatures } : {}),
      });
      l.sites.set(site, { quantizer, rng: siteRng(seed, l.name, site) });
      table.push(r);
    }
  });
  return table;
}
