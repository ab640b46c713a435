// SPDX-License-Identifier: MIT
// A checkpoint that travels alone (as the training page downloads it: the checkpoint with
// its run's record inside) is evaluated by `lowbit eval FILE` like its run; a bare checkpoint
// file uses the config.json beside it; and a scheme given as an object in the configuration
// (a pasted scheme) trains exactly like the same scheme by name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { evalRun } from '../../src/cli/eval-command.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { MemoryStore } from '../../src/train/store.js';

const cfg = (over: TrainConfigInput = {}) =>
  parseTrainConfig({
    model: 'lenet5',
    scheme: 'fixed8',
    limit: 256,
    testLimit: 300,
    batch: 32,
    seed: 5,
    ...over,
  });

test('lowbit eval reads a checkpoint file carrying its config, or beside config.json', async () => {
  const store = new MemoryStore();
  const r = await train(cfg(), store);
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-evalfile-'));
  const alone = join(dir, 'downloaded.json');
  writeFileSync(alone, JSON.stringify({ ...store.checkpoint, config: store.record }));
  const m = await evalRun(alone);
  assert.equal(m.test_acc, r.metrics[0].test_acc);
  assert.equal(m.epoch, 1);

  const folder = mkdtempSync(join(tmpdir(), 'lowbit-evalfile-'));
  writeFileSync(join(folder, 'config.json'), JSON.stringify(store.record));
  writeFileSync(join(folder, 'ckpt.json'), JSON.stringify(store.checkpoint));
  assert.equal((await evalRun(join(folder, 'ckpt.json'))).test_acc, r.metrics[0].test_acc);

  const bare = mkdtempSync(join(tmpdir(), 'lowbit-evalfile-'));
  copyFileSync(join(folder, 'ckpt.json'), join(bare, 'ckpt.json'));
  await assert.rejects(evalRun(join(bare, 'ckpt.json')), /is not a run folder: it has no config/);
  await assert.rejects(evalRun(join(bare, 'nope.json')), /does not exist: give a run folder/);
});

test('a scheme given as an object trains exactly like the same scheme by name', async () => {
  const byName = await train(cfg({ scheme: 'int8' }), null);
  const store = new MemoryStore();
  const byObject = await train(cfg({ scheme: { name: 'pasted', extends: 'int8' } }), store);
  assert.deepEqual(
    byObject.setup.model.params().map((p) => p.value),
    byName.setup.model.params().map((p) => p.value),
  );
  assert.equal(store.record?.resolvedScheme.name, 'pasted');
  await assert.rejects(
    train(cfg({ scheme: { name: 'bad', sites: { W: { format: 'dfp<99>' } } } }), null),
    /invalid scheme "bad"[\s\S]*bits in 2\.\.32/,
  );
});
