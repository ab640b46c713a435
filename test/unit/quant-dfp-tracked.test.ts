// The LFSR generator and dynamic fixed point with an overflow-tracked exponent (dfp8-sr/nr).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lfsr32 } from '../../src/quant/lfsr.js';
import { DfpTrackedQuantizer } from '../../src/quant/dfp-tracked.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng } from '../../src/quant/rng.js';
import type { SiteContext } from '../../src/quant/site.js';
import { dequantize64, floatTensor } from '../../src/tensor/tensor.js';

const where = { layer: 'l', site: 'W', layerIndex: 0, layerCount: 1 };
const ctx = (training = true, seed = 1, step = 0): SiteContext => ({
  kernels: refKernels,
  rng: makeRng(seed),
  step,
  epoch: 0,
  training,
  telemetry: null,
});

test('LFSR: first clocks by hand, seeded and reproducible, state round trip', () => {
  // seed 1: the first clock shifts out 1 -> state 0x80200003; the first word's top bit is 1
  const a = new Lfsr32(1);
  assert.equal(a.nextU32() >>> 31, 1);
  const b = new Lfsr32(1);
  b.nextU32();
  assert.equal(a.nextU32(), b.nextU32());
  const st = a.state();
  const x = a.nextU32();
  b.setState(st);
  assert.equal(b.nextU32(), x);
  assert.notEqual(new Lfsr32(2).nextU32(), new Lfsr32(3).nextU32());
  assert.throws(() => b.setState([0]), /nonzero/);
});

test('LFSR: draws look uniform and make stochastic rounding unbiased', () => {
  const q = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'stochastic', rng: 'lfsr', overflowRate: 1e-4 },
    where,
  );
  let s = 0;
  const n = 3000;
  // max 1 -> exponent -6: 0.3 is 19.2 steps, so SR gives 19 or 20 with mean 19.2 (training
  // steps: the quantizer's LFSR runs on from step to step; the exponent stays at -6)
  for (let i = 0; i < n; i++)
    s += dequantize64(q.apply(floatTensor([2], Float32Array.from([1, 0.3])), ctx(true, 1, i)))[1];
  assert.ok(Math.abs(s / n - 0.3) < 0.003, `mean ${s / n}`);
});

test("dfp-tracked: a test pass moves neither training's LFSR nor, before any training, the exponent", () => {
  const q = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'stochastic', rng: 'lfsr', overflowRate: 1e-4 },
    where,
  );
  const x = floatTensor([2], Float32Array.from([1, 0.3]));
  q.apply(x, ctx(false, 7));
  assert.equal(q.exponent(), null, 'an eval call set the exponent');
  q.apply(x, ctx(true, 1, 0));
  const lfsr = (): unknown => (q.saveState() as { lfsr: unknown }).lfsr;
  const [exp, gen] = [q.exponent(), lfsr()];
  // (An eval call settles the finished step's exponent move early: the same move.)
  for (let i = 0; i < 5; i++) q.apply(x, ctx(false, 10 + i));
  assert.deepEqual(lfsr(), gen);
  assert.equal(q.exponent(), exp);
});

test('dfp-tracked: exponent starts from max|x|, rises on overflow, falls when values fit one step finer', () => {
  const q = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'nearest', rng: 'xoshiro', overflowRate: 0 },
    where,
  );
  const base = [0.4, 0.1, -0.2, 0.3];
  const t = (k: number) => floatTensor([4], Float32Array.from(base.map((v) => v * k)));
  const out = q.apply(t(1), ctx(true, 1, 0));
  assert.ok(out.kind === 'fixed' && out.exp === -8); // 0.4 <= 127 * 2^-8
  assert.equal(q.exponent(), -8); // 0.4 and 0.3 would overflow at -9
  const big = q.apply(t(4), ctx(true, 1, 1)); // 1.6 at exponent -8 saturates to 127/256
  assert.ok(big.kind === 'fixed' && big.exp === -8 && big.mant[0] === 127);
  assert.equal(q.exponent(), -7);
  q.apply(t(0.01), ctx(false));
  assert.equal(q.exponent(), -7, 'eval calls do not move the exponent');
  q.apply(t(0.01), ctx(true, 1, 2));
  assert.equal(q.exponent(), -8);
  const r = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'nearest', rng: 'xoshiro', overflowRate: 0 },
    where,
  );
  r.loadState(q.saveState());
  assert.equal(r.exponent(), -8);
});

test('dfp-tracked: the calls of one step share one exponent and move it at most once, by all their counts', () => {
  const q = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'nearest', rng: 'xoshiro', overflowRate: 0.1 },
    where,
  );
  // Step 0: ten calls, as an LSTM's h_t: max 1 first, then values 8x larger in two calls.
  const small = floatTensor(
    [10],
    Float32Array.from({ length: 10 }, (_, i) => (i + 1) / 10),
  );
  const large = floatTensor(
    [10],
    Float32Array.from({ length: 10 }, (_, i) => (i + 1) * 0.8),
  );
  const exps: number[] = [];
  for (let c = 0; c < 10; c++) {
    const o = q.apply(c === 4 || c === 7 ? large : small, ctx(true, 1, 0));
    assert.ok(o.kind === 'fixed');
    exps.push(o.exp);
  }
  assert.deepEqual(new Set(exps), new Set([-6]), 'one exponent for the whole step');
  // 2 calls x 9 saturated values of 100 > 10%: one step up, not one per call.
  assert.equal(q.exponent(), -5);
  const o = q.apply(small, ctx(true, 1, 1));
  assert.ok(o.kind === 'fixed' && o.exp === -5);
  // Step 1 saw only max 1: every value fits one step finer, so step 2 goes back down by one.
  assert.equal(q.exponent(), -6);
  // The pending counts of a step survive a checkpoint: a restored quantizer moves the same way.
  const r = new DfpTrackedQuantizer(q.p, where);
  r.loadState(JSON.parse(JSON.stringify(q.saveState())));
  const a = q.apply(small, ctx(true, 1, 2));
  const b = r.apply(small, ctx(true, 1, 2));
  assert.ok(a.kind === 'fixed' && b.kind === 'fixed' && a.exp === -6 && b.exp === -6);
});

test('dfp-tracked: all-zero tensors neither set nor lower the exponent', () => {
  const q = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'nearest', rng: 'xoshiro', overflowRate: 1e-4 },
    where,
  );
  const zeros = floatTensor([8], new Float32Array(8));
  for (let s = 0; s < 5; s++) q.apply(zeros, ctx(true, 1, s));
  assert.equal(q.exponent(), null, 'no exponent from zeros alone');
  const o = q.apply(floatTensor([2], Float32Array.from([0.4, -0.25])), ctx(true, 1, 5));
  assert.ok(o.kind === 'fixed' && o.exp === -8); // from the first nonzero tensor
  for (let s = 6; s < 40; s++) q.apply(zeros, ctx(true, 1, s));
  assert.equal(q.exponent(), -8, 'steps of zeros (h_0, dead units) leave the exponent alone');
  // h_0 = 0 beside nonzero h_t in one step: the zeros count, but the step still moves by one.
  q.apply(zeros, ctx(true, 1, 40));
  q.apply(floatTensor([2], Float32Array.from([0.1, 0.05])), ctx(true, 1, 40));
  assert.equal(q.exponent(), -9);
});
