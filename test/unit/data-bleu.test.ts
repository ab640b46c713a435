// SPDX-License-Identifier: MIT
// BLEU against values worked out by hand (the arithmetic is in the comments).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusBleu, sentenceBleu } from '../../src/data/bleu.js';

const w = (s: string): string[] => s.toLowerCase().split(/\s+/).filter(Boolean);
const near = (a: number, b: number, tol = 1e-12): void =>
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

test('identical candidate and reference give BLEU 1', () => {
  const s = w('the quick brown fox jumps over the lazy dog');
  const r = corpusBleu([s], [[s]]);
  assert.equal(r.bleu, 1);
  assert.equal(r.brevityPenalty, 1);
  assert.deepEqual(r.precisions, [1, 1, 1, 1]);
});

test('Papineni et al. example 1: candidate 1 has modified unigram precision 17/18', () => {
  const cand = w(
    'It is a guide to action which ensures that the military always obeys the commands of the party',
  );
  const refs = [
    w('It is a guide to action that ensures that the military will forever heed Party commands'),
    w(
      'It is the guiding principle which guarantees the military forces always being under the command of the Party',
    ),
    w('It is the practical guide for the army always to heed the directions of the party'),
  ];
  const r = corpusBleu([cand], [refs]);
  // 18 words; every word but "obeys" appears in some reference, "the" (3x) clipped to 4 in ref 2.
  assert.equal(r.totals[0], 18);
  assert.equal(r.matches[0], 17);
  near(r.precisions[0], 17 / 18);
  // Candidate 2 of the same example scores 8/14 in the paper.
  const cand2 = w(
    'It is to insure the troops forever hearing the activity guidebook that party direct',
  );
  const r2 = corpusBleu([cand2], [refs]);
  assert.equal(r2.totals[0], 14);
  assert.equal(r2.matches[0], 8);
});

test('Papineni et al. example 2: "the" x7 has modified unigram precision 2/7', () => {
  const r = corpusBleu(
    [w('the the the the the the the')],
    [[w('The cat is on the mat'), w('There is a cat on the mat')]],
    { maxN: 1 },
  );
  assert.equal(r.matches[0], 2);
  assert.equal(r.totals[0], 7);
  // c = 7 words; the closest reference is ref 2 with 7 words, so r = 7 and BP = 1.
  assert.equal(r.brevityPenalty, 1);
  near(r.bleu, 2 / 7);
});

test('worked example: "the cat sat on the mat" vs "the cat is on the mat"', () => {
  const cand = w('the cat sat on the mat');
  const ref = w('the cat is on the mat');
  // 1-grams: the,cat,sat,on,the,mat -> the(2, ref has 2), cat, on, mat match: 5/6
  // 2-grams: the cat, cat sat, sat on, on the, the mat -> the cat, on the, the mat: 3/5
  // 3-grams: the cat sat, cat sat on, sat on the, on the mat -> on the mat: 1/4
  // 4-grams: the cat sat on, cat sat on the, sat on the mat -> none: 0/3
  const r4 = corpusBleu([cand], [[ref]]);
  assert.deepEqual(r4.matches, [5, 3, 1, 0]);
  assert.deepEqual(r4.totals, [6, 5, 4, 3]);
  assert.equal(r4.bleu, 0); // unsmoothed: a zero precision zeroes the geometric mean
  // BLEU-3: BP = 1 (c = r = 6); (5/6 * 3/5 * 1/4)^(1/3) = (1/8)^(1/3) = 1/2
  near(corpusBleu([cand], [[ref]], { maxN: 3 }).bleu, 0.5);
  // add-1 smoothing (n >= 2): p = 5/6, 4/6, 2/5, 1/4; product = 40/720 = 1/18; BLEU = 18^(-1/4)
  near(sentenceBleu(cand, [ref]), Math.pow(18, -0.25));
  // epsilon: p4 = 0.1/3; product = 5/6 * 3/5 * 1/4 * 0.1/3 = 1/240
  near(corpusBleu([cand], [[ref]], { smoothing: 'epsilon' }).bleu, Math.pow(240, -0.25));
});

test('brevity penalty: a 5-word candidate against a 6-word reference', () => {
  const cand = w('the cat on the mat');
  const ref = w('the cat is on the mat');
  // p1 = 5/5; 2-grams the cat, cat on, on the, the mat -> 3 of 4 match; BP = exp(1 - 6/5)
  const r = corpusBleu([cand], [[ref]], { maxN: 2 });
  near(r.brevityPenalty, Math.exp(-0.2));
  near(r.bleu, Math.exp(-0.2) * Math.sqrt(3 / 4));
  assert.equal(r.candLength, 5);
  assert.equal(r.refLength, 6);
});

test('the closest reference length is used, the shorter one on a tie', () => {
  // c = 4; refs of length 3 and 5 are equally close -> r = 3, no penalty.
  const r = corpusBleu([w('a b c d')], [[w('a b c'), w('a b c d e')]], { maxN: 1 });
  assert.equal(r.refLength, 3);
  assert.equal(r.brevityPenalty, 1);
  // c = 2; refs 3 and 6 -> r = 3, BP = exp(1 - 3/2)
  const r2 = corpusBleu([w('a b')], [[w('a b c'), w('a b c d e f')]], { maxN: 1 });
  assert.equal(r2.refLength, 3);
  near(r2.bleu, Math.exp(-0.5));
});

test('corpus BLEU sums counts over sentences rather than averaging sentence scores', () => {
  // s1: "a b" vs "a b": 1-grams 2/2, 2-grams 1/1. s2: "c d" vs "c e": 1-grams 1/2, 2-grams 0/1.
  // corpus (maxN 2): p1 = 3/4, p2 = 1/2, BP = 1 -> sqrt(3/8); the mean of sentence scores
  // would be (1 + 0) / 2 = 0.5.
  const r = corpusBleu([w('a b'), w('c d')], [[w('a b')], [w('c e')]], { maxN: 2 });
  near(r.bleu, Math.sqrt(3 / 8));
});

test('token ids work as well as words; a length mismatch is an error', () => {
  near(corpusBleu([[5, 6, 7]], [[[5, 6, 8]]], { maxN: 2 }).bleu, Math.sqrt((2 / 3) * (1 / 2)));
  assert.throws(() => corpusBleu([[1]], []), /1 candidates but 0 reference sets/);
  assert.equal(corpusBleu([[]], [[[1, 2]]]).bleu, 0);
});
