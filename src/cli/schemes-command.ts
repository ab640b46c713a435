// SPDX-License-Identifier: MIT
// `lowbit schemes`: list the built-in schemes, or show one resolved site by site.

import { Command } from 'commander';
import { builtinSchemes, loadScheme } from '../schemes/resolve.js';
import { buildModel } from '../models/registry.js';
import { loadDataset } from '../data/registry.js';
import { makeRng } from '../quant/rng.js';
import { quantizerKinds } from '../quant/registry.js';
import { layerRows, optimizerLine, parameterRows } from '../schemes/show.js';

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
    .option('--optimizer <name>', 'optimizer a run would use: sgd or adam (default sgd)', 'sgd')
    .option('--momentum <m>', 'SGD momentum a run would use (default 0.9)', '0.9')
    .action(
      (f: {
        show?: string;
        model: string;
        dataset: string;
        optimizer: string;
        momentum: string;
      }) => {
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
        if (f.optimizer !== 'sgd' && f.optimizer !== 'adam') {
          throw new Error(`--optimizer must be sgd or adam, got "${f.optimizer}"`);
        }
        const momentum = Number(f.momentum);
        if (!(momentum >= 0 && momentum < 1)) {
          throw new Error(`--momentum must be a number in [0, 1), got "${f.momentum}"`);
        }
        const opts = { optimizer: f.optimizer, momentum } as const;
        const scheme = loadScheme(f.show);
        print(`scheme ${scheme.name}: ${scheme.description}`);
        print(optimizerLine(scheme, opts));
        const data = loadDataset(f.dataset, { seed: 0, limit: 1, testLimit: 1 });
        if (data.kind !== 'classification') {
          throw new Error(
            `--show resolves on a classification model; ${f.dataset} is ${data.kind}`,
          );
        }
        const model = buildModel(f.model, data.inputShape, data.numClasses, makeRng(0));
        print(
          `\nresolved on ${f.model} (per-layer overrides: ${Object.keys(scheme.layers).join(', ') || 'none'}):`,
        );
        print(table([['layer', 'site', 'quantizer', 'from'], ...layerRows(scheme, model)]));
        print('\noptimizer sites, per parameter (what the optimizer applies):');
        print(
          table([
            ['parameter', 'site', 'what runs', 'from'],
            ...parameterRows(scheme, model, opts),
          ]),
        );
      },
    );
}
