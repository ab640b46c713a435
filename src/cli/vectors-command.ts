// SPDX-License-Identifier: MIT
// `lowbit vectors DIR|--model M --scheme S --steps N --out VDIR`: bit-exact hardware test
// vectors for N training steps (from a run folder's checkpoint, or a fresh run), and
// `lowbit vectors --check VDIR`, which replays them with the reference kernels.

import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRecord } from '../train/run-folder.js';
import type { SchemeSpec } from '../schemes/schema.js';
import { parseTrainConfig } from '../train/config.js';
import { setupRun } from '../train/setup.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { loadCheckpoint } from '../train/run-folder.js';
import { recordVectors } from '../export/vectors/record-vectors.js';
import { replayVectors } from '../export/vectors/replay.js';
import { intOption, numberOption } from './options.js';

interface VectorsFlags {
  model?: string;
  scheme?: string;
  dataset?: string;
  steps: number;
  out?: string;
  batch: number;
  seed?: number;
  lr?: number;
  momentum?: number;
  optimizer?: string;
  limit?: number;
  backend: 'auto' | 'ref' | 'wasm';
  check?: string;
}

export function vectorsCommand(print: (s: string) => void): Command {
  return new Command('vectors')
    .description(
      'write bit-exact test vectors (.npy + manifest.json) of N training steps, or --check them',
    )
    .argument('[dir]', 'run folder to continue from its checkpoint (else --model and --scheme)')
    .option('--model <name>', 'model for a fresh run (see `lowbit models`)')
    .option('--scheme <name>', 'built-in scheme or scheme JSON file for a fresh run')
    .option('--dataset <name>', 'dataset for a fresh run (default mnist)')
    .option('--steps <n>', 'training steps to record', intOption('--steps'), 1)
    .option('--out <dir>', 'folder for the vectors')
    .option(
      '--batch <n>',
      'batch size of a fresh run (small keeps files small)',
      intOption('--batch'),
      8,
    )
    .option('--seed <n>', 'seed of a fresh run', intOption('--seed', 0))
    .option('--lr <x>', 'learning rate of a fresh run', numberOption('--lr'))
    .option('--momentum <x>', 'momentum of a fresh run', numberOption('--momentum'))
    .option('--optimizer <name>', 'optimizer of a fresh run (sgd, adam)')
    .option('--limit <n>', 'training samples of a fresh run', intOption('--limit'))
    .addOption(
      new Option(
        '--backend <name>',
        'kernels used to record (ref: float layers replay bit for bit too; wasm matches ref on integer paths only)',
      )
        .choices(['auto', 'ref', 'wasm'])
        .default('ref'),
    )
    .option('--check <vdir>', 'replay the vectors in VDIR with the reference kernels and compare')
    .action(async (dir: string | undefined, f: VectorsFlags) => {
      if (f.check) {
        const r = replayVectors(f.check);
        print(
          `${f.check}: ${r.steps} step(s), ${r.entries} entries, ${r.tensors} tensors replayed bit for bit`,
        );
        return;
      }
      if (!f.out) throw new Error('vectors: give --out VDIR (the folder for the vectors)');
      let cfg;
      let recorded: SchemeSpec | null = null;
      let start = { epoch: 0, batchInEpoch: 0, step: 0 };
      if (dir) {
        if (f.model || f.scheme)
          throw new Error('vectors: give a run folder or --model/--scheme, not both');
        const { resolvedScheme, ...rec } = readRecord(dir);
        recorded = resolvedScheme; // the scheme it trained with, not its file as it is now
        cfg = parseTrainConfig({
          ...rec,
          backend: f.backend,
        });
      } else {
        if (!f.model || !f.scheme)
          throw new Error(
            'vectors: give a run folder, or --model M and --scheme S for a fresh run',
          );
        const over = {
          dataset: f.dataset,
          seed: f.seed,
          lr: f.lr,
          momentum: f.momentum,
          optimizer: f.optimizer,
          limit: f.limit,
          backend: f.backend,
        };
        cfg = parseTrainConfig({
          model: f.model,
          scheme: f.scheme,
          batch: f.batch,
          ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)),
        });
      }
      const s = await setupRun(cfg, recorded ? { scheme: recorded } : {});
      if (dir) {
        const ckpt = join(dir, CHECKPOINT_FILE);
        if (!existsSync(ckpt))
          throw new Error(`${dir} has no ${CHECKPOINT_FILE}: train at least one epoch first`);
        const pos = loadCheckpoint(ckpt, s.model, s.optimizer);
        start = { epoch: pos.epoch, batchInEpoch: pos.batchInEpoch, step: pos.step };
      }
      const m = recordVectors(s, cfg, start, f.steps, f.out);
      print(
        `wrote ${f.out}: ${m.steps.length} step(s), ${m.entries.length} entries (manifest.json, README.md)`,
      );
    });
}
