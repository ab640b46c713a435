// Transfer learning at tiny sizes: --classes selects and relabels a class subset; --init starts
// a run from another run's weights (all but the classifier with --reinit-classifier), under
// any scheme; mismatches are named errors; a fine-tuning run resumes bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { readInit, train } from '../../src/train/trainer.js';
import { setupRun } from '../../src/train/setup.js';
import { loadDataset } from '../../src/data/registry.js';
import { parseClasses, selectClasses } from '../../src/data/classes.js';
import type { ClassificationDataset } from '../../src/data/dataset.js';

const cfgOf = (over: TrainConfigInput = {}) =>
  parseTrainConfig({
    model: 'mlp',
    dataset: 'gauss-10',
    scheme: 'fp32',
    batch: 32,
    lr: 0.05,
    seed: 3,
    backend: 'ref',
    ...over,
  });

const tmp = () => mkdtempSync(join(tmpdir(), 'lowbit-transfer-'));

test('--classes keeps the listed classes in order and relabels them 0..k-1', () => {
  const d = loadDataset('gauss-10', { seed: 1 }) as ClassificationDataset;
  const s = selectClasses(d, '7,2-3');
  assert.equal(s.numClasses, 3);
  const F = d.inputShape.reduce((a, b) => a * b, 1);
  const wanted = [7, 2, 3];
  let k = 0;
  for (let i = 0; i < d.train.n; i++) {
    const j = wanted.indexOf(d.train.y[i]);
    if (j < 0) continue;
    assert.equal(s.train.y[k], j, `sample ${k} relabelled`);
    assert.deepEqual(
      s.train.x.subarray(k * F, (k + 1) * F),
      d.train.x.subarray(i * F, (i + 1) * F),
    );
    k++;
  }
  assert.equal(k, s.train.n);
  assert.ok(s.test.n > 0 && s.test.y.every((y) => y >= 0 && y < 3));
  assert.throws(() => parseClasses('0-12', 10), /class 10 does not exist/);
  assert.throws(() => parseClasses('1,1', 10), /listed twice/);
  assert.throws(() => parseClasses('4-2', 10), /is empty/);
  assert.throws(() => parseClasses('3', 10), /at least 2 classes/);
  assert.throws(() => parseClasses('a', 10), /not a class id/);
});

test('--init copies every weight but the classifier, which --reinit-classifier starts afresh', async () => {
  const src = tmp();
  const pre = await train(cfgOf({ classes: '0-4', limit: 256, testLimit: 100 }), src);
  const fine = cfgOf({ classes: '5-9', limit: 96, init: src, reinitClassifier: true });
  const s = await setupRun(fine, { init: readInit(src) });
  const fresh = await setupRun(cfgOf({ classes: '5-9', limit: 96 }));
  assert.equal(s.init?.classifier, fresh.model.params().at(-1)?.name.split('.')[0]);
  const byName = new Map(pre.setup.model.params().map((p) => [p.name, p.value]));
  const freshByName = new Map(fresh.model.params().map((p) => [p.name, p.value]));
  assert.ok(s.init!.copied.length > 0 && s.init!.fresh.length > 0);
  for (const name of s.init!.copied) {
    const p = s.model.params().find((q) => q.name === name)!;
    assert.deepEqual(p.value, byName.get(name), `${name} comes from the source run`);
    assert.notDeepEqual(p.value, freshByName.get(name), `${name} differs from a fresh init`);
  }
  for (const name of s.init!.fresh) {
    const p = s.model.params().find((q) => q.name === name)!;
    assert.deepEqual(p.value, freshByName.get(name), `${name} keeps the seed's fresh init`);
  }
});

test('--init mismatches and misuse are named errors', async () => {
  const src = tmp();
  await train(cfgOf({ classes: '0-4', limit: 64, testLimit: 50 }), src);
  await assert.rejects(
    train(cfgOf({ limit: 64, init: src }), tmp()),
    /fc3|classifier|values there.*--reinit-classifier/,
  );
  await assert.rejects(
    train(cfgOf({ classes: '5-9', limit: 64, reinitClassifier: true }), tmp()),
    /--reinit-classifier needs --init/,
  );
  await assert.rejects(
    train(cfgOf({ limit: 64, init: join(src, 'nowhere') }), tmp()),
    /no checkpoint\.json there/,
  );
  await assert.rejects(
    train(cfgOf({ model: 'lenet5', dataset: 'mnist', limit: 64, init: src }), tmp()),
    /no parameter .*another model/,
  );
});

test('fine-tuning under int8-lazy learns the new classes and resumes bit for bit', async () => {
  const src = tmp();
  await train(cfgOf({ classes: '0-4', limit: 512, testLimit: 100, epochs: 2 }), src);
  const fine = (epochs: number) =>
    cfgOf({
      classes: '5-9',
      scheme: 'int8-lazy',
      limit: 160,
      testLimit: 200,
      lr: 0.1,
      epochs,
      init: src,
      reinitClassifier: true,
    });
  const whole = await train(fine(4), tmp());
  // 5 classes: chance is 20%; the Gaussian clusters are easy, so a working fine-tune is far above.
  assert.ok(
    whole.metrics.at(-1)!.test_acc > 0.5,
    `fine-tuned acc ${whole.metrics.at(-1)!.test_acc}`,
  );
  const dir = tmp();
  await train(fine(1), dir);
  const resumed = await train(fine(4), dir, {}, true);
  assert.deepEqual(
    resumed.setup.model.params().map((p) => p.value),
    whole.setup.model.params().map((p) => p.value),
  );
});
