// SPDX-License-Identifier: MIT
// `lowbit schemes`: list the built-in schemes, or show one resolved site by site.

import { Command } from 'commander';
import { builtinSchemes, loadScheme } from '../schemes/resolve.js';
import { outFeaturesOf, resolveSite } from '../schemes/bind.js';
import { createQuantizer } from '../quant/registry.js';
import { siteLayers } from '../nn/layer.js';
import { buildModel } from '../models/registry.js';
import { loadDataset } from '../data/registry.js';
import { makeRng } from '../quant/rng.js';
import { quantizerKinds } from '../quant/registry.js';

const OPT_SITES = ['U', 'WU', 'M', 'ACC'];

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(w[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function schemesCommand(print: (s: string) => void): Command {
  return new Command('schemes')
    .description('list the built-in quantization schemes, or --show one in full')
    .option(
      '--show <name|file.json>',
      "print a scheme's resolved table of sites, formats, rounding and overrides",
    )
    .option('--model <name>', 'model whose layers --show resolves (default lenet5)', 'lenet5')
    .option(
      '--dataset <name>',
      'dataset giving that model its input shape (default mnist)',
      'mnist',
    )
    .action((f: { show?: string; model: string; dataset: string }) => {
      if (!f.show) {
        const rows = [
          ['scheme', 'description'],
          ...builtinSchemes().map((s) => [s.name, s.description]),
        ];
        print(table(rows));
        print('\nquantizer kinds usable in scheme files:');
        print(
          table([['kind', 'what it does'], ...quantizerKinds().map((k) => [k.name, k.summary])]),
        );
        return;
      }
      const scheme = loadScheme(f.show);
      print(`scheme ${scheme.name}: ${scheme.description}`);
      print(`optimizer: ${JSON.stringify(scheme.optimizer)}`);
      const data = loadDataset(f.dataset, { seed: 0, limit: 1, testLimit: 1 });
      if (data.kind !== 'classification') {
        throw new Error(`--show resolves on a classification model; ${f.dataset} is ${data.kind}`);
      }
      const model = buildModel(f.model, data.inputShape, data.numClasses, makeRng(0));
      const layers = siteLayers(model);
      const rows = [['layer', 'site', 'quantizer', 'from']];
      layers.forEach((l, i) => {
        const sites = [...new Set([...l.siteNames, ...OPT_SITES])];
        for (const site of sites) {
          const r = resolveSite(scheme, l.name, i, layers.length, site);
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
      print(
        `\nresolved on ${f.model} (per-layer overrides: ${Object.keys(scheme.layers).join(', ') || 'none'}):`,
      );
      print(table(rows));
    });
}
