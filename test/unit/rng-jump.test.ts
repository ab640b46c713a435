// SPDX-License-Identifier: MIT
// xoshiro128** jump-ahead: k draws at once give the state k single draws reach.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/quant/rng.js';
import { jumpState } from '../../src/quant/rng-jump.js';

test('jumpState(s, k) equals k draws of xoshiro128**', () => {
  for (const seed of [1, 42]) {
    for (const k of [0, 1, 2, 31, 64, 1000, 65536 + 13, 200003]) {
      const r = new Xoshiro128(seed);
      const start = r.state();
      for (let i = 0; i < k; i++) r.nextU32();
      assert.deepEqual(Array.from(jumpState(start, k)), r.state(), `seed ${seed}, k=${k}`);
    }
  }
});

test('jumpState rejects a negative or fractional length', () => {
  assert.throws(() => jumpState([1, 2, 3, 4], -1), /integer >= 0/);
  assert.throws(() => jumpState([1, 2, 3, 4], 1.5), /integer >= 0/);
});
