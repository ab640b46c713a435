// SPDX-License-Identifier: MIT
// --data-dir and --train-images/--train-labels/--test-images/--test-labels: your own IDX image
// files for the mnist and digits-seq datasets. Paths are stored absolute in the run's record,
// so `--resume` and `eval` find them from any folder.

import type { Command } from 'commander';
import { resolve } from 'node:path';
import { IDX_FILE_KEYS, type IdxFileKey } from '../train/config.js';
import { pathOption } from './options.js';

export type DataFlags = { dataDir?: string } & Partial<Record<IdxFileKey, string>>;

const FLAG: Record<IdxFileKey, string> = {
  trainImages: '--train-images',
  trainLabels: '--train-labels',
  testImages: '--test-images',
  testLabels: '--test-labels',
};

export function addDataOptions(cmd: Command, what: string): Command {
  cmd.option(
    '--data-dir <dir>',
    `${what} your own IDX files in <dir>, named as MNIST's (train-images-idx3-ubyte, ` +
      `train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)`,
    pathOption('--data-dir'),
  );
  for (const k of IDX_FILE_KEYS) {
    cmd.option(
      `${FLAG[k]} <file>`,
      `IDX file replacing --data-dir's (or MNIST's) one`,
      pathOption(FLAG[k]),
    );
  }
  return cmd;
}

/** The config keys of the data flags given, as absolute paths. */
export function dataConfig(f: DataFlags): DataFlags {
  const out: DataFlags = {};
  if (f.dataDir !== undefined) out.dataDir = resolve(f.dataDir);
  for (const k of IDX_FILE_KEYS) if (f[k] !== undefined) out[k] = resolve(f[k]);
  return out;
}
