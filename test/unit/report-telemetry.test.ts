// SPDX-License-Identifier: MIT
// Telemetry histograms and coverage shares, the sampling of the sink, and table CSV.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coveredShare, log2Histogram, RunTelemetry } from '../../src/train/telemetry.js';
import { fixedTensor, floatTensor } from '../../src/tensor/tensor.js';
import { toCsv } from '../../src/report/tables.js';

test('log2 histogram: bin b counts |x| in [2^b, 2^(b+1)), zeros apart, max exact', () => {
  const h = log2Histogram(floatTensor([7], Float32Array.of(0, 1, -1.5, 2, 3.99, 0.25, -0)));
  assert.equal(h.zeros, 2);
  assert.equal(h.lo, -2);
  // bins -2: 0.25; -1: none; 0: 1, 1.5; 1: 2, 3.99
  assert.deepEqual(h.counts, [1, 0, 2, 2]);
  assert.equal(h.max, Math.fround(3.99)); // float32 input
});

test('log2 histogram of a fixed-point tensor uses mant * 2^exp', () => {
  // mantissas 1, 2, 127 at exp -7: values 2^-7, 2^-6, 127/128
  const h = log2Histogram(fixedTensor([3], Int8Array.of(1, -2, 127), -7, 8));
  assert.equal(h.lo, -7);
  assert.deepEqual(h.counts, [1, 1, 0, 0, 0, 0, 1]);
});

test('covered share: values >= 2^-k R with R = 2^round(log2 max)', () => {
  // max 1 -> R = 1; k = 2 keeps |x| >= 0.25
  const h = log2Histogram(floatTensor([4], Float32Array.of(1, 0.5, 0.25, 0.125)));
  assert.equal(coveredShare(h, 2), 3 / 4);
  assert.equal(coveredShare(h, 3), 1);
  assert.equal(coveredShare(h, 0), 1 / 4);
});

test('the sink asks for values only on sampled steps and windows its timeline', () => {
  const t = new RunTelemetry(100, 10); // every 10 steps
  assert.equal(t.every, 10);
  const rec = (step: number) => {
    t.beginStep(step, 0);
    const x = floatTensor([2], Float32Array.of(1, 2));
    t.record({
      layer: 'fc1',
      site: 'E',
      exp: -3,
      bits: step < 15 ? 8 : 16,
      count: 2,
      saturated: 1,
      underflow: 0,
      ...(t.wantsValues ? { input: x, output: x } : {}),
      adjusted: step === 12,
    });
  };
  const wanted: number[] = [];
  for (let s = 0; s < 25; s++) {
    t.beginStep(s, 0);
    if (t.wantsValues) wanted.push(s);
    rec(s);
  }
  assert.deepEqual(wanted, [0, 10, 20]);
  const ep = t.flush(1);
  assert.equal(ep.length, 1);
  assert.equal(ep[0].calls, 25);
  assert.equal(ep[0].saturation_rate, 0.5);
  assert.deepEqual(ep[0].values_by_bits, { 8: 30, 16: 20 });
  assert.equal(ep[0].adjustments, 1);
});

test('CSV quotes commas, quotes and newlines', () => {
  const csv = toCsv({
    title: 't',
    columns: ['a', 'b'],
    rows: [
      ['x,y', 'say "hi"'],
      [1.5, null],
    ],
  });
  assert.equal(csv, 'a,b\n"x,y","say ""hi"""\n1.5,\n');
});
