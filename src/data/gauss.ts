// SPDX-License-Identifier: MIT
// gauss-N: N-class Gaussian clusters in D dimensions with class means on the unit sphere. Many
// classes make the softmax output fine-grained, which is what Park et al.'s classifier
// bit-width rule (bits > log2(N-1) + log2(2/alpha)) is about.

import { randNormal, Xoshiro128, type Rng } from '../quant/rng.js';
import { epochSeed, shuffle } from './batches.js';
import type { ClassificationDataset, Split } from './dataset.js';

export interface GaussOptions {
  /** Number of classes N, 2..1000. */
  numClasses: number;
  seed?: number;
  /** Input dimension D (default 64). */
  dim?: number;
  /**
   * Per-coordinate noise std (default 0.18). Means are unit vectors, so two classes are about
   * sqrt(2) apart; 0.18 keeps the Bayes (nearest-mean) accuracy high even at N = 1000 while
   * leaving logit gaps small.
   */
  noise?: number;
  /** Training samples per class (default max(20, ceil(10000 / N))). */
  trainPerClass?: number;
  /** Test samples per class (default max(5, ceil(2000 / N))). */
  testPerClass?: number;
  /**
   * Draw only the first `limit` training samples: the same values as the first `limit` of the
   * whole split (labels are shuffled whole first, then points drawn in order), without the
   * cost of the rest (a 10,000-sample draw takes ~50 ms, a short run's tenth).
   */
  limit?: number;
  /** The same for the test split. */
  testLimit?: number;
}

/** The class means, (N, D) f32, each a unit vector drawn uniformly on the sphere. */
export function gaussMeans(numClasses: number, dim: number, rng: Rng): Float32Array {
  const mu = new Float32Array(numClasses * dim);
  for (let c = 0; c < numClasses; c++) {
    let norm = 0;
    const row = new Float64Array(dim);
    for (let d = 0; d < dim; d++) {
      row[d] = randNormal(rng);
      norm += row[d] * row[d];
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) mu[c * dim + d] = row[d] / norm;
  }
  return mu;
}

function sample(
  mu: Float32Array,
  n: number,
  perClass: number,
  dim: number,
  noise: number,
  rng: Rng,
  limit: number | undefined,
): Split {
  const total = n * perClass;
  const y = new Int32Array(total);
  for (let i = 0; i < total; i++) y[i] = i % n; // exactly perClass of each
  shuffle(y, rng);
  // An invalid limit draws everything: the caller's limitSplit says what is wrong.
  const keep = Number.isInteger(limit) && limit! >= 0 ? Math.min(limit!, total) : total;
  const x = new Float32Array(keep * dim);
  for (let i = 0; i < keep; i++) {
    const m = y[i] * dim;
    for (let d = 0; d < dim; d++) x[i * dim + d] = mu[m + d] + noise * randNormal(rng);
  }
  return { x, y: keep === total ? y : y.slice(0, keep), n: keep };
}

function posInt(v: number, what: string, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`gauss: ${what} must be an integer >= ${min}, got ${v}`);
  return v;
}

/**
 * The gauss-N set (name `gauss-${N}`). Means come from one stream of the seed, train and test
 * samples from two more, so the test points are fresh draws around the same means.
 */
export function loadGauss(opts: GaussOptions): ClassificationDataset {
  const n = opts.numClasses;
  if (!Number.isInteger(n) || n < 2 || n > 1000) {
    throw new RangeError(`gauss-N needs 2 <= N <= 1000 classes, got ${n} (e.g. gauss-100)`);
  }
  const seed = opts.seed ?? 0;
  const dim = posInt(opts.dim ?? 64, 'dim', 1);
  const noise = opts.noise ?? 0.18;
  if (!(noise >= 0)) throw new RangeError(`gauss: noise must be >= 0, got ${noise}`);
  const trainPer = posInt(
    opts.trainPerClass ?? Math.max(20, Math.ceil(10000 / n)),
    'trainPerClass',
    0,
  );
  const testPer = posInt(opts.testPerClass ?? Math.max(5, Math.ceil(2000 / n)), 'testPerClass', 0);
  const mu = gaussMeans(n, dim, new Xoshiro128(epochSeed(seed, 0x6a0)));
  const rng = (k: number) => new Xoshiro128(epochSeed(seed, k));
  const train = sample(mu, n, trainPer, dim, noise, rng(0x6a1), opts.limit);
  const test = sample(mu, n, testPer, dim, noise, rng(0x6a2), opts.testLimit);
  return {
    kind: 'classification',
    name: `gauss-${n}`,
    inputShape: [dim],
    numClasses: n,
    train,
    test,
    description:
      `gauss-${n} (seed ${seed}): ${n} Gaussian clusters in ${dim} dimensions, class means ` +
      `uniform on the unit sphere, isotropic noise std ${noise}; split ${n * trainPer} train ` +
      `(${trainPer}/class) / ${n * testPer} test (${testPer}/class), fresh draws around the same means.`,
  };
}

/**
 * Accuracy of the Bayes-optimal rule for equal-norm means and isotropic noise: argmax_c mu_c.x.
 * A reference point for what a linear classifier can reach on a split.
 */
export function nearestMeanAccuracy(mu: Float32Array, dim: number, s: Split): number {
  const n = mu.length / dim;
  let ok = 0;
  for (let i = 0; i < s.n; i++) {
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += mu[c * dim + d] * s.x[i * dim + d];
      if (dot > best) {
        best = dot;
        arg = c;
      }
    }
    if (arg === s.y[i]) ok++;
  }
  return s.n === 0 ? 0 : ok / s.n;
}

/** The means of a gauss set as loadGauss made them (same seed, N, dim). */
export function gaussMeansFor(numClasses: number, seed = 0, dim = 64): Float32Array {
  return gaussMeans(numClasses, dim, new Xoshiro128(epochSeed(seed, 0x6a0)));
}
