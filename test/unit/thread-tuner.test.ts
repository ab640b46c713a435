// SPDX-License-Identifier: MIT
// The thread tuner of runs that fix no count (src/train/thread-tuner.ts): its schedule (warm-up
// untimed, blocks in A B B A order, each block's first step untimed), its pick (the least
// median, fewer threads within the tolerance, robust to a spike), its limits, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadCandidates, ThreadTuner } from '../../src/train/thread-tuner.js';

/** Runs steps until the tuner decides (or `max` steps): per step, the count it ran on. */
function drive(
  t: ThreadTuner,
  start: number,
  ms: (threads: number, step: number) => number,
  max = 1000,
): number[] {
  let cur = start;
  const ran: number[] = [];
  for (let i = 0; i < max && !t.choice; i++) {
    const n = t.threadsFor();
    if (n !== null) cur = n;
    ran.push(cur);
    t.record(ms(cur, i));
  }
  return ran;
}

test('warm-up on the starting count, then blocks of each count in A B B A order', () => {
  const t = new ThreadTuner([1, 2], 2, { warmup: 3, block: 4, minTimed: 6, minMs: 0 });
  const ran = drive(t, 2, (n) => (n === 1 ? 5 : 3));
  assert.deepEqual(ran, [2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
  assert.equal(t.choice!.threads, 2);
  // Three timed steps a block (its first is not timed), two blocks each.
  assert.deepEqual(
    [...t.choice!.timed],
    [
      [1, 6],
      [2, 6],
    ],
  );
  assert.deepEqual(
    [...t.choice!.medians],
    [
      [1, 5],
      [2, 3],
    ],
  );
  // The last block ran on 1 thread: the next step goes back to the pick, then stays.
  assert.equal(t.threadsFor(), 2);
  assert.equal(t.threadsFor(), null);
  t.record(1000); // after the decision, times change nothing
  assert.equal(t.choice!.threads, 2);
});

test('the faster count wins; within the tolerance the smaller count does', () => {
  const slower2 = new ThreadTuner([1, 2], 2, { minMs: 0 });
  drive(slower2, 2, (n) => (n === 1 ? 3.66 : 4.72));
  assert.equal(slower2.choice!.threads, 1);
  const tie = new ThreadTuner([1, 2], 2, { minMs: 0, tolerance: 0.03 });
  drive(tie, 2, (n) => (n === 1 ? 3.0 : 2.95));
  assert.equal(tie.choice!.threads, 1, '2 threads only 1.7% faster: 1 kept');
  const clear = new ThreadTuner([1, 2], 2, { minMs: 0, tolerance: 0.03 });
  drive(clear, 2, (n) => (n === 1 ? 3.0 : 2.8));
  assert.equal(clear.choice!.threads, 2);
});

test('a spike (a checkpoint, a garbage collection) does not decide', () => {
  const t = new ThreadTuner([1, 2], 2, { minMs: 0, block: 4, warmup: 0 });
  // 2 threads faster, but one of its timed steps took 100x.
  drive(t, 2, (n, i) => (n === 2 ? (i === 5 ? 300 : 3) : 4));
  assert.equal(t.choice!.threads, 2);
});

test('short steps go on until minMs, up to maxRounds rounds', () => {
  const long = new ThreadTuner([1, 2], 2, { warmup: 0, block: 4, minTimed: 2, minMs: 100 });
  const ran = drive(long, 2, () => 5);
  // 8 steps a round, 6 of them timed at 5 ms: 30 ms a round, 100 ms after 4 rounds.
  assert.equal(ran.length, 32);
  const capped = new ThreadTuner([1, 2], 2, { warmup: 0, block: 4, minMs: 1e9, maxRounds: 3 });
  assert.equal(drive(capped, 2, () => 1).length, 24);
  assert.ok(capped.choice, 'decided at the cap');
});

test('three candidates take turns, and the log line names each', () => {
  const t = new ThreadTuner([1, 2, 4], 4, { warmup: 1, block: 2, minMs: 0, minTimed: 2 });
  drive(t, 4, (n) => ({ 1: 9, 2: 5, 4: 6 })[n]!);
  assert.equal(t.choice!.threads, 2);
  const line = ThreadTuner.describe(t.choice!);
  assert.match(
    line,
    /^threads: 2 \(median step time over 2 steps each: 1 thread 9\.00 ms, 2 threads 5\.00 ms, 4 threads 6\.00 ms/,
  );
});

test('bad candidates are refused', () => {
  assert.throws(() => new ThreadTuner([2], 2), /two or more distinct counts/);
  assert.throws(() => new ThreadTuner([2, 2], 2), /two or more distinct counts/);
  assert.throws(() => new ThreadTuner([0, 2], 2), /whole numbers >= 1, got 0/);
});

test('the counts measured: 1, half the cores from 4 up, all of them', () => {
  assert.deepEqual(threadCandidates(1), [1]);
  assert.deepEqual(threadCandidates(2), [1, 2]);
  assert.deepEqual(threadCandidates(3), [1, 3]);
  assert.deepEqual(threadCandidates(4), [1, 2, 4]);
  assert.deepEqual(threadCandidates(12), [1, 6, 12]);
  assert.deepEqual(threadCandidates(0), [1]);
});
