// SPDX-License-Identifier: MIT
// Synthetic classification sets (shapes32, gauss-N) and the dataset registry: determinism from
// the seed, class balance, shapes, normalisation, and clear errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classCounts, type ClassificationDataset, type Split } from '../../src/data/dataset.js';
import { gaussMeansFor, loadGauss, nearestMeanAccuracy } from '../../src/data/gauss.js';
import { loadDataset } from '../../src/data/registry.js';
import { loadShapes32 } from '../../src/data/shapes32.js';
import '../../src/data/mnist-files.js';

function balanced(s: Split, k: number): void {
  const c = classCounts(s, k);
  const min = Math.min(...c);
  const max = Math.max(...c);
  assert.ok(max - min <= 1, `class counts ${c}`);
  assert.ok(s.y.every((v) => v >= 0 && v < k));
}

function sameData(a: ClassificationDataset, b: ClassificationDataset): boolean {
  const eq = (p: ArrayLike<number>, q: ArrayLike<number>): boolean =>
    p.length === q.length && Array.prototype.every.call(p, (v: number, i: number) => v === q[i]);
  return eq(a.train.x, b.train.x) && eq(a.train.y, b.train.y) && eq(a.test.x, b.test.x);
}

test('shapes32: shapes, balance, per-channel normalisation, deterministic from the seed', () => {
  const a = loadShapes32({ seed: 11, trainSize: 300, testSize: 103 });
  assert.deepEqual(a.inputShape, [3, 32, 32]);
  assert.equal(a.numClasses, 10);
  assert.equal(a.train.x.length, 300 * 3072);
  assert.equal(a.test.n, 103);
  balanced(a.train, 10);
  balanced(a.test, 10);
  assert.ok(a.train.x.every(Number.isFinite) && a.test.x.every(Number.isFinite));
  // Train statistics are used for normalisation, so train channels have mean 0, std 1
  // (to float32 summation error, 1e-3).
  for (let ch = 0; ch < 3; ch++) {
    let s = 0;
    let q = 0;
    for (let i = 0; i < a.train.n; i++) {
      for (let k = 0; k < 1024; k++) {
        const v = a.train.x[i * 3072 + ch * 1024 + k];
        s += v;
        q += v * v;
      }
    }
    const m = s / (a.train.n * 1024);
    assert.ok(Math.abs(m) < 1e-3, `channel ${ch} mean ${m}`);
    assert.ok(Math.abs(Math.sqrt(q / (a.train.n * 1024) - m * m) - 1) < 1e-3);
  }
  assert.ok(sameData(a, loadShapes32({ seed: 11, trainSize: 300, testSize: 103 })));
  assert.ok(!sameData(a, loadShapes32({ seed: 12, trainSize: 300, testSize: 103 })));
  assert.match(a.description, /300 train \/ 103 test/);
});

test('shapes32: pixel templates do not solve it (nearest class centroid is near chance)', () => {
  // Colours, positions and sizes are random, so the class means of raw pixels are nearly
  // equal; a model must find shape and texture. Chance is 0.1; allow up to 0.25.
  const d = loadShapes32({ seed: 3, trainSize: 500, testSize: 200 });
  const F = 3072;
  const cen = new Float64Array(10 * F);
  const cnt = classCounts(d.train, 10);
  for (let i = 0; i < d.train.n; i++) {
    for (let k = 0; k < F; k++)
      cen[d.train.y[i] * F + k] += d.train.x[i * F + k] / cnt[d.train.y[i]];
  }
  let ok = 0;
  for (let i = 0; i < d.test.n; i++) {
    let best = Infinity;
    let arg = -1;
    for (let c = 0; c < 10; c++) {
      let s = 0;
      for (let k = 0; k < F; k++) s += (d.test.x[i * F + k] - cen[c * F + k]) ** 2;
      if (s < best) [best, arg] = [s, c];
    }
    if (arg === d.test.y[i]) ok++;
  }
  assert.ok(ok / d.test.n < 0.25, `nearest-centroid accuracy ${ok / d.test.n}`);
});

