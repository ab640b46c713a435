// SPDX-License-Identifier: MIT
// `lowbit eval PATH`: rebuilds a run from its configuration, loads its checkpoint and
// evaluates the test split with the run's scheme: top-1 (and top-5 past 10 classes) for
// classification, BLEU and token accuracy for translation. PATH is a run folder, or a
// checkpoint file: one the training page downloads carries its configuration; otherwise the
// config.json beside it is used.

import { Command, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readCheckpointFile, readConfig } from '../train/run-folder.js';
import { setupRun } from '../train/setup.js';
import { CHECKPOINT_FILE, restoreCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import {
  configFromRecord,
  parseTrainConfig,
  schemeLabel,
  type TrainConfig,
} from '../train/config.js';
import { intOption } from './options.js';

interface EvalFlags {
  backend?: 'auto' | 'ref' | 'wasm';
  threads?: number;
  testLimit?: number;
  json?: boolean;
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** The configuration and checkpoint at `path` (a run folder or a checkpoint file). */
export function readRun(path: string): { cfg: TrainConfig; ckpt: Checkpoint; source: string } {
  if (!existsSync(path))
    throw new Error(`${path} does not exist: give a run folder or a checkpoint file`);
  if (statSync(path).isDirectory()) {
    const cfg = readConfig(path);
    const file = join(path, CHECKPOINT_FILE);
    if (!existsSync(file))
      throw new Error(`${path} has no ${CHECKPOINT_FILE}: train at least one epoch first`);
    return { cfg, ckpt: readCheckpointFile(file), source: file };
  }
  const ckpt = readCheckpointFile(path);
  const cfg = ckpt.config
    ? configFromRecord(ckpt.config, `${path} (its config)`)
    : readConfig(dirname(path));
  return { cfg, ckpt, source: path };
}

/** Evaluates the run at `path`; returns the metrics (fractions in [0, 1]). */
export async function evalRun(path: string, f: EvalFlags = {}): Promise<Record<string, number>> {
  const { cfg: saved, ckpt, source } = readRun(path);
  const over = Object.fromEntries(
    Object.entries({ backend: f.backend, threads: f.threads, testLimit: f.testLimit }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const cfg = parseTrainConfig({ ...saved, ...over }, `${source} config`);
  const s = await setupRun(cfg);
  const pos = restoreCheckpoint(ckpt, s.model, s.optimizer, source);
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
      "evaluate a run's checkpoint (a run folder or a checkpoint file) on its test split (top-1/top-5, or BLEU and token accuracy)",
    )
    .argument(
      '<path>',
      'run folder written by `lowbit train`, or a checkpoint file (e.g. downloaded from `lowbit web`)',
    )
    .addOption(new Option('--backend <name>', 'kernels').choices(['auto', 'ref', 'wasm']))
    .option('--threads <n>', 'worker threads for the wasm kernels', intOption('--threads'))
    .option(
      '--test-limit <n>',
      'evaluate on the first N test samples only',
      intOption('--test-limit'),
    )
    .option('--json', 'print the metrics as one JSON object')
    .action(async (dir: string, f: EvalFlags) => {
      const { cfg } = readRun(dir);
      const m = await evalRun(dir, f);
      if (f.json) {
        print(JSON.stringify(m));
        return;
      }
      print(
        `${dir}: ${cfg.model} on ${cfg.dataset}, scheme ${schemeLabel(cfg.scheme)}, after ${m.epoch} epoch(s)`,
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
