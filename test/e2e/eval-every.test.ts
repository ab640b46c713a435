// SPDX-License-Identifier: MIT
// Test passes every n-th epoch (evalEvery, evalLast): the epochs between have no test figures
// (NaN, null in metrics.jsonl, read back as NaN), and skipping a pass changes nothing else: the
// same weights and training losses as a run tested after every epoch, for stateful quantizers
// (dfp-tracked, adaptive), stochastic rounding, BatchNorm's running statistics and Adam.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { readMetrics } from '../../src/train/run-folder.js';
import { formatEpoch, testsAfter } from '../../src/train/metrics.js';
import { convergence } from '../../src/repro/seeds.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowbit-eval-every-'));

const CASES: [string, TrainConfigInput][] = [
  [
    'mlp dfp8-sr (dfp-tracked, stochastic)',
    { model: 'mlp', dataset: 'gauss-10', scheme: 'dfp8-sr' },
  ],
  [
    'mlp dfp8-sr-lfsr (the LFSR kept by the quantizer)',
    { model: 'mlp', dataset: 'gauss-10', scheme: 'dfp8-sr-lfsr' },
  ],
  ['mlp adaptive (QEM/QPA state)', { model: 'mlp', dataset: 'gauss-10', scheme: 'adaptive' }],
  [
    'resnet8 wageubn8 (BatchNorm statistics)',
    {
      model: 'resnet8',
      dataset: 'shapes32',
      scheme: 'wageubn8',
      limit: 48,
      testLimit: 16,
      batch: 16,
    },
  ],
  [
    'cnn-bn int8-lazy with Adam',
    {
      model: 'cnn-bn',
      dataset: 'shapes32',
      scheme: 'int8-lazy',
      optimizer: 'adam',
      lr: 0.002,
      limit: 48,
      testLimit: 16,
      batch: 16,
    },
  ],
];

describe('testsAfter: which epochs get a test pass', () => {
  it('every n-th, each of the last n, and always the last', () => {
    const which = (c: { epochs: number; evalEvery?: number; evalLast?: number }) =>
      Array.from({ length: c.epochs }, (_, i) => i + 1).filter((e) => testsAfter(c, e));
    assert.deepEqual(which({ epochs: 4 }), [1, 2, 3, 4]);
    assert.deepEqual(which({ epochs: 15, evalEvery: 3, evalLast: 4 }), [3, 6, 9, 12, 13, 14, 15]);
    assert.deepEqual(which({ epochs: 7, evalEvery: 5 }), [5, 7]);
    assert.deepEqual(which({ epochs: 7, evalEvery: 10, evalLast: 2 }), [6, 7]);
  });
});

describe('evalEvery: skipped test passes leave training alone', () => {
  for (const [name, over] of CASES) {
    it(name, async () => {
      const base = { limit: 128, testLimit: 64, batch: 32, backend: 'wasm', epochs: 3, ...over };
      const all = await train(parseTrainConfig(base), tmp());
      const dir = tmp();
      const some = await train(parseTrainConfig({ ...base, evalEvery: 2 }), dir);
      const w = (r: typeof all) => r.setup.model.params().map((p) => Array.from(p.value));
      assert.deepEqual(w(some), w(all), 'the weights differ when a test pass is skipped');
      assert.deepEqual(
        some.metrics.map((m) => m.train_loss),
        all.metrics.map((m) => m.train_loss),
      );
      // Epoch 1 untested; 2 (every 2nd) and 3 (the last) tested, with the same figures.
      assert.ok(Number.isNaN(some.metrics[0].test_acc));
      assert.equal(some.metrics[1].test_acc, all.metrics[1].test_acc);
      assert.equal(some.metrics[2].test_acc, all.metrics[2].test_acc);
      // The file holds null for it, read back as NaN.
      const first = JSON.parse(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n')[0]);
      assert.equal(first.test_acc, null);
      const back = readMetrics(dir);
      assert.ok(Number.isNaN(back[0].test_acc));
      assert.equal(back[2].test_acc, all.metrics[2].test_acc);
    });
  }
});

describe('an untested epoch, as printed and judged', () => {
  it('prints "no test pass" rather than a made-up accuracy', () => {
    const m = {
      epoch: 1,
      train_loss: 0.5,
      train_acc: 0.8,
      test_acc: NaN,
      samples_per_s: 10,
      seconds: 1,
      lr: 0.1,
    };
    const line = formatEpoch(m, 3);
    assert.match(line, /no test pass/);
    assert.doesNotMatch(line, /NaN/);
  });
  it('the convergence check reads only tested epochs of its window', () => {
    // 10 epochs: the window is epochs 8-10; untested early epochs do not count.
    const acc = [NaN, NaN, 0.5, NaN, NaN, 0.8, NaN, 0.9, 0.905, 0.9];
    const c = convergence(acc);
    assert.equal(c.converged, true);
    assert.ok(Math.abs(c.change - 0.005) < 1e-12);
    const gaps = convergence([NaN, NaN, NaN, 0.7, NaN, NaN, NaN, NaN, NaN, 0.9]);
    assert.equal(gaps.converged, null, 'one tested epoch in the window cannot be judged');
  });
});
