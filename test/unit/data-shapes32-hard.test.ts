// SPDX-License-Identifier: MIT
// shapes32-hard: deterministic from the seed, balanced and normalised like shapes32, drawn at
// the sizes asked for, and leaving the plain set's images exactly as they were.

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

test('shapes32-hard is a pure function of the seed and sizes', () => {
  const a = loadShapes32({ seed: 5, trainSize: 120, testSize: 40, hard: true });
  assert.equal(a.name, 'shapes32-hard');
  assert.equal(
    digest(a),
    digest(loadShapes32({ seed: 5, trainSize: 120, testSize: 40, hard: true })),
  );
  assert.notEqual(
    digest(a),
    digest(loadShapes32({ seed: 6, trainSize: 120, testSize: 40, hard: true })),
  );
  const c = classCounts(a.train, 10);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, `class counts ${c}`);
  assert.ok(a.train.x.every(Number.isFinite) && a.test.x.every(Number.isFinite));
  assert.match(a.description, /occluding patches/);
});

test('the hard variant draws other images; the plain set is unchanged by it', () => {
  const plain = loadShapes32({ seed: 11, trainSize: 50, testSize: 10 });
  const hard = loadShapes32({ seed: 11, trainSize: 50, testSize: 10, hard: true });
  assert.notEqual(digest(plain), digest(hard));
  // The plain set's digest before the hard variant existed (a regression pin of its images).
  assert.equal(digest(plain).split(' ')[0], '-806396360');
});

test('the registry draws shapes32-hard at --limit / --test-limit samples', () => {
  const d = loadDataset('shapes32-hard', { seed: 2, limit: 64, testLimit: 32 });
  assert.equal(d.kind, 'classification');
  if (d.kind !== 'classification') return;
  assert.equal(d.train.n, 64);
  assert.equal(d.test.n, 32);
  assert.deepEqual(d.inputShape, [3, 32, 32]);
  assert.equal(
    digest(d),
    digest(loadShapes32({ seed: 2, trainSize: 64, testSize: 32, hard: true })),
  );
});
