// SPDX-License-Identifier: MIT
// The generated datasets a run thread keeps for the next runs of its list: the set kept is the
// set loadDataset draws, per (name, seed); a run on kept data ends with the same bits as on a
// fresh draw (with --limit and --classes views of it), and leaves the data as drawn. MNIST's
// package files are read once per thread: each run's images equal a fresh load's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { loadDataset } from '../../src/data/registry.js';
import type { Dataset } from '../../src/data/dataset.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { cachedData, clearDataCache, dataCacheHits } from '../../src/sweep/data-cache.js';
import { runOne, type RunSpec } from '../../src/sweep/run-one.js';
import { runFiles } from '../helpers/run-files.js';

const base = {
  model: 'mlp',
  dataset: 'gauss-10',
  scheme: 'fixed8',
  epochs: 2,
  limit: 96,
  testLimit: 64,
  batch: 32,
};
const cfg = (o: Record<string, unknown>) => parseTrainConfig({ ...base, ...o });

function digest(d: Dataset): string {
  assert.equal(d.kind, 'classification');
  if (d.kind !== 'classification') return '';
  const h = createHash('sha256');
  for (const s of [d.train, d.test]) {
    h.update(new Uint8Array(s.x.buffer, s.x.byteOffset, s.x.byteLength));
    h.update(new Uint8Array(s.y.buffer, s.y.byteOffset, s.y.byteLength));
  }
  return h.digest('hex');
}

test('the data cache keeps the set loadDataset draws, per (name, seed, limits), and only generated sets', () => {
  clearDataCache();
  const lim = { limit: base.limit, testLimit: base.testLimit };
  const a = cachedData(cfg({ seed: 3 }))!;
  assert.equal(digest(a), digest(loadDataset('gauss-10', { seed: 3, ...lim })));
  assert.equal(dataCacheHits(), 0);
  // Other options take the same set; other limits draw their own.
  assert.equal(cachedData(cfg({ seed: 3, lr: 0.5 })), a);
  assert.equal(dataCacheHits(), 1);
  const a10 = cachedData(cfg({ seed: 3, limit: 10 }))!;
  assert.notEqual(a10, a);
  assert.equal(digest(a10), digest(loadDataset('gauss-10', { seed: 3, limit: 10, testLimit: 64 })));
  const b = cachedData(cfg({ seed: 4 }))!;
  assert.notEqual(b, a);
  assert.equal(digest(b), digest(loadDataset('gauss-10', { seed: 4, ...lim })));
  assert.notEqual(digest(b), digest(a));
  // All stay kept: a sweep whose inner axis is the seed still hits.
  assert.equal(cachedData(cfg({ seed: 3 })), a);
  assert.equal(cachedData(cfg({ seed: 4 })), b);
  assert.equal(dataCacheHits(), 3);
  // With --classes the whole set (the limits count samples of the kept classes).
  const whole = cachedData(cfg({ seed: 3, classes: '2-7' }))!;
  assert.equal(digest(whole), digest(loadDataset('gauss-10', { seed: 3 })));
  // Sets read from files a user names, drawn at a run's own sizes, or too large to hold load
  // every time.
  assert.equal(cachedData(cfg({ dataset: 'shapes32-hard' })), undefined);
  assert.equal(cachedData(cfg({ dataset: 'shapes32' })), undefined);
  assert.equal(cachedData(cfg({ dataDir: '/nonexistent' })), undefined);
  clearDataCache();
  assert.equal(dataCacheHits(), 0);
});

test("MNIST's package files are read once per thread; a run's images equal a fresh load's", () => {
  clearDataCache();
  for (const [dataset, limit, testLimit] of [
    ['mnist', 96, 64],
    ['mnist', 300, undefined],
    ['digits-seq', 50, 20],
  ] as const) {
    const got = cachedData(cfg({ dataset, limit, testLimit }))!;
    const fresh = loadDataset(dataset, { seed: 1, limit, testLimit });
    const shape = (d: Dataset) => (d.kind === 'classification' ? d.inputShape : []);
    assert.deepEqual(
      [got.train.n, got.test.n, shape(got)],
      [fresh.train.n, fresh.test.n, shape(fresh)],
      `${dataset} ${limit}`,
    );
    assert.equal(digest(got), digest(fresh), `${dataset} ${limit}`);
  }
  assert.equal(dataCacheHits(), 0);
  // The same limits again: the images converted for the first run.
  const again = cachedData(cfg({ dataset: 'mnist', limit: 96, testLimit: 64 }));
  assert.equal(again, cachedData(cfg({ dataset: 'mnist', limit: 96, testLimit: 64, seed: 7 })));
  assert.equal(dataCacheHits(), 2);
  // --classes counts samples of the kept classes (setup loads the whole set), and files a user
  // names are read every time.
  assert.equal(cachedData(cfg({ dataset: 'mnist', classes: '0-4' })), undefined);
  assert.equal(cachedData(cfg({ dataset: 'mnist', dataDir: '/nonexistent' })), undefined);
  clearDataCache();
});

test('a run on kept data ends with the same bits as on a fresh draw, and leaves the data as drawn', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lowbit-data-cache-'));
  const spec = (id: string, o: Record<string, unknown>): RunSpec => ({
    id,
    config: { ...base, seed: 1, ...o },
  });
  const run = async (s: RunSpec, dir: string): Promise<void> => {
    assert.equal(await runOne(s, join(root, dir), { log: () => {} }), 'done');
  };
  for (const [name, o] of [
    ['plain', { lr: 0.05 }],
    ['classes', { lr: 0.05, classes: '2-7', limit: 40 }],
  ] as const) {
    clearDataCache();
    // Drawn whole for --classes, else at the runs' limits.
    const sizes = 'classes' in o ? {} : { limit: base.limit, testLimit: base.testLimit };
    const drawn = digest(loadDataset('gauss-10', { seed: 1, ...sizes }));
    // A first run draws the set; the second takes it from the cache.
    await run(spec(`${name}-first`, { ...o, lr: 0.1 }), `${name}-first`);
    await run(spec(name, o), `${name}-kept`);
    assert.equal(dataCacheHits(), 1, name);
    assert.equal(digest(cachedData(cfg({ seed: 1, ...o }))!), drawn, `${name}: data as drawn`);
    // The same run on a fresh draw.
    clearDataCache();
    await run(spec(name, o), `${name}-fresh`);
    assert.equal(dataCacheHits(), 0, name);
    assert.deepEqual(
      runFiles(join(root, `${name}-kept`)),
      runFiles(join(root, `${name}-fresh`)),
      name,
    );
  }
});
