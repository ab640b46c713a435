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
const ctx = (training = true, seed = 1): SiteContext => ({
  kernels: refKernels,
  rng: makeRng(seed),
  step: 0,
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
  // max 1 -> exponent -6: 0.3 is 19.2 steps, so SR gives 19 or 20 with mean 19.2
  for (let i = 0; i < n; i++)
    s += dequantize64(q.apply(floatTensor([2], Float32Array.from([1, 0.3])), ctx(false)))[1];
  assert.ok(Math.abs(s / n - 0.3) < 0.003, `mean ${s / n}`);
});

test('dfp-tracked: exponent starts from max|x|, rises on overflow, falls when values fit one step finer', () => {
  const q = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'nearest', rng: 'xoshiro', overflowRate: 0 },
    where,
  );
  const base = [0.4, 0.1, -0.2, 0.3];
  const t = (k: number) => floatTensor([4], Float32Array.from(base.map((v) => v * k)));
  const out = q.apply(t(1), ctx());
  assert.ok(out.kind === 'fixed' && out.exp === -8); // 0.4 <= 127 * 2^-8
  assert.equal(q.exponent(), -8); // 0.4 and 0.3 would overflow at -9
  const big = q.apply(t(4), ctx()); // 1.6 at exponent -8 saturates to 127/256
  assert.ok(big.kind === 'fixed' && big.exp === -8 && big.mant[0] === 127);
  assert.equal(q.exponent(), -7);
  q.apply(t(0.01), ctx(false));
  assert.equal(q.exponent(), -7, 'eval calls do not move the exponent');
  q.apply(t(0.01), ctx());
  assert.equal(q.exponent(), -8);
  const r = new DfpTrackedQuantizer(
    { bits: 8, rounding: 'nearest', rng: 'xoshiro', overflowRate: 0 },
    where,
  );
  r.loadState(q.saveState());
  assert.equal(r.exponent(), -8);
});
