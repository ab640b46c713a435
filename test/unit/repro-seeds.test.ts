// SPDX-License-Identifier: MIT
// The medium scale's statistics: mean ± sd over seeds, the verdict rules against the seeds'
// spread (holds, does not hold, inconclusive; paired by seed, and pooled) on synthetic results, the convergence check,
// and the plan's longest-first schedule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  combine,
  convergence,
  judgeHigher,
  judgeWithin,
  POINTS,
  pooledSd,
  seedDiffs,
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

test('judgeHigher pooled: holds beyond 2 pooled sd, does not hold below minus it, inconclusive between', () => {
  // sd 0.01 each: band 0.02.
  const b = st(0.8, 0.81, 0.82);
  const j = (a: ReturnType<typeof st>, c: ReturnType<typeof st>) =>
    judgeHigher(a, c, 'x', POINTS, 'pooled').judgement;
  assert.equal(j(st(0.85, 0.86, 0.87), b), 'holds');
  assert.equal(j(st(0.77, 0.78, 0.79), b), 'does not hold');
  assert.equal(j(st(0.815, 0.825, 0.835), b), 'inconclusive');
  // The same mean gap with a wide spread is inconclusive.
  assert.equal(j(st(0.76, 0.86, 0.96), st(0.7, 0.8, 0.9)), 'inconclusive');
  assert.match(judgeHigher(b, b, 'x', POINTS, 'pooled').text, /pooled sd/);
  // One seed: no band, a plain comparison (equal is inconclusive), and the text says so.
  const one = judgeHigher(st(0.9), st(0.8), 'SR vs NR');
  assert.equal(one.judgement, 'holds');
  assert.match(one.text, /1 seed, no spread/);
  assert.equal(judgeHigher(st(0.8), st(0.8), 'x').judgement, 'inconclusive');
  assert.match(judgeHigher(b, b, 'x').text, /3 seeds/);
});

test('judgeWithin pooled: holds when drop + band <= margin, not when drop - band > margin', () => {
  const fp = st(0.9, 0.905, 0.91); // sd 0.005
  const j = (a: ReturnType<typeof st>) => judgeWithin(a, fp, 0.02, 'q', POINTS, 'pooled').judgement;
  // drop 0.005, band 0.01: 0.015 <= 0.02.
  assert.equal(j(st(0.895, 0.9, 0.905)), 'holds');
  // drop 0.05, band 0.01: 0.04 > 0.02.
  assert.equal(j(st(0.85, 0.855, 0.86)), 'does not hold');
  // drop 0.018, band 0.01: straddles the margin.
  assert.equal(j(st(0.882, 0.887, 0.892)), 'inconclusive');
  // A quantized run above fp32 is within any margin.
  assert.equal(j(st(0.95, 0.955, 0.96)), 'holds');
});

test("paired by seed (the default): the seeds' shared draw cancels in the per-seed differences", () => {
  // Seed 2 is easy for both schemes: pooled sd ~0.027 (band ~0.054) hides a steady 2-point gain,
  // the per-seed differences (0.02, 0.025, 0.015; sd 0.005, band 0.01) show it.
  const a = st(0.91, 0.965, 0.905);
  const b = st(0.89, 0.94, 0.89);
  assert.deepEqual(
    seedDiffs(a, b).map((x) => Math.round(x * 1000)),
    [20, 25, 15],
  );
  assert.equal(judgeHigher(a, b, 'x', POINTS, 'pooled').judgement, 'inconclusive');
  const paired = judgeHigher(a, b, 'x');
  assert.equal(paired.judgement, 'holds');
  assert.match(paired.text, /paired by seed over 3 seeds/);
  assert.match(paired.text, /2\.00, 2\.50, 1\.50/);
  assert.equal(judgeHigher(b, a, 'x').judgement, 'does not hold');
  // Differences that swing with the seed stay inconclusive, however close the means.
  assert.equal(
    judgeHigher(st(0.93, 0.93, 0.93), st(0.9, 0.96, 0.88), 'x').judgement,
    'inconclusive',
  );
  // Within a margin on the pairs: drop 0.04 +- 0.002 against 0.02 does not hold; 0.01 holds.
  const fp = st(0.9, 0.95, 0.86);
  assert.equal(judgeWithin(st(0.86, 0.91, 0.821), fp, 0.02, 'q').judgement, 'does not hold');
  assert.equal(judgeWithin(st(0.89, 0.94, 0.851), fp, 0.02, 'q').judgement, 'holds');
  // A seed missing on one side is left out of the pairs; fewer than 2 pairs fall back to pooled.
  const gap = seedStats([0.91, null, 0.905])!;
  assert.deepEqual(gap.bySeed, [0.91, null, 0.905]);
  assert.equal(seedDiffs(gap, b).length, 2);
  assert.match(judgeHigher(gap, b, 'x').text, /paired by seed over 2 seeds/);
  assert.match(judgeHigher(seedStats([0.91, null, null])!, b, 'x').text, /pooled sd/);
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
