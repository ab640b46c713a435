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

/** The histogram as defined: floor(Math.log2 |x|) per value, clamped to the kept bins. */
function histRef(values: ArrayLike<number>, scale: number) {
  const full = new Map<number, number>();
  let zeros = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i] * scale);
    if (a === 0) {
      zeros++;
      continue;
    }
    if (a > max) max = a;
    const b = Math.min(63, Math.max(-64, Math.floor(Math.log2(a))));
    if (Number.isNaN(b)) continue;
    full.set(b, (full.get(b) ?? 0) + 1);
  }
  const bins = [...full.keys()].sort((x, y) => x - y);
  if (!bins.length) return { lo: 0, counts: [], zeros, max };
  const lo = bins[0];
  const counts = new Array<number>(bins[bins.length - 1] - lo + 1).fill(0);
  for (const [b, c] of full) counts[b - lo] = c;
  return { lo, counts, zeros, max };
}

test('log2 histogram: the bins read from the bits equal floor(log2|x|) on edge values', () => {
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const edges = [0, -0, 1, -1, 2 ** -126, 2 ** -149, -(2 ** -140), 2 ** -64, 2 ** -65, 2 ** 63];
  edges.push(2 ** 64, 3.4e38, Infinity, -Infinity, NaN, 1 - 2 ** -24, 2 - 2 ** -23, 0.75);
  const f = new Float32Array(4000);
  for (let i = 0; i < f.length; i++)
    f[i] = i < edges.length ? edges[i] : (rnd() - 0.5) * 2 ** Math.floor(rnd() * 300 - 150);
  // A view into a larger buffer reads only its own values.
  const view = new Float32Array(f.length + 3);
  view.set(f, 3);
  for (const x of [f, view.subarray(3)]) {
    assert.deepEqual(log2Histogram(floatTensor([x.length], x)), histRef(x, 1));
  }
  assert.deepEqual(log2Histogram(floatTensor([1], new Float32Array([NaN]))), histRef([NaN], 1));
  for (const [make, lim] of [
    [(n: number) => new Int8Array(n), 128],
    [(n: number) => new Int16Array(n), 32768],
    [(n: number) => new Int32Array(n), 2 ** 31],
    [(n: number) => new Float64Array(n), 2 ** 40],
  ] as const) {
    const m = make(600);
    for (let i = 0; i < m.length; i++) m[i] = Math.floor((rnd() * 2 - 1) * lim * rnd() ** 3);
    m[0] = 0;
    m[1] = -lim;
    m[2] = lim - 1;
    m[3] = 1;
    for (const exp of [-100, -70, -40, -8, 0, 5, 40, 70, -1080, 1030]) {
      const t = fixedTensor([m.length], m, exp, 32);
      assert.deepEqual(log2Histogram(t), histRef(m, 2 ** exp), `${m.constructor.name} ${exp}`);
    }
  }
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
