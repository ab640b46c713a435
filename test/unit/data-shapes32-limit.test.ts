// SPDX-License-Identifier: MIT
// shapes32 with --limit / --test-limit draws only the images a run uses: the first images and
// labels of the whole sets bit for bit, normalised with the whole train split's statistics,
// whether or not that split's statistics were drawn before in this thread.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ClassificationDataset, Split } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/registry.js';
import { loadShapes32 } from '../../src/data/shapes32.js';

function sha(splits: readonly Split[]): string {
  const h = createHash('sha256');
  for (const s of splits) {
    h.update(new Uint8Array(s.x.buffer, s.x.byteOffset, s.x.byteLength));
    h.update(new Uint8Array(s.y.buffer, s.y.byteOffset, s.y.byteLength));
  }
  return h.digest('hex');
}

const head = (s: Split, n: number): Split => ({
  x: s.x.subarray(0, (n * s.x.length) / s.n),
  y: s.y.subarray(0, n),
  n,
});

function asClassification(d: ReturnType<typeof loadDataset>): ClassificationDataset {
  assert.equal(d.kind, 'classification');
  return d as ClassificationDataset;
}

test('shapes32 at the default sizes with limits: the images and labels the whole draw gave', () => {
  // Digests of the first 64 train / 32 test images of seed 1 and 10 / 5 of seed 7 as drawn
  // when every load drew all 10,000 + 2,000 images (float32 bytes and int32 labels).
  const pins: [number, number, number, string][] = [
    [1, 64, 32, 'f09c64095806d8a9a4b67f5b8121772f8b429d4578c839198b56520ecb2389dd'],
    [7, 10, 5, '26099cccf0832f29f985c7993b762947a0160d9c1d723c6d26a2ef1399a2090e'],
  ];
  // Twice each: the first load draws the rest of the train split for its statistics, the
  // second takes them from the ones kept.
  for (let k = 0; k < 2; k++)
    for (const [seed, limit, testLimit, want] of pins) {
      const d = asClassification(loadDataset('shapes32', { seed, limit, testLimit }));
      assert.equal(d.train.n, limit);
      assert.equal(d.test.n, testLimit);
      assert.equal(d.train.x.length, limit * 3 * 32 * 32, 'only the used images are drawn');
      assert.equal(sha([d.train, d.test]), want, `seed ${seed}, load ${k + 1}`);
    }
});

test('limited shapes32 sets are the heads of the whole sets, plain and hard, in either order', () => {
  const sizes = { trainSize: 300, testSize: 100 };
  for (const hard of [false, true]) {
    // Limited first (statistics drawn), then whole, then limited again (statistics kept).
    const a = loadShapes32({ seed: 21, ...sizes, hard, limit: 45, testLimit: 7 });
    const whole = loadShapes32({ seed: 21, ...sizes, hard });
    const b = loadShapes32({ seed: 21, ...sizes, hard, limit: 300, testLimit: 0 });
    // Whole first for another seed.
    const whole2 = loadShapes32({ seed: 22, ...sizes, hard });
    const c = loadShapes32({ seed: 22, ...sizes, hard, limit: 1, testLimit: 100 });
    assert.equal(sha([a.train, a.test]), sha([head(whole.train, 45), head(whole.test, 7)]));
    assert.equal(sha([b.train, b.test]), sha([whole.train, head(whole.test, 0)]));
    assert.equal(sha([c.train, c.test]), sha([head(whole2.train, 1), whole2.test]));
    assert.equal(a.description, whole.description);
    // A limit past the set's size draws the whole set.
    const over = loadShapes32({ seed: 21, ...sizes, hard, limit: 1000 });
    assert.equal(over.train.n, 300);
  }
});
