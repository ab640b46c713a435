// SPDX-License-Identifier: MIT
// What a scheme runs on a model, site by site, for `lowbit schemes --show`: the layers' sites
// as bound (sites a scheme leaves out that would change nothing are not listed), then, per
// parameter, the optimizer sites the optimizer actually applies (WAGEUBN's integer Momentum
// uses its own widths, not U, M or ACC; SGD's M only with momentum, Adam's V, ACC only lazy).

import type { Layer } from '../nn/layer.js';
import { siteLayers } from '../nn/layer.js';
import { createQuantizer } from '../quant/registry.js';
import { layerSiteNames, optionalSite, outFeaturesOf, paramSiteName, resolveSite } from './bind.js';
import type { SchemeSpec } from './schema.js';

export interface ShowOptions {
  /** The optimizer a run would use (WAGEUBN schemes replace it with their own). */
  readonly optimizer: 'sgd' | 'adam';
  /** SGD momentum (M is used only when it is nonzero). */
  readonly momentum: number;
}

/** Rows [layer, site, quantizer, from] of the sites bound on each layer. */
export function layerRows(scheme: SchemeSpec, model: Layer): string[][] {
  const layers = siteLayers(model);
  const rows: string[][] = [];
  layers.forEach((l, i) => {
    for (const site of layerSiteNames(layers, i)) {
      const r = resolveSite(scheme, l.name, i, layers.length, site);
      if (r.from === 'default' && optionalSite(l, site)) continue;
      const q = createQuantizer(r.spec, {
        layer: l.name,
        site,
        layerIndex: i,
        layerCount: layers.length,
        outFeatures: outFeaturesOf(l),
      });
      rows.push([l.name, site, q.description, r.from]);
    }
  });
  return rows;
}

/** The optimizer sites a parameter passes through, by optimizer. */
function optimizerSites(scheme: SchemeSpec, o: ShowOptions): string[] {
  const sites = ['U', 'WU'];
  if (o.optimizer === 'adam') sites.push('M', 'V');
  else if (o.momentum !== 0) sites.push('M');
  if (scheme.optimizer.lazy) sites.push('ACC');
  return sites;
}

/** Rows [parameter, site, what runs, from] of the optimizer's sites per parameter. */
export function parameterRows(scheme: SchemeSpec, model: Layer, o: ShowOptions): string[][] {
  const layers = siteLayers(model);
  const rows: string[][] = [];
  const w = scheme.optimizer.wageubn;
  for (const p of model.params()) {
    const i = layers.findIndex((l) => l.name === p.layer);
    const layer = i >= 0 ? layers[i] : undefined;
    const resolve = (site: string) =>
      resolveSite(scheme, p.layer, Math.max(0, i), layers.length, paramSiteName(layer, site));
    const describe = (site: string) => {
      const r = resolve(site);
      const q = createQuantizer(r.spec, {
        layer: p.name,
        site: r.site,
        layerIndex: Math.max(0, i),
        layerCount: layers.length,
        outFeatures: layer ? outFeaturesOf(layer) : undefined,
      });
      return {
        site: r.site,
        text: q.description,
        from: r.from,
        float: q.description === 'float32',
      };
    };
    if (w) {
      // WageubnMomentum reads only whether WU is float (then plain float momentum SGD).
      const wu = describe('WU');
      const text = wu.float
        ? 'float32: plain momentum SGD (layer left unquantized)'
        : `Q(x, ${w.kWU}) (step 2^-${w.kWU - 1})` +
          (p.role === 'weight' ? ', clipped to (-1, 1) (eq. 8)' : ', no range limit');
      rows.push([p.name, wu.site, text, wu.from]);
      continue;
    }
    for (const site of optimizerSites(scheme, o)) {
      const d = describe(site);
      rows.push([p.name, d.site, d.text, d.from]);
    }
  }
  return rows;
}

/** One line on the optimizer, saying which sites it does not use. */
export function optimizerLine(scheme: SchemeSpec, o: ShowOptions): string {
  const w = scheme.optimizer.wageubn;
  if (w) {
    const mom = Math.floor(o.momentum * 2 ** (w.kMom - 1)) / 2 ** (w.kMom - 1);
    return (
      `optimizer: WAGEUBN integer Momentum (eq. 19-23) in place of ${o.optimizer}: ` +
      `Acc = Q(Mom ${mom} * Acc + g, ${w.kAcc}) (momentum ${o.momentum} rounded down at k_Mom = ${w.kMom}), ` +
      `lr as Q(lr, ${w.kLr}), weights stored in ${w.kWU} bits; it does not use the U, M, V or ACC sites`
    );
  }
  const kind =
    o.optimizer === 'adam'
      ? 'Adam'
      : o.momentum !== 0
        ? `SGD, momentum ${o.momentum}`
        : 'SGD without momentum';
  return `optimizer: ${kind}${scheme.optimizer.lazy ? ', lazy update (Park et al. Algorithm 1)' : ''}`;
}
