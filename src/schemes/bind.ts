// SPDX-License-Identifier: MIT
// Binding a scheme to a model: for every layer with sites, each site gets the quantizer the
// scheme names (per-layer override first, then the global table, else float32) and its own
// seeded generator, so adding a site elsewhere never shifts this one's random draws.

import type { Layer } from '../nn/layer.js';
import { siteLayers } from '../nn/layer.js';
import { createQuantizer, type SiteSpec } from '../quant/registry.js';
import { makeRng, type Rng } from '../quant/rng.js';
import { genericSite, type Quantizer } from '../quant/site.js';
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

/**
 * A site's generator for one evaluation batch, from the run seed, the training step the test
 * pass follows and the batch's id (negative): independent of training's stream and of which
 * other passes ran.
 */
export function siteEvalRng(
  seed: number,
  layer: string,
  site: string,
): (step: number, evalStep: number) => Rng {
  const base = (seed ^ hashString(`${layer}/${site}/eval`)) >>> 0;
  return (step, evalStep) =>
    makeRng((base ^ Math.imul(step + 1, 0x9e3779b1) ^ Math.imul(evalStep, 0x85ebca6b)) >>> 0);
}

export interface ResolvedSite {
  readonly layer: string;
  readonly site: string;
  readonly spec: SiteSpec;
  /**
   * Where the spec came from: `sites`, `layers.first`, `layers.conv1`, or `default`; a role
   * site bound to its generic site's spec says so, e.g. `sites (as W)`.
   */
  readonly from: string;
}

/**
 * The spec for one site of one layer, and where it came from. Per-layer overrides come before
 * the global table; at each level a role site's own name (`Wh`) comes before its generic
 * site (`W`, see ROLE_SITES), so `layers.first.W` still covers an LSTM's `Wh`.
 */
export function resolveSite(
  scheme: SchemeSpec,
  layer: string,
  index: number,
  count: number,
  site: string,
): ResolvedSite {
  const keys = [layer, ...(index === count - 1 ? ['last'] : []), ...(index === 0 ? ['first'] : [])];
  const generic = genericSite(site);
  const names = generic === site ? [site] : [site, generic];
  const as = (n: string) => (n === site ? '' : ` (as ${n})`);
  for (const k of keys) {
    for (const n of names) {
      const o = scheme.layers[k]?.[n];
      if (o) return { layer, site, spec: o, from: `layers.${k}${as(n)}` };
    }
  }
  for (const n of names) {
    const g = scheme.sites[n];
    if (g) return { layer, site, spec: g, from: `sites${as(n)}` };
  }
  return { layer, site, spec: FLOAT32, from: 'default' };
}

/**
 * The site name an optimizer site of `layer`'s parameters resolves under: BatchNorm's
 * parameters use `BN.U`, `BN.WU`, ... (falling back to `U`, `WU`, ...), so a scheme can keep
 * BN's internal parameters apart (Park et al. sec. 4.1 leaves them unquantized).
 */
export function paramSiteName(layer: Layer | undefined, site: string): string {
  return layer?.paramSitePrefix ? `${layer.paramSitePrefix}${site}` : site;
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
    // A role site (LSTM Wx, BatchNorm's BN.U, ...) may also be named by its generic site.
    const pre = l.paramSitePrefix;
    const opt = l.params().length ? OPTIMIZER_SITES.flatMap((s) => (pre ? [pre + s, s] : [s])) : [];
    const own = [...l.siteNames, ...opt];
    // E1 and L exist by position (E1 where no BatchNorm follows, L on the last layer), so a
    // scheme written for any model (WAGEUBN's float first and last layers) may name them.
    const has = [...new Set([...own, ...own.map(genericSite), 'E1', 'L'])];
    // "first" and "last" name whichever layer a model has there, so a scheme written for every
    // model (WAGEUBN's float first and last layers: W, A, E, ...) names sites that some first
    // layer lacks (an Embedding has no A). Those are skipped; the schema has checked that each
    // is a site name. A layer named by its own name must have every site the table names.
    const positional = k === 'first' || k === 'last';
    for (const site of Object.keys(table)) {
      if (!positional && !has.includes(site)) {
        throw new Error(
          `scheme "${scheme.name}": layers.${k}.${site}: layer ${l.name} (${l.kind}) has no site ` +
            `${site}; its sites are ${has.join(', ')}`,
        );
      }
    }
  }
}

const isNorm = (l: Layer | undefined): boolean => !!l && l.kind.startsWith('batchnorm');

/**
 * The sites of layer i that exist in this model. Two depend on the layer's place:
 * - `L` (the logits, Park et al. sec. 4.2) only on the model's last layer with sites;
 * - `E1` on a Conv2d/Linear is WAGEUBN's Q_E1 of a layer without BatchNorm (Yang et al.
 *   Fig. 2: e0 = Q_E1 of the error arriving at the layer, before the activation's derivative
 *   and Q_E2). When a BatchNorm takes the layer's output, that BatchNorm's own E1 is the
 *   layer's Q_E1, so the Conv2d/Linear has none.
 */
export function layerSiteNames(layers: readonly Layer[], i: number): string[] {
  const l = layers[i];
  return l.siteNames.filter((s) => {
    if (s === 'L') return i === layers.length - 1;
    if (s === 'E1' && !isNorm(l)) return !isNorm(layers[i + 1]);
    return true;
  });
}

/**
 * Sites bound only when the scheme names them: left unbound, the tensor passes unchanged
 * (a float32 site would round an int32 accumulator to float32). They are the extra
 * requantizations some papers add: E1 on a Conv2d/Linear, the logits L, BatchNorm's input
 * and output BN.x, BN.y.
 */
export function optionalSite(l: Layer, site: string): boolean {
  return site === 'L' || site === 'BN.x' || site === 'BN.y' || (site === 'E1' && !isNorm(l));
}

/** Binds every site of every layer; returns the resolved table (for display and reports). */
export function bindScheme(model: Layer, scheme: SchemeSpec, seed: number): ResolvedSite[] {
  checkLayerKeys(scheme, model);
  const layers = siteLayers(model);
  const table: ResolvedSite[] = [];
  layers.forEach((l, i) => {
    l.sites.clear();
    for (const site of layerSiteNames(layers, i)) {
      const r = resolveSite(scheme, l.name, i, layers.length, site);
      if (r.from === 'default' && optionalSite(l, site)) continue;
      const outFeatures = outFeaturesOf(l);
      const quantizer = createQuantizer(r.spec, {
        layer: l.name,
        site,
        layerIndex: i,
        layerCount: layers.length,
        ...(outFeatures !== undefined ? { outFeatures } : {}),
      });
      l.sites.set(site, {
        quantizer,
        rng: siteRng(seed, l.name, site),
        evalRng: siteEvalRng(seed, l.name, site),
      });
      table.push(r);
    }
  });
  return table;
}
