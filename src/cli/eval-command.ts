// SPDX-License-Identifier: MIT
// `lowbit eval PATH`: rebuilds a run from its record, loads its checkpoint and evaluates the
// test split with the scheme recorded in the run (not whatever its scheme file says now):
// top-1 (and top-5 past 10 classes) for classification, BLEU and token accuracy for
// translation. PATH is a run folder, or a checkpoint file: one the training page downloads
// carries its configuration; otherwise the config.json beside it is used. --data-dir /
// --test-images / --test-labels evaluate on other IDX files.

import { Command, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readCheckpointFile, readRecord } from '../train/run-folder.js';
import { setupRun } from '../train/setup.js';
import { CHECKPOINT_FILE, restoreCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import {
  configFromRecord,
  parseTrainConfig,
  schemeLabel,
  type TrainConfig,
} from '../train/config.js';
import { parseScheme, type SchemeSpec } from '../schemes/schema.js';
import { envBackend, intOption } from './options.js';
import { addDataOptions, dataConfig, type DataFlags } from './data-options.js';

interface EvalFlags extends DataFlags {
  backend?: 'auto' | 'ref' | 'wasm' | 'native';
  threads?: number;
  testLimit?: number;
  json?: boolean;
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** The configuration and checkpoint at `path` (a run folder or a checkpoint file), with the
 * scheme the run recorded (absent only in a downloaded checkpoint that carries none). */
export function readRun(path: string): {
  cfg: TrainConfig;
  scheme?: SchemeSpec;
  ckpt: Checkpoint;
  source: string;
} {
  if (!existsSync(path))
    throw new Error(`${path} does not exist: give a run folder or a checkpoint file`);
  if (statSync(path).isDirectory()) {
    const { resolvedScheme, ...cfg } = readRecord(path);
    const file = join(path, CHECKPOINT_FILE);
    if (!existsSync(file))
      throw new Error(`${path} has no ${CHECKPOINT_FILE}: train at least one epoch first`);
    return { cfg, scheme: resolvedScheme, ckpt: readCheckpointFile(file), source: file };
  }
  const ckpt = readCheckpointFile(path);
  if (!ckpt.config) {
    const { resolvedScheme, ...cfg } = readRecord(dirname(path));
    return { cfg, scheme: resolvedScheme, ckpt, source: path };
  }
  const cfg = configFromRecord(ckpt.config, `${path} (its config)`);
  const rs = ckpt.config.resolvedScheme;
  const scheme = rs === undefined ? undefined : parseScheme(rs, `${path} (its resolvedScheme)`);
  return { cfg, scheme, ckpt, source: path };
}

/** Evaluates the run at `path`; returns the metrics (fractions in [0, 1]). */
export async function evalRun(path: string, f: EvalFlags = {}): Promise<Record<string, number>> {
  const { cfg: saved, scheme, ckpt, source } = readRun(path);
  const over = Object.fromEntries(
    Object.entries({
      backend: f.backend ?? envBackend(),
      threads: f.threads,
      testLimit: f.testLimit,
      ...dataConfig(f),
    }).filter(([, v]) => v !== undefined),
  );
  const cfg = parseTrainConfig({ ...saved, ...over }, `${source} config`);
  const s = await setupRun(cfg, scheme ? { scheme } : {});
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
  const cmd = new Command('eval')
    .description(
      "evaluate a run's checkpoint (a run folder or a checkpoint file) on its test split (top-1/top-5, or BLEU and token accuracy)",
    )
    .argument(
      '<path>',
      'run folder written by `lowbit train`, or a checkpoint file (e.g. downloaded from `lowbit web`)',
    );
  addDataOptions(cmd, 'evaluate on');
  return cmd
    .addOption(
      new Option('--backend <name>', 'kernels (default: env LOWBIT_BACKEND, else auto)').choices([
        'auto',
        'ref',
        'wasm',
        'native',
      ]),
    )
    .option('--threads <n>', 'worker threads for the wasm kernels', intOption('--threads'))
    .option(
      '--test-limit <n>',
      'evaluate on the first N test samples only',
      intOption('--test-limit'),
    )
    .option('--json', 'print the metrics as one JSON object')
    .action(async (dir: string, f: EvalFlags) => {
      const { cfg, scheme } = readRun(dir);
      const m = await evalRun(dir, f);
      if (f.json) {
        print(JSON.stringify(m));
        return;
      }
      print(
        `${dir}: ${cfg.model} on ${cfg.dataset}, scheme ${scheme?.name ?? schemeLabel(cfg.scheme)}, after ${m.epoch} epoch(s)`,
      );
      if (m.test_bleu !== undefined) {
        print(`  BLEU            ${(100 * m.test_bleu).toFixed(2)}`);
        print(`  token accuracy  ${pct(m.test_acc)}`);
        if (m.test_ppl !== undefined) print(`  perplexity      ${m.test_ppl.toFixed(3)}`);
      } else {
        print(`  top-1  ${pct(m.test_acc)}`);
        if (m.test_top5 !== undefined) print(`  top-5  ${pct(m.test_top5)}`);
      }
    });
}
