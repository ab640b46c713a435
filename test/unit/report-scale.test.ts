// SPDX-License-Identifier: MIT
// The repro suite's scales: how many runs each one trains (identical runs shared), what the
// quick scale cut and says it cut, and the ResNet-8 it uses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentsFor, selectExperiments, suiteSpecs } from '../../src/repro/suite.js';
import { describe, FULL, MEDIUM, QUICK } from '../../src/repro/scale.js';
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
  return suiteSpecs(experimentsFor(scale), ctx);
}

test('quick trains 66 distinct runs and shares the ones experiments have in common', () => {
  // LeNet-5: fp32, dfp8-sr, dfp8-nr, adaptive, int8, int8-lazy (6); the MLP on MNIST: the same
  // 6; ResNet-8: fp32, dfp8-sr, wageubn, wageubn8 and 6 one-path schemes (10); gauss: 3 N x 4;
  // transfer: 1 pretraining + 3 seeds x (4 fine-tuning schemes + 1 from scratch); the
  // Transformer: 3 seeds x (fp32, adaptive); the GAN: 1 judge + 3 seeds x 3 schemes.
  const runs = runsOf(QUICK);
  assert.equal(runs.size, 6 + 6 + 10 + 3 * 4 + 1 + 3 * 5 + 3 * 2 + 1 + 3 * 3);
  const models = [...runs.values()].map((r) => r.config.model);
  assert.equal(models.filter((m) => m === 'resnet8').length, 10);
  assert.ok(!models.includes('resnet20'), 'quick must not train ResNet-20');
});

test('full keeps ResNet-20 on shapes32-small as the second model, sharing its runs', () => {
  assert.equal(FULL.resnet.model, 'resnet20');
  assert.equal(FULL.resnet.dataset, 'shapes32-small');
  assert.deepEqual(FULL.second, FULL.resnet);
  // LeNet-5 6; ResNet-20: the 10 above plus dfp8-nr, adaptive, int8, int8-lazy; gauss 5 x 10;
  // transfer: 1 pretraining + 5 seeds x 5; the Transformer: 5 seeds x 2; the GAN: 1 judge +
  // 5 seeds x 3.
  assert.equal(runsOf(FULL).size, 6 + 14 + 5 * 10 + 1 + 5 * 5 + 5 * 2 + 1 + 5 * 3);
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

test('medium repeats every run over seeds 1-3 and adds the BN, recurrent and translation runs', () => {
  const runs = runsOf(MEDIUM);
  // Distinct runs per seed: LeNet-5 6, MLP 6, ResNet-20 10 (fp32, dfp8-sr, wageubn, wageubn8 and
  // WAGEUBN Table II's six paths), gauss 3 x 4, CNN-BN 3 (fp32, int8,
  // int8-lazy), LSTM and seq2seq: fp32, adaptive, adaptive-int16 each (6) plus seq2seq
  // dfp8-sr, dfp8-nr (2); transfer keeps its own 3 seeds (1 + 3 x 5), and so does the
  // Transformer (fp32 and adaptive x 3 seeds). The GAN runs there only when named.
  const perSeed = 6 + 6 + 10 + 3 * 4 + 3 + 6 + 2;
  assert.equal(runs.size, 3 * perSeed + 1 + 3 * 5 + 2 * 3);
  const all = [...runs.values()];
  const seeds = (id: string) => all.filter((r) => r.id === id || r.id.startsWith(`${id}-s`));
  const resnet = all.filter((r) => r.config.model === 'resnet20');
  assert.equal(resnet.length, 3 * 10);
  // The BN models train on plain shapes32 (on the harder variants ResNet-20's fp32 runs did not
  // settle in its steps), and every ResNet-20 run decays to a rate WAGEUBN's 10-bit rate grid
  // (step 2^-9) still holds.
  const bn = all.filter((r) => r.config.model === 'resnet20' || r.config.model === 'cnn-bn');
  assert.ok(bn.every((r) => r.config.dataset === 'shapes32'));
  assert.ok(resnet.every((r) => (r.config.lrMin as number) >= 2 ** -9));
  // ResNet-20 settles at 700 steps on 800 images x 28 epochs (README), not at 600, nor on
  // 1,200-2,400 images at 300-760 steps.
  assert.ok(
    resnet.every(
      (r) =>
        r.config.limit === 800 &&
        Math.ceil((r.config.limit as number) / (r.config.batch as number)) *
          (r.config.epochs as number) >=
          700,
    ),
  );
  // ResNet-20 is tested on the whole 2,000-image test split: on the first 1,000 alone one fp32
  // seed of three moved exactly 1.0 points over its window (README).
  assert.ok(resnet.every((r) => r.config.testLimit === 2000));
  // The costly BN models' telemetry runs (seed 1 of fp32 and wageubn8) keep 10 snapshots; the
  // other runs do not record telemetry, so they carry no sample count.
  for (const r of bn)
    assert.equal(r.config.telemetrySamples, r.config.telemetry ? 10 : undefined, r.id);
  assert.equal(bn.filter((r) => r.config.telemetry).length, 3);
  assert.deepEqual(
    [...new Set(resnet.map((r) => String(r.config.scheme).match(/wageubn-only-(\w+)/)?.[1]))]
      .filter(Boolean)
      .sort(),
    ['A', 'BN', 'E1', 'E2', 'G', 'W'],
  );
  // Every fp32 baseline the suite repeats has 6+ epochs (LeNet-5 and the MLP 4; ResNet-20 28,
  // CNN-BN 15, the LSTM and seq2seq 10), so the convergence window (the last 20% of epochs and
  // the epoch before) lies in the decayed tail.
  for (const r of all.filter((x) => x.config.scheme === 'fp32' && !x.id.includes('transfer')))
    assert.ok(
      (r.config.epochs as number) >= (/lenet5|mlp/.test(r.id) ? 4 : 6),
      `${r.id}: ${r.config.epochs} epochs`,
    );
  for (const r of all.filter((x) => !x.id.includes('transfer') && !/-s\d$/.test(x.id))) {
    const s = seeds(r.id);
    assert.deepEqual(
      s.map((x) => x.config.seed).sort(),
      [1, 2, 3],
      `${r.id}: seeds ${s.map((x) => x.config.seed)}`,
    );
    // Telemetry (observing only) is recorded on seed 1 alone.
    assert.ok(s.filter((x) => x.config.telemetry).length <= 1);
  }
  // Cosine decay on every run but transfer learning's, which keeps its recipe; the Transformer
  // (Adam, its own 3 seeds) decays too at this scale, where its fp32 curve must settle.
  assert.ok(all.every((r) => r.id.includes('transfer') || r.config.schedule === 'cosine'));
  assert.equal(all.filter((r) => r.config.model === 'transformer').length, 6);
  assert.ok(all.some((r) => r.config.model === 'cnn-bn' && r.config.optimizer === 'adam'));
  assert.match(MEDIUM.label, /MEDIUM/);
});

test('quick and full leave out the medium-only experiments, and --only says why', () => {
  const names = (s: Scale) => experimentsFor(s).map((e) => e.name);
  for (const e of ['park-table1-bn', 'zhang-fig9a', 'su-seq2seq']) {
    assert.ok(names(MEDIUM).includes(e));
    assert.ok(!names(QUICK).includes(e));
  }
  assert.throws(
    () => selectExperiments(['zhang-fig9a'], QUICK),
    /not run at the quick scale.*medium/,
  );
  assert.throws(() => selectExperiments(['nope'], MEDIUM), /unknown experiment "nope"/);
});
