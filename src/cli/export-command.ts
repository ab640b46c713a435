// SPDX-License-Identifier: MIT
// `lowbit export DIR --format onnx --out model.onnx`: the trained model of a run folder as a
// standard ONNX model (see src/export/onnx/export.ts for what the graph holds).

import { Command, Option } from 'commander';
import { EXPORT_FORMATS, exportRun } from '../export/run-export.js';
import { intOption } from './options.js';

interface ExportFlags {
  format: (typeof EXPORT_FORMATS)[number];
  out: string;
  exponents: 'dynamic' | 'calibrated';
  calibration: 'train' | 'test';
  calibrationSamples?: number;
  backend?: 'auto' | 'ref' | 'wasm';
}

export function exportCommand(print: (s: string) => void): Command {
  return new Command('export')
    .description("export a run folder's trained model (evaluation mode) as an ONNX model")
    .argument('<dir>', 'run folder written by `lowbit train`')
    .addOption(
      new Option('--format <format>', 'model format').choices([...EXPORT_FORMATS]).default('onnx'),
    )
    .requiredOption('--out <file>', 'where to write the model, e.g. model.onnx')
    .addOption(
      new Option(
        '--exponents <how>',
        'per-tensor (dfp) exponents: computed in the graph from each tensor as lowbit does ' +
          '(dynamic), or fixed constants from calibration data (calibrated: a static QDQ model)',
      )
        .choices(['dynamic', 'calibrated'])
        .default('dynamic'),
    )
    .addOption(
      new Option('--calibration <split>', 'calibration data for --exponents calibrated')
        .choices(['train', 'test'])
        .default('train'),
    )
    .option(
      '--calibration-samples <n>',
      'calibration samples (default 10000)',
      intOption('--calibration-samples'),
    )
    .addOption(new Option('--backend <name>', 'kernels').choices(['auto', 'ref', 'wasm']))
    .action(async (dir: string, f: ExportFlags) => {
      const r = await exportRun(dir, {
        out: f.out,
        format: f.format,
        exponents: f.exponents,
        calibration: f.calibration,
        calibrationSamples: f.calibrationSamples,
        backend: f.backend,
      });
      print(`wrote ${r.out} (${r.bytes.toLocaleString('en-US')} bytes, ONNX opset 13)`);
      for (const [k, e] of r.exponents) print(`  ${k.replace('/', '.')} exponent ${e}`);
    });
}
