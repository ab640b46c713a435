// SPDX-License-Identifier: MIT
// Seeded epoch orders and mini-batching: determinism, coverage, limits, buffer reuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher, epochOrder, numBatches, SeqBatcher, shuffle } from '../../src/data/batches.js';
import type { SeqSplit, Split } from '../../src/data/dataset.js';
import { makeRng } from '../../src/quant/rng.js';

/** n samples of F features where sample i holds i*F .. i*F+F-1 and label i % 7. */
function rampSplit(n: number, f: number): Split {
  const x = new Float32Array(n * f);
  for (let i = 0; i < x.length; i++) x[i] = i;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % 7;
  return { x, y, n };
}

function isPermutation(a: Int32Array, n: number): boolean {
  const seen = new Uint8Array(n);
  for (const v of a) {
    if (v < 0 || v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return a.length === n;
}

test('epochOrder is a permutation, equal for equal (seed, epoch), different otherwise', () => {
  const a = epochOrder(1000, 42, 3);
  assert.ok(isPermutation(a, 1000));
  assert.deepEqual(epochOrder(1000, 42, 3), a);
  const differ = (b: Int32Array): number => a.reduce((s, v, i) => s + (v !== b[i] ? 1 : 0), 0);
  // A different seed or epoch moves almost every element (a random permutation fixes ~1).
  assert.ok(differ(epochOrder(1000, 43, 3)) > 900);
  assert.ok(differ(epochOrder(1000, 42, 4)) > 900);
  // Pure in (seed, epoch): computing other epochs first does not change epoch 3's order.
  epochOrder(1000, 42, 0);
  assert.deepEqual(epochOrder(1000, 42, 3), a);
  assert.throws(() => epochOrder(10, 1, -1), /epoch must be a non-negative integer/);
});

test('shuffle draws from the given rng: same seed same order, and it is not the identity', () => {
  const mk = (): Int32Array => Int32Array.from({ length: 50 }, (_, i) => i);
  const a = mk();
  const b = mk();
  shuffle(a, makeRng(7));
  shuffle(b, makeRng(7));
  assert.deepEqual(a, b);
  assert.ok(isPermutation(a, 50));
  assert.notDeepEqual(a, mk());
});

test('epochOrder positions are roughly uniform (first slot over many epochs)', () => {
  // 4000 epochs of n = 10: each value should land first ~400 times; 5 sigma ~ 95.
  const counts = new Array(10).fill(0);
  for (let e = 0; e < 4000; e++) counts[epochOrder(10, 5, e)[0]]++;
  for (const c of counts) assert.ok(Math.abs(c - 400) < 95, `counts ${counts}`);
});

test('each epoch covers every sample exactly once, with labels and rows kept together', () => {
  const s = rampSplit(103, 3);
  const b = new Batcher(s, { batchSize: 10, seed: 1 });
  assert.equal(b.batchesPerEpoch, 11);
  for (const epoch of [0, 1]) {
    const seen = new Int32Array(103);
    const sizes: number[] = [];
    const order: number[] = [];
    for (const batch of b.epoch(epoch)) {
      sizes.push(batch.size);
      assert.equal(batch.x.length, batch.size * 3);
      for (let r = 0; r < batch.size; r++) {
        const i = batch.x[r * 3] / 3; // the sample's first value is 3i
        assert.equal(batch.indices[r], i);
        assert.equal(batch.y[r], i % 7);
        assert.equal(batch.x[r * 3 + 2], 3 * i + 2);
        seen[i]++;
        order.push(i);
      }
    }
    assert.deepEqual(sizes, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    assert.ok(seen.every((c) => c === 1));
    assert.deepEqual(order, [...epochOrder(103, 1, epoch)]);
  }
});

test('dropLast skips the partial batch; limit restricts to the first N samples', () => {
  const s = rampSplit(103, 2);
  const d = new Batcher(s, { batchSize: 10, seed: 2, dropLast: true });
  assert.equal([...d.epoch(0)].length, 10);
  assert.equal(numBatches(103, 10, true), 10);
  const l = new Batcher(s, { batchSize: 8, seed: 2, limit: 20 });
  const idx: number[] = [];
  for (const batch of l.epoch(0)) idx.push(...batch.indices);
  assert.deepEqual(
    idx.sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.throws(() => new Batcher(s, { batchSize: 0 }), /batchSize must be a positive integer/);
});

test('shuffle: false keeps file order; buffers are reused across batches', () => {
  const s = rampSplit(20, 2);
  const b = new Batcher(s, { batchSize: 8, shuffle: false });
  // Copy inside the loop: the batch arrays are overwritten by the next batch.
  const got: number[] = [];
  for (const batch of b.epoch(5)) got.push(...batch.indices);
  assert.deepEqual(
    got,
    Array.from({ length: 20 }, (_, i) => i),
  );
  const it = b.epoch(0);
  const first = it.next().value;
  const second = it.next().value;
  assert.ok(first && second);
  assert.equal(first.x, second.x, 'full batches share one buffer');
  const last = it.next().value;
  assert.ok(last);
  assert.equal(last.x.buffer, first.x.buffer, 'the partial batch is a view of the same buffer');
});

test('SeqBatcher gathers src/tgt rows and lengths in epochOrder', () => {
  const n = 9;
  const src = new Int32Array(n * 4);
  const tgt = new Int32Array(n * 5);
  for (let i = 0; i < n; i++) {
    src.fill(i + 10, i * 4, i * 4 + 4);
    tgt.fill(i + 100, i * 5, i * 5 + 5);
  }
  const split: SeqSplit = {
    src,
    tgt,
    srcLen: Int32Array.from({ length: n }, (_, i) => i),
    tgtLen: Int32Array.from({ length: n }, (_, i) => 2 * i),
    n,
  };
  const sb = new SeqBatcher(split, { batchSize: 4, seed: 3 });
  const order: number[] = [];
  for (const b of sb.epoch(2)) {
    for (let r = 0; r < b.size; r++) {
      const i = b.indices[r];
      order.push(i);
      assert.deepEqual([...b.src.subarray(r * 4, r * 4 + 4)], [i + 10, i + 10, i + 10, i + 10]);
      assert.equal(b.tgt[r * 5 + 4], i + 100);
      assert.equal(b.srcLen[r], i);
      assert.equal(b.tgtLen[r], 2 * i);
    }
  }
  assert.deepEqual(order, [...epochOrder(n, 3, 2)]);
});
