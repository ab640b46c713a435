// SPDX-License-Identifier: MIT
// shapes32-small: deterministic from the seed, balanced and normalised like shapes32, drawn at
// the sizes asked for from streams of its own, its objects smaller than the plain set's; and
// the plain and hard sets' images exactly as they were.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classCounts, type ClassificationDataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/registry.js';
import { loadShapes32 } from '../../src/data/shapes32.js';

function digest(d: ClassificationDataset): string {
  let h = 0;
  for (const a of [d.train.x, d.test.x])
    for (let i = 0; i < a.length; i++) h = (h * 31 + Math.round(a[i] * 1e4)) | 0;
  return `${h} ${Array.from(d.train.y).join('')}`;
}

const small = (seed: number, trainSize = 120, testSize = 40) =>
  loadShapes32({ seed, trainSize, testSize, variant: 'small' });

test('shapes32-small is a pure function of the seed and sizes, balanced and finite', () => {
  const a = small(5);
  assert.equal(a.name, 'shapes32-small');
  assert.equal(digest(a), digest(small(5)));
  assert.notEqual(digest(a), digest(small(6)));
  const c = classCounts(a.train, 10);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, `class counts ${c}`);
  assert.ok(a.train.x.every(Number.isFinite) && a.test.x.every(Number.isFinite));
  assert.match(a.description, /65-100% size/);
});

test('shapes32-small draws its own images; plain and hard are unchanged', () => {
  const plain = loadShapes32({ seed: 11, trainSize: 50, testSize: 10 });
  const hard = loadShapes32({ seed: 11, trainSize: 50, testSize: 10, hard: true });
  const s = small(11, 50, 10);
  assert.notEqual(digest(s), digest(plain));
  assert.notEqual(digest(s), digest(hard));
  // Regression pins of the plain and hard sets' images from before this variant existed.
  assert.equal(digest(plain).split(' ')[0], '-806396360');
  assert.equal(digest(hard).split(' ')[0], '1755746230');
  assert.equal(
    digest(loadShapes32({ seed: 11, trainSize: 50, testSize: 10, variant: 'hard' })),
    digest(hard),
  );
});

test('shapes32-small objects cover less of the image than the plain set', () => {
  // Before normalisation each image is background (+ gradient) and a shape; the share of
  // pixels far from the image's median colour estimates the shape's area. Over 400 images
  // the small set's share must be lower (objects at 65-100% size: ~70% of the area).
  const area = (d: ClassificationDataset): number => {
    const P = 32 * 32;
    let far = 0;
    for (let i = 0; i < d.train.n; i++) {
      const img = d.train.x.subarray(i * 3 * P, i * 3 * P + P); // channel 0
      const sorted = Float32Array.from(img).sort();
      const med = sorted[P >> 1];
      const spread = sorted[P - 1] - sorted[0];
      for (let k = 0; k < P; k++) if (Math.abs(img[k] - med) > 0.35 * spread) far++;
    }
    return far / (d.train.n * P);
  };
  const a = area(small(3, 400, 10));
  const b = area(loadShapes32({ seed: 3, trainSize: 400, testSize: 10 }));
  assert.ok(a < 0.85 * b, `small ${a.toFixed(3)} vs plain ${b.toFixed(3)}`);
});

test('the registry draws shapes32-small at --limit / --test-limit samples', () => {
  const d = loadDataset('shapes32-small', { seed: 2, limit: 64, testLimit: 32 });
  assert.equal(d.kind, 'classification');
  if (d.kind !== 'classification') return;
  assert.equal(d.train.n, 64);
  assert.equal(d.test.n, 32);
  assert.equal(digest(d), digest(small(2, 64, 32)));
  assert.throws(
    () => loadShapes32({ seed: 1, trainSize: 4, testSize: 4, variant: 'tiny' as never }),
    /unknown variant 'tiny' \(plain, small, hard\)/,
  );
});
