// Quantizers: rounding invariants, exhaustive 8-bit checks, saturation counting, the integer
// requantization path agreeing with the float path, and seeded reproducibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dynamicFixed, fixed, qmax, qmin } from '../../src/format/format.js';
import { makeRng } from '../../src/quant/rng.js';
import { quantize, quantizeWithStats, requantize, maxAbs } from '../../src/quant/quantize.js';
import { dequantize, dequantize64, fixedTensor } from '../../src/tensor/tensor.js';

test('nearest rounding error <= step/2, ties go up (round half up)', () => {
  const f = fixed(8, 3);
  const rng = makeRng(7);
  const xs = Float32Array.from({ length: 5000 }, () => (rng.nextFloat() * 2 - 1) * 15);
  const q = quantize(xs, f, { rounding: 'nearest' });
  const v = dequantize(q);
  for (let i = 0; i < xs.length; i++)
    assert.ok(Math.abs(v[i] - xs[i]) <= f.step / 2, `i=${i} x=${xs[i]} q=${v[i]}`);
  const ties = quantize(Float32Array.of(0.0625, -0.0625, 0.1875), f, { rounding: 'nearest' });
  assert.deepEqual(Array.from(ties.mant), [1, 0, 2]); // 0.5 -> 1, -0.5 -> 0, 1.5 -> 2
});

test('stochastic rounding is unbiased (mean of many draws)', () => {
  const f = fixed(8, 0);
  for (const x of [0.3, -2.75, 5.1, 0.01]) {
    const n = 40000;
    const q = quantize(new Float32Array(n).fill(x), f, { rounding: 'stochastic', seed: 3 });
    let s = 0;
    for (const m of q.mant) s += m;
    const mean = s / n;
    const frac = x - Math.floor(x);
    const sd = Math.sqrt((frac * (1 - frac)) / n);
    assert.ok(Math.abs(mean - x) < 5 * sd + 1e-6, `x=${x} mean=${mean}`);
    for (const m of q.mant) assert.ok(m === Math.floor(x) || m === Math.floor(x) + 1);
  }
});

test('floor rounding truncates toward -inf', () => {
  const q = quantize(Float32Array.of(1.9, -1.1, -0.5), fixed(8, 0), { rounding: 'floor' });
  assert.deepEqual(Array.from(q.mant), [1, -2, -1]);
});

test('exhaustive: every fixed<8,f> value is a fixed point of quantization, and neighbours round right', () => {
  for (const frac of [-2, 0, 3, 7]) {
    const f = fixed(8, frac);
    const all = new Float32Array(256);
    for (let m = qmin(8); m <= qmax(8); m++) all[m + 128] = m * f.step;
    for (const rounding of ['nearest', 'stochastic', 'floor'] as const) {
      const q = quantize(all, f, { rounding, seed: 1 });
      for (let i = 0; i < 256; i++)
        assert.equal(q.mant[i], i - 128, `${f.name} ${rounding} m=${i - 128}`);
    }
    // Midpoints between neighbours: nearest goes up, floor goes down.
    const mids = new Float32Array(255);
    for (let m = qmin(8); m < qmax(8); m++) mids[m + 128] = (m + 0.5) * f.step;
    const up = quantize(mids, f, { rounding: 'nearest' });
    const down = quantize(mids, f, { rounding: 'floor' });
    for (let i = 0; i < 255; i++) {
      assert.equal(up.mant[i], i - 128 + 1);
      assert.equal(down.mant[i], i - 128);
    }
  }
});

test('outputs stay within [min, max] and saturation is counted, not silent', () => {
  const f = fixed(8, 4);
  const r = quantizeWithStats(Float32Array.of(100, -100, 1, 0.001, 0), f, { rounding: 'nearest' });
  assert.deepEqual(Array.from(r.tensor.mant), [127, -128, 16, 0, 0]);
  assert.equal(r.stats.saturated, 2);
  assert.equal(r.stats.underflow, 1);
  assert.equal(r.stats.count, 5);
});

test('dfp picks the exponent from max |x| and never saturates', () => {
  const rng = makeRng(11);
  for (let t = 0; t < 50; t++) {
    const scale = 2 ** (rng.nextFloat() * 40 - 20);
    const xs = Float32Array.from({ length: 200 }, () => (rng.nextFloat() * 2 - 1) * scale);
    for (const rounding of ['nearest', 'stochastic'] as const) {
      const r = quantizeWithStats(xs, dynamicFixed(8), { rounding, seed: t });
      assert.equal(r.stats.saturated, 0);
      const m = maxAbs(xs);
      assert.ok(127 * 2 ** r.tensor.exp >= m && 127 * 2 ** (r.tensor.exp - 1) < m);
    }
  }
});

test('requantizing mantissas equals quantizing their float64 values (nearest, stochastic, floor)', () => {
  const rng = makeRng(5);
  for (let t = 0; t < 30; t++) {
    const n = 300;
    const mant = Int32Array.from({ length: n }, () =>
      Math.floor((rng.nextFloat() * 2 - 1) * 2 ** (8 + (t % 20))),
    );
    const acc = fixedTensor([n], mant, -10 + (t % 7), 32);
    for (const rounding of ['nearest', 'stochastic', 'floor'] as const) {
      for (const f of [dynamicFixed(8), dynamicFixed(16), fixed(8, 2)]) {
        const a = requantize(acc, f, { rounding, seed: 99 });
        const b = quantizeWithStats(dequantize64(acc), f, { rounding, seed: 99 });
        assert.equal(a.tensor.exp, b.tensor.exp);
        assert.deepEqual(
          Array.from(a.tensor.mant),
          Array.from(b.tensor.mant),
          `${f.name} ${rounding} t=${t}`,
        );
        assert.deepEqual(a.stats, b.stats);
      }
    }
  }
});

test('seeded stochastic rounding: same seed same result, other seed other result', () => {
  const xs = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
  const a = quantize(xs, dynamicFixed(4), { rounding: 'stochastic', seed: 42 });
  const b = quantize(xs, dynamicFixed(4), { rounding: 'stochastic', rng: makeRng(42) });
  const c = quantize(xs, dynamicFixed(4), { rounding: 'stochastic', seed: 43 });
  assert.deepEqual(a.mant, b.mant);
  assert.notDeepEqual(a.mant, c.mant);
  assert.throws(
    () => quantize(xs, dynamicFixed(4), { rounding: 'stochastic' }),
    /needs a seed or an rng/,
  );
});

test('NaN and Infinity are reported, not quantized', () => {
  assert.throws(() => quantize(Float32Array.of(1, NaN), dynamicFixed(8)), /holds NaN at index 1/);
  assert.throws(() => quantize(Float32Array.of(Infinity), dynamicFixed(8)), /infinite/);
});

test('storage dtype follows the bit-width', () => {
  assert.ok(quantize(Float32Array.of(1), dynamicFixed(8)).mant instanceof Int8Array);
  assert.ok(quantize(Float32Array.of(1), dynamicFixed(12)).mant instanceof Int16Array);
  assert.ok(quantize(Float32Array.of(1), dynamicFixed(24)).mant instanceof Int32Array);
});
