// SPDX-License-Identifier: MIT
// The medium scale's statistics: mean ± sd over seeds, the verdict rules against the seeds'
// spread (holds, does not hold, inconclusive) on synthetic results, the convergence check,
// and the plan's longest-first schedule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  combine,
  convergence,
  judgeHigher,
  judgeWithin,
  pooledSd,
  seedStats,
  verdictOf,
} from '../../src/repro/seeds.js';
import { makespan } from '../../src/repro/plan.js';
import { verdictWord } from '../../src/report/types.js';

const st = (...xs: number[]) => seedStats(xs)!;

test('seedStats: mean and sample sd over the seeds that finished', () => {
  const s = st(0.9, 0.92, 0.94);
  assert.ok(Math.abs(s.mean - 0.92) < 1e-12);
  assert.ok(Math.abs(s.sd - 0.02) < 1e-12);
  assert.equal(s.n, 3);
  assert.equal(seedStats([0.5, null, NaN])!.n, 1);
  assert.equal(seedStats([0.5])!.sd, 0);
  assert.equal(seedStats([null]), null);
  assert.ok(
    Math.abs(pooledSd(st(0, 0.02), st(0, 0.04)) - Math.sqrt((0.02 ** 2 / 2 + 0.04 ** 2 / 2) / 2)) <
      1e-12,
  );
});

test('judgeHigher: holds beyond 2 pooled sd, does not hold below minus it, inconclusive between', () => {
  // sd 0.01 each: band 0.02.
  const b = st(0.8, 0.81, 0.82);
  assert.equal(judgeHigher(st(0.85, 0.86, 0.87), b, 'x').judgement, 'holds');
  assert.equal(judgeHigher(st(0.77, 0.78, 0.79), b, 'x').judgement, 'does not hold');
  assert.equal(judgeHigher(st(0.815, 0.825, 0.835), b, 'x').judgement, 'inconclusive');
  // The same mean gap with a wide spread is inconclusive.
  assert.equal(judgeHigher(st(0.76, 0.86, 0.96), st(0.7, 0.8, 0.9), 'x').judgement, 'inconclusive');
  // One seed: no band, a plain comparison (equal is inconclusive), and the text says so.
  const one = judgeHigher(st(0.9), st(0.8), 'SR vs NR');
  assert.equal(one.judgement, 'holds');
  assert.match(one.text, /1 seed, no spread/);
  assert.equal(judgeHigher(st(0.8), st(0.8), 'x').judgement, 'inconclusive');
  assert.match(judgeHigher(b, b, 'x').text, /3 seeds/);
});

test('judgeWithin: holds when drop + band <= margin, not when drop - band > margin', () => {
  const fp = st(0.9, 0.905, 0.91); // sd 0.005
  // drop 0.005, band 0.01: 0.015 <= 0.02.
  assert.equal(judgeWithin(st(0.895, 0.9, 0.905), fp, 0.02, 'q').judgement, 'holds');
  // drop 0.05, band 0.01: 0.04 > 0.02.
  assert.equal(judgeWithin(st(0.85, 0.855, 0.86), fp, 0.02, 'q').judgement, 'does not hold');
  // drop 0.018, band 0.01: straddles the margin.
  assert.equal(judgeWithin(st(0.882, 0.887, 0.892), fp, 0.02, 'q').judgement, 'inconclusive');
  // A quantized run above fp32 is within any margin.
  assert.equal(judgeWithin(st(0.95, 0.955, 0.96), fp, 0.02, 'q').judgement, 'holds');
});

test('combine and verdictOf: any failure fails, all holding holds, else inconclusive', () => {
  assert.equal(combine(['holds', 'holds']), 'holds');
  assert.equal(combine(['holds', 'inconclusive']), 'inconclusive');
  assert.equal(combine(['inconclusive', 'does not hold']), 'does not hold');
  assert.equal(combine([]), 'inconclusive');
  assert.equal(verdictWord(verdictOf('holds', 't')), 'Reproduced');
  assert.equal(verdictWord(verdictOf('does not hold', 't')), 'Not reproduced');
  const inc = verdictOf('inconclusive', 't');
  assert.equal(inc.reproduced, null);
  assert.equal(verdictWord(inc), 'Inconclusive');
  assert.equal(verdictWord({ reproduced: null, text: 'runs missing' }), 'Not judged');
});

test('convergence: under 1 point over the last 20% of epochs, from the epoch before them', () => {
  // 10 epochs: the window is epochs 8-10.
  const settled = [0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.85, 0.855, 0.852];
  const c = convergence(settled);
  assert.equal(c.converged, true);
  assert.equal(c.from, 8);
  assert.equal(c.to, 10);
  assert.ok(Math.abs(c.change - 0.005) < 1e-12);
  // Still climbing in the window (epoch 8 -> 10 gains 2 points).
  const climbing = [...settled.slice(0, 7), 0.84, 0.85, 0.86];
  assert.equal(convergence(climbing).converged, false);
  assert.match(convergence(climbing).text, /NOT converged/);
  // 6 epochs: ceil(1.2) = 2 epochs of tail, window 4-6; an early spike outside it is ignored.
  assert.equal(convergence([0.9, 0.2, 0.5, 0.7, 0.705, 0.699]).converged, true);
  assert.equal(convergence([0.7]).converged, null);
});

test('makespan: longest run first onto the least loaded of the jobs', () => {
  // 5 | 4, then 3 onto 4 (7), 3 onto 5 (8), 3 onto 7: 10 (longest-first, not the optimum 9).
  assert.equal(makespan([5, 4, 3, 3, 3], 2), 10);
  assert.equal(makespan([3, 3, 2, 2, 2], 2), 7);
  assert.equal(makespan([10, 1, 1], 2), 10);
  assert.equal(makespan([2, 2, 2], 1), 6);
});
