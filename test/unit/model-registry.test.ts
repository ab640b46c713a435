// SPDX-License-Identifier: MIT
// The model registry: every entry builds for the task it names, a model asked of the wrong
// builder says which task builds it, and `lowbit models` lists each with its task.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildModel,
  buildTranslationModel,
  modelNames,
  modelSummaries,
  modelTask,
} from '../../src/models/registry.js';
import { modelsCommand } from '../../src/cli/models-command.js';
import { makeRng } from '../../src/quant/rng.js';
import type { Shape } from '../../src/tensor/shape.js';

const SIZES = { srcVocab: 7, tgtVocab: 9, srcLen: 5, tgtLen: 4 };

/** A per-sample input each non-translation model trains on. */
function inputOf(name: string): Shape {
  if (name === 'lstm') return [6, 5];
  if (name === 'cnn-bn' || name.startsWith('resnet')) return [3, 32, 32];
  return [1, 28, 28];
}

test('every registered model builds through the registry for its task', () => {
  assert.ok(modelNames().length >= 9);
  for (const name of modelNames()) {
    const task = modelTask(name);
    if (task === 'translation') {
      const m = buildTranslationModel(name, SIZES, makeRng(1));
      assert.equal(m.name, name);
      assert.equal(typeof m.greedy, 'function', `${name} decodes`);
      assert.ok(m.params().length > 0, `${name} has parameters`);
    } else {
      assert.ok(task === 'classification' || task === 'gan', `${name}: task ${task}`);
      const m = buildModel(name, inputOf(name), 10, makeRng(1));
      assert.ok(m.params().length > 0, `${name} has parameters`);
    }
  }
  assert.equal(modelTask('seq2seq'), 'translation');
  assert.equal(modelTask('transformer'), 'translation');
  assert.equal(modelTask('dcgan'), 'gan');
  assert.equal(modelTask('lenet5'), 'classification');
  assert.equal(modelTask('nope'), undefined);
});

test('asking the wrong builder names the task that builds the model', () => {
  assert.throws(
    () => buildModel('seq2seq', [1, 28, 28], 10, makeRng(1)),
    /seq2seq is a translation model.*--dataset translate/,
  );
  assert.throws(
    () => buildTranslationModel('lenet5', SIZES, makeRng(1)),
    /lenet5 is a classification model, not a translation model: the translation models are seq2seq, transformer/,
  );
  assert.throws(() => buildModel('nope', [1], 2, makeRng(1)), /unknown model "nope"/);
});

test('lowbit models lists every model with what it trains on', async () => {
  const lines: string[] = [];
  await modelsCommand((s) => lines.push(s)).parseAsync([], { from: 'user' });
  assert.equal(lines.length, modelSummaries().length);
  for (const { name, task } of modelSummaries()) {
    const line = lines.find((l) => l.startsWith(`${name} `));
    assert.ok(line, `${name} listed`);
    assert.match(line, new RegExp(`^${name} +${task} +\\S`), line);
  }
});
