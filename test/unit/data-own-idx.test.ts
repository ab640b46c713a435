// SPDX-License-Identifier: MIT
// Your own IDX image files in MNIST's format: a folder with MNIST's names or single files, any
// rows x cols, classes from the labels, as images or as row sequences; bad sets named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../../src/data/idx.js';
import {
  loadDigitsSeq,
  loadMnist,
  MNIST_FILES,
  MNIST_MEAN,
  MNIST_STD,
} from '../../src/data/mnist.js';
import '../../src/data/mnist-files.js';
import { loadDataset } from '../../src/data/registry.js';

/** n images of rows x cols whose first pixel is the label * 10; labels cycle 0..classes-1. */
function write(
  images: string,
  labels: string,
  n: number,
  rows: number,
  cols: number,
  classes: number,
): void {
  const px: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    y.push(i % classes);
    for (let k = 0; k < rows * cols; k++) px.push(k === 0 ? (i % classes) * 10 : 0);
  }
  writeFileSync(images, encodeIdx('ubyte', [n, rows, cols], px));
  writeFileSync(labels, encodeIdx('ubyte', [n], y));
}

/** A folder holding a 9/6-image set of 12x10 images, 3 classes, under MNIST's file names. */
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-own-'));
  const f = MNIST_FILES;
  write(join(dir, f.trainImages), join(dir, f.trainLabels), 9, 12, 10, 3);
  write(join(dir, f.testImages), join(dir, f.testLabels), 6, 12, 10, 3);
  return dir;
}

/** Image and label paths of a set written in `dir` under `name`. */
function set(dir: string, name: string, n: number, rows: number, cols: number, classes: number) {
  const images = join(dir, `${name}-images`);
  const labels = join(dir, `${name}-labels`);
  write(images, labels, n, rows, cols, classes);
  return { images, labels };
}

test("a folder of IDX files named as MNIST's: any size, classes from the labels", () => {
  const dir = folder();
  const m = loadMnist({ dir });
  assert.deepEqual(m.inputShape, [1, 12, 10]);
  assert.equal(m.numClasses, 3);
  assert.deepEqual([m.train.n, m.test.n], [9, 6]);
  assert.deepEqual(Array.from(m.train.y.slice(0, 4)), [0, 1, 2, 0]);
  // Pixels are normalised as MNIST's: label 2's first pixel is 20.
  assert.equal(m.train.x[2 * 120], Math.fround((20 / 255 - MNIST_MEAN) / MNIST_STD));
  assert.match(m.description, /IDX images from .*train-images-idx3-ubyte .* 12x10 grey, 3 classes/);
  const seq = loadDigitsSeq({ dir });
  assert.deepEqual(seq.inputShape, [12, 10]);
  const viaRegistry = loadDataset('mnist', { seed: 1, dir, limit: 4 });
  assert.equal(viaRegistry.train.n, 4);
});

test("single files replace the folder's ones; mismatched or empty sets are named", () => {
  const dir = folder();
  const other = mkdtempSync(join(tmpdir(), 'lowbit-own-'));
  const big = set(other, 'big', 8, 12, 10, 7);
  const m = loadMnist({ dir, files: { trainImages: big.images, trainLabels: big.labels } });
  assert.equal(m.train.n, 8);
  assert.equal(m.numClasses, 7); // the largest label of either set + 1
  const wide = set(other, 'wide', 5, 12, 11, 3);
  assert.throws(
    () => loadMnist({ dir, files: { testImages: wide.images, testLabels: wide.labels } }),
    /wide-images holds 12x11 images but .* 12x10: train and test images must have one size/,
  );
  const none = set(other, 'none', 0, 12, 10, 3);
  assert.throws(
    () => loadMnist({ dir, files: { trainImages: none.images, trainLabels: none.labels } }),
    /none-images holds 0 images/,
  );
  assert.throws(
    () => loadDataset('gauss-10', { seed: 1, dir }),
    /is generated, not read from files/,
  );
});
