// The learning-rate schedule: cosine decay from lr to lrMin (default 0), the unfloored curve
// unchanged, and lrMin rejected where it means nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrAt, parseTrainConfig } from '../../src/train/config.js';

test('cosine without a floor ends at 0 and keeps the earlier expression bit for bit', () => {
  const cfg = parseTrainConfig({ lr: 0.05, schedule: 'cosine' });
  const T = 125;
  for (let s = 0; s <= T; s++) {
    const earlier = (0.05 * (1 + Math.cos((Math.PI * s) / T))) / 2;
    assert.equal(lrAt(cfg, s, T), earlier, `step ${s}`);
  }
  assert.equal(lrAt(cfg, 0, T), 0.05);
  assert.ok(lrAt(cfg, T, T) < 1e-15);
});

test('cosine with lrMin starts at lr, ends at lrMin and never goes below it', () => {
  const cfg = parseTrainConfig({ lr: 0.05, schedule: 'cosine', lrMin: 0.005 });
  const T = 125;
  assert.equal(lrAt(cfg, 0, T), 0.05);
  assert.ok(Math.abs(lrAt(cfg, T, T) - 0.005) < 1e-15);
  assert.ok(Math.abs(lrAt(cfg, T / 2, T) - 0.0275) < 1e-12);
  let prev = Infinity;
  for (let s = 0; s <= T; s++) {
    const lr = lrAt(cfg, s, T);
    assert.ok(lr >= 0.005 - 1e-15 && lr <= prev, `step ${s}: ${lr}`);
    prev = lr;
  }
});

test('lrMin without a cosine schedule, or above lr, is an error that says what to do', () => {
  assert.throws(() => parseTrainConfig({ lr: 0.05, lrMin: 0.01 }), /add --schedule cosine/);
  assert.throws(
    () => parseTrainConfig({ lr: 0.05, schedule: 'cosine', lrMin: 0.1 }),
    /lrMin 0.1 is above the learning rate 0.05/,
  );
  assert.throws(() => parseTrainConfig({ lr: 0.05, schedule: 'cosine', lrMin: -1 }), /lrMin/);
});