test('gauss-N: sizes, exact balance, unit-norm means, deterministic, learnable', () => {
  const g = loadGauss({ numClasses: 10, seed: 5 });
  assert.equal(g.name, 'gauss-10');
  assert.deepEqual(g.inputShape, [64]);
  // Defaults: max(20, ceil(10000/10)) = 1000 per class train, max(5, 200) = 200 per class test.
  assert.equal(g.train.n, 10000);
  assert.equal(g.test.n, 2000);
  assert.ok(classCounts(g.train, 10).every((c) => c === 1000));
  assert.ok(classCounts(g.test, 10).every((c) => c === 200));
  const mu = gaussMeansFor(10, 5);
  for (let c = 0; c < 10; c++) {
    let n2 = 0;
    for (let d = 0; d < 64; d++) n2 += mu[c * 64 + d] ** 2;
    assert.ok(Math.abs(n2 - 1) < 1e-5);
  }
  assert.ok(sameData(g, loadGauss({ numClasses: 10, seed: 5 })));
  assert.ok(!sameData(g, loadGauss({ numClasses: 10, seed: 6 })));
  // Bayes rule accuracy with the default noise 0.18: near 1 for 10 classes and still high but
  // below 1 for 300 (measured 0.999 / 0.97 at N = 10 / 1000 with seed 1); bounds are loose.
  assert.ok(nearestMeanAccuracy(mu, 64, g.test) > 0.98);
  const big = loadGauss({ numClasses: 300, seed: 5 });
  assert.equal(big.train.n, 300 * 34); // ceil(10000 / 300) = 34 per class
  const acc = nearestMeanAccuracy(gaussMeansFor(300, 5), 64, big.test);
  assert.ok(acc > 0.9 && acc < 1, `gauss-300 Bayes accuracy ${acc}`);
  assert.throws(() => loadGauss({ numClasses: 1 }), /2 <= N <= 1000/);
  assert.throws(() => loadGauss({ numClasses: 1001 }), /2 <= N <= 1000/);
});

test('gauss-N: a limited draw is the first samples of the whole set, bit for bit', () => {
  const whole = loadGauss({ numClasses: 10, seed: 5 });
  for (const [limit, testLimit] of [
    [0, 1],
    [1, 0],
    [37, 500],
    [9999, 1999],
    [10000, 2000],
    [20000, 5000],
  ] as const) {
    const g = loadGauss({ numClasses: 10, seed: 5, limit, testLimit });
    for (const [got, all, k] of [
      [g.train, whole.train, limit],
      [g.test, whole.test, testLimit],
    ] as const) {
      const n = Math.min(k, all.n);
      assert.equal(got.n, n);
      assert.deepEqual(got.x, all.x.slice(0, n * 64), `x ${limit} ${testLimit}`);
      assert.deepEqual(got.y, all.y.slice(0, n), `y ${limit} ${testLimit}`);
    }
  }
  // Through the registry: the same views as limiting the whole set; a bad limit still fails.
  const viaRegistry = loadDataset('gauss-10', { seed: 5, limit: 37, testLimit: 12 });
  assert.equal(viaRegistry.kind, 'classification');
  if (viaRegistry.kind === 'classification') {
    assert.deepEqual(viaRegistry.train.x, whole.train.x.slice(0, 37 * 64));
    assert.deepEqual(viaRegistry.test.y, whole.test.y.slice(0, 12));
  }
  assert.throws(() => loadDataset('gauss-10', { seed: 5, limit: 2.5 }), /non-negative integer/);
});

test('registry: resolves names, applies limits, and lists the known names on a typo', () => {
  const g = loadDataset('gauss-100', { seed: 1, limit: 50 });
  assert.equal(g.kind, 'classification');
  if (g.kind !== 'classification') return;
  assert.equal(g.numClasses, 100);
  assert.equal(g.train.n, 50);
  assert.equal(g.train.x.length, 50 * 64);
  const s = loadDataset('shapes32', { seed: 1, trainSize: 40, testSize: 20, testLimit: 5 });
  assert.ok(s.kind === 'classification' && s.train.n === 40 && s.test.n === 5);
  const t = loadDataset('translate', { seed: 1, trainSize: 30, testSize: 10, limit: 7 });
  assert.ok(t.kind === 'seq2seq' && t.train.n === 7 && t.test.n === 10);
  const m = loadDataset('digits-seq', { seed: 0, limit: 10, testLimit: 10 });
  assert.ok(m.kind === 'classification' && m.inputShape.join() === '28,28');
  assert.throws(
    () => loadDataset('cifar10', { seed: 0 }),
    /unknown dataset 'cifar10'; known: mnist, digits-seq, shapes32, shapes32-small, shapes32-hard, gauss-N, translate/,
  );
  assert.throws(() => loadDataset('gauss-1', { seed: 0 }), /2 <= N <= 1000/);
});
