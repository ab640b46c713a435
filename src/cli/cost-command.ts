// SPDX-License-Identifier: MIT
// `lowbit cost`: the hardware cost model of one training step of a model under a scheme.

import { Command } from 'commander';
import { loadDataset } from '../data/registry.js';
import { costForModel, costForScheme } from '../report/cost/for-scheme.js';
import { buildTranslationModel } from '../train/seq2seq.js';
import { bindScheme } from '../schemes/bind.js';
import { loadScheme } from '../schemes/resolve.js';
import { makeRng } from '../quant/rng.js';
import { HOROWITZ_45NM } from '../report/cost/op-table.js';
import { loadOpTable } from '../report/cost/op-table-file.js';
import type { CostReport, MemoryBreakdown } from '../report/cost/model.js';
import { intOption } from './options.js';

interface CostFlags {
  model: string;
  scheme: string;
  dataset: string;
  batch: number;
  table?: string;
  json?: boolean;
  printTable?: boolean;
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(3)} MiB`;

function memLines(title: string, m: MemoryBreakdown): string[] {
  const total = m.weights + m.optimizer + m.activations + m.gradients;
  const row = (k: string, v: number) =>
    `  ${k.padEnd(20)} ${mib(v).padStart(14)}  ${((100 * v) / Math.max(1, total)).toFixed(1).padStart(5)}%`;
  const lines = [
    title,
    row('weights', m.weights),
    row('optimizer state', m.optimizer),
    row('activations saved', m.activations),
    row('gradients', m.gradients),
    row('total', total),
  ];
  if (m.workspace)
    lines.push(`  ${'+ im2col workspace'.padEnd(20)} ${mib(m.workspace).padStart(14)}`);
  return lines;
}

export function costCommand(print: (s: string) => void): Command {
  return new Command('cost')
    .description(
      'hardware cost of one training step: MACs by operand widths, memory by kind, energy and area',
    )
    .option('--model <name>', 'model (see `lowbit models`)', 'lenet5')
    .option('--scheme <name|file.json>', 'quantization scheme', 'fixed8')
    .option('--dataset <name>', 'dataset (sets the input shape and class count)', 'mnist')
    .option('--batch <n>', 'mini-batch size', intOption('--batch'), 64)
    .option(
      '--table <file.json>',
      'per-operation energy/area table (default: Horowitz ISSCC 2014, 45 nm)',
    )
    .option(
      '--print-table',
      'print the default per-operation table as JSON (a template for --table)',
    )
    .option('--json', 'print the whole cost report as JSON')
    .action((f: CostFlags) => {
      if (f.printTable) {
        print(JSON.stringify(HOROWITZ_45NM, null, 2));
        return;
      }
      const table = f.table ? loadOpTable(f.table) : HOROWITZ_45NM;
      const data = loadDataset(f.dataset, { seed: 1, limit: 1, testLimit: 1 });
      let c: CostReport;
      if (data.kind === 'classification')
        c = costForScheme(f.model, data.inputShape, data.numClasses, f.scheme, f.batch, table);
      else {
        // A translation model is sized from the vocabularies; its input is S + T ids a row.
        const m = buildTranslationModel(data, f.model, makeRng(1));
        const spec = loadScheme(f.scheme);
        bindScheme(m, spec, 1);
        c = costForModel(m, spec, [data.maxSrcLen + data.maxTgtLen - 1], f.batch, table);
      }
      if (f.json) {
        print(JSON.stringify(c, null, 2));
        return;
      }
      print(`${f.model} on ${f.dataset}, scheme ${f.scheme}, batch ${f.batch}: one training step`);
      print('MACs by operand widths (forward + backward dx + backward dw):');
      for (const [k, v] of Object.entries(c.macsByOperands))
        print(
          `  ${k.padEnd(14)} ${(v / 1e6).toFixed(3).padStart(10)} M   MAC unit ${c.macArea[k]} um^2`,
        );
      for (const l of memLines(
        "memory at the scheme's nominal widths (what an accelerator keeps):",
        c.nominal,
      ))
        print(l);
      for (const l of memLines('memory as lowbit stores it (typed arrays):', c.stored)) print(l);
      print(
        `energy per step: MACs ${c.energy.macUj.toFixed(2)} uJ + DRAM traffic ${c.energy.memoryUj.toFixed(2)} uJ = ${c.energy.totalUj.toFixed(2)} uJ`,
      );
      print(`per-op table: ${c.table}`);
    });
}
