// SPDX-License-Identifier: MIT
// `lowbit eval DIR`: rebuilds a run from its config.json, loads its checkpoint and evaluates
// the test split with the run's scheme: top-1 (and top-5 past 10 classes) for classification,
// BLEU and token accuracy for translation.

import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, readConfig } from '../train/run-folder.js';
import { setupRun } from '../train/setup.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { parseTrainConfig } from '../train/config.js';
import { intOption } from './options.js';

interface EvalFlags {
  backend?: 'auto' | 'ref' | 'wasm';
  threads?: number;
  testLimit?: number;
  json?: boolean;
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** Evaluates the run in `dir`; returns the metrics (fractions in [0, 1]). */
export async function evalRun(dir: string, f: EvalFlags = {}): Promise<Record<string, number>> {
  const saved = readConfig(dir);
  const ckpt = join(dir, CHECKPOINT_FILE);
  if (!existsSync(ckpt))
    throw new Error(`${dir} has no ${CHECKPOINT_FILE}: train at least one epoch first`);
  const over = Object.fromEntries(
    Object.entries({ backend: f.backend, threads: f.threads, testLimit: f.testLimit }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const cfg = parseTrainConfig({ ...saved, ...over }, `${dir}/config.json`);
  const s = await setupRun(cfg);
  const pos = loadCheckpoint(ckpt, s.model, s.optimizer);
  const metrics = s.task.evaluate({
    kernels: s.kernels,
    step: pos.step,
    epoch: pos.epoch,
    training: false,
    telemetry: null,
  });
  return { epoch: pos.epoch, ...metrics };
}

export function evalCommand(print: (s: string) => void): Command {
  return new Command('eval')
    .description(
      "evaluate a run folder's checkpoint on its test split (top-1/top-5, or BLEU and token accuracy)",
    )
    .argument('<dir>', 'run folder written by `lowbit train`')
    .addOption(new Option('--backend <name>', 'kernels').choices(['auto', 'ref', 'wasm']))
    .option('--threads <n>', 'worker threads for the wasm kernels', intOption('--threads'))
    .option(
      '--test-limit <n>',
      'evaluate on the first N test samples only',
      intOption('--test-limit'),
    )
    .option('--json', 'print the metrics as one JSON object')
    .action(async (dir: string, f: EvalFlags) => {
      const cfg = readConfig(dir);
      const m = await evalRun(dir, f);
      if (f.json) {
        print(JSON.stringify(m));
        return;
      }
      print(
        `${dir}: ${cfg.model} on ${cfg.dataset}, scheme ${cfg.scheme}, after ${m.epoch} epoch(s)`,
      );
      if (m.test_bleu !== undefined) {
        print(`  BLEU            ${(100 * m.test_bleu).toFixed(2)}`);
        print(`  token accuracy  ${pct(m.test_acc)}`);
      } else {
        print(`  top-1  ${pct(m.test_acc)}`);
        if (m.test_top5 !== undefined) print(`  top-5  ${pct(m.test_top5)}`);
      }
    });
}
