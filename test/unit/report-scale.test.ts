// SPDX-License-Identifier: MIT
// The repro suite's scales: how many runs each one trains (identical runs shared), what the
// quick scale cut and says it cut, and the ResNet-8 it uses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPERIMENTS } from '../../src/repro/suite.js';
import { describe, FULL, QUICK } from '../../src/repro/scale.js';
import type { RunSpec, Scale } from '../../src/repro/types.js';
import { buildModel } from '../../src/models/registry.js';
import { makeRng } from '../../src/quant/rng.js';
import '../../src/register.js';

function runsOf(scale: Scale): Map<string, RunSpec> {
  const ctx = {
    scale,
    schemePath: (n: string) => `/schemes/${n}.json`,
    runPath: (id: string) => `/runs/${id}`,
  };
  const m = new Map<string, RunSpec>();
  for (const e of EXPERIMENTS) for (const r of e.runs(ctx)) m.set(r.id, r);
  return m;
}

test('quick trains 56 distinct runs and shares the ones experiments have in common', () => {
  // LeNet-5: fp32, dfp8-sr, dfp8-nr, adaptive, int8, int8-lazy (6); the MLP on MNIST: the same
  // 6; ResNet-8: fp32, dfp8-sr, wageubn, wageubn8 and 6 one-path schemes (10); gauss: 3 N x 4;
  // transfer: 1 pretraining + 3 seeds x (4 fine-tuning schemes + 1 from scratch); the
  // Transformer: 3 seeds x (fp32, adaptive).
  const runs = runsOf(QUICK);
  assert.equal(runs.size, 6 + 6 + 10 + 3 * 4 + 1 + 3 * 5 + 3 * 2);
  const models = [...runs.values()].map((r) => r.config.model);
  assert.equal(models.filter((m) => m === 'resnet8').length, 10);
  assert.ok(!models.includes('resnet20'), 'quick must not train ResNet-20');
});

test('full keeps ResNet-20 on shapes32 as the second model, sharing its runs', () => {
  assert.equal(FULL.resnet.model, 'resnet20');
  assert.equal(FULL.resnet.dataset, 'shapes32');
  assert.deepEqual(FULL.second, FULL.resnet);
  // LeNet-5 6; ResNet-20: the 10 above plus dfp8-nr, adaptive, int8, int8-lazy; gauss 5 x 10;
  // transfer: 1 pretraining + 5 seeds x 5; the Transformer: 5 seeds x 2.
  assert.equal(runsOf(FULL).size, 6 + 14 + 5 * 10 + 1 + 5 * 5 + 5 * 2);
});

test('the quick label and settings say what was cut', () => {
  assert.match(QUICK.label, /QUICK/);
  assert.match(QUICK.label, /ResNet-8/);
  assert.equal(
    describe(QUICK.resnet),
    'ResNet-8 on MNIST (1280 training samples, 2 epochs, batch 32, lr 0.05, 500 test samples)',
  );
  assert.match(describe(FULL.mnist), /^LeNet-5 on MNIST \(all training samples, 10 epochs/);
});

test('resnet8 is ResNet-20 with one basic block per stage', () => {
  const count = (name: string) => {
    const m = buildModel(name, [1, 28, 28], 10, makeRng(1));
    const kinds = m.children().map((l) => l.name);
    const params = m.params().reduce((a, p) => a + p.value.length, 0);
    return { kinds, params, name: m.name };
  };
  const r8 = count('resnet8');
  const r20 = count('resnet20');
  assert.equal(r8.name, 'resnet8');
  assert.deepEqual(
    r8.kinds.filter((n) => /^s\db\d$/.test(n)),
    ['s1b1', 's2b1', 's3b1'],
  );
  assert.equal(r20.kinds.filter((n) => /^s\db\d$/.test(n)).length, 9);
  assert.ok(r8.params < r20.params / 2, `${r8.params} vs ${r20.params}`);
});
