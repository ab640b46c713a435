// WAGEUBN's quantization functions pinned to values computed by hand from eq. 5-7 and 16.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConstantQuantizer,
  DirectQuantizer,
  FlagQuantizer,
  ShiftQuantizer,
  drAt,
  rExponent,
} from '../../src/quant/wageubn.js';
import { flagDecode, flagEncode, flagQuantize } from '../../src/format/flag.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { Rng } from '../../src/quant/rng.js';
import { makeRng } from '../../src/quant/rng.js';
import type { SiteContext, SiteWhere } from '../../src/quant/site.js';
import { dequantize64, floatTensor, type Tensor } from '../../src/tensor/tensor.js';

const where: SiteWhere = { layer: 'l', site: 'X', layerIndex: 0, layerCount: 1 };

/** An Rng whose every word gives the uniform draw u (top 24 bits), to pin stochastic rounding. */
function constRng(u: number): Rng {
  const w = Math.floor(u * 2 ** 24) * 256;
  return {
    name: 'const',
    nextU32: () => w,
    nextFloat: () => u,
    state: () => [],
    setState: () => {},
  };
}
const ctx = (rng: Rng = makeRng(1), epoch = 0): SiteContext => ({
  kernels: refKernels,
  rng,
  step: 0,
  epoch,
  training: true,
  telemetry: null,
});
const vals = (t: Tensor): number[] => Array.from(dequantize64(t));
const x = (...v: number[]) => floatTensor([v.length], Float32Array.from(v));

test('direct Q(x,8) (eq. 5): round(x 2^7)/2^7, round half up, no range limit unless clipped (eq. 9)', () => {
  const q = new DirectQuantizer(8, false, where).apply(x(0.3, -0.7, 1.5, 1 / 256), ctx());
  assert.deepEqual(vals(q), [38 / 128, -90 / 128, 1.5, 1 / 128]);
  assert.equal(q.kind === 'fixed' && q.exp, -7);
  const c = new DirectQuantizer(8, true, where).apply(x(1.5, -2, 0.3), ctx());
  assert.deepEqual(vals(c), [127 / 128, -127 / 128, 38 / 128]);
});

test('direct Q(x,k) with "rounding": "nearest-even" sends ties to the even neighbour, clipped or not', () => {
  // x 2^7 = 0.5, 1.5, 2.5, -0.5, -1.5, 0.3: half up gives 1, 2, 3, 0, -1, 0
  const t = x(0.5 / 128, 1.5 / 128, 2.5 / 128, -0.5 / 128, -1.5 / 128, 0.3 / 128);
  const want = [0, 2, 2, 0, -2, 0].map((m) => m / 128);
  for (const clip of [false, true]) {
    const q = new DirectQuantizer(8, clip, where, 'nearest-even').apply(t, ctx());
    assert.deepEqual(vals(q), want, `clip ${clip}`);
    const up = new DirectQuantizer(8, clip, where).apply(t, ctx());
    assert.deepEqual(
      vals(up),
      [1, 2, 3, 0, -1, 0].map((m) => m / 128),
      `half up, clip ${clip}`,
    );
  }
});

test('R(x) = 2^round(log2 max|x|) and the dr schedule halves at the listed epochs', () => {
  assert.equal(rExponent(0.3), -2); // log2 0.3 = -1.74
  assert.equal(rExponent(0.02), -6); // log2 0.02 = -5.64
  assert.equal(rExponent(0), null);
  assert.equal(drAt(8, [30, 60], 0), 128);
  assert.equal(drAt(8, [30, 60], 29), 128);
  assert.equal(drAt(8, [30, 60], 30), 64);
  assert.equal(drAt(8, [30, 60], 60), 32);
  assert.equal(drAt(2, [1, 2, 3], 9), 1);
});

test('constant CQ (eq. 6): clip(Sr(dr x / R), -dr+1, dr-1) / 2^14, with the stochastic draw pinned', () => {
  // max 0.02 -> R = 2^-6; dr x / R = 163.84, -40.96, 0.8192
  const cq = new ConstantQuantizer(8, 15, [30], where);
  assert.deepEqual(vals(cq.apply(x(0.02, -0.005, 0.0001), ctx(constRng(0.5)))), [
    127 / 16384,
    -41 / 16384,
    1 / 16384,
  ]);
  assert.deepEqual(vals(cq.apply(x(0.02, -0.005, 0.0001), ctx(constRng(0)))), [
    127 / 16384,
    -41 / 16384,
    0,
  ]);
  assert.deepEqual(vals(cq.apply(x(0.02, -0.005, 0.0001), ctx(constRng(0.97)))), [
    127 / 16384,
    -40 / 16384,
    1 / 16384,
  ]);
  // epoch 30: dr = 64 -> 81.92 clips to 63, -20.48 + 0.5 -> -20, 0.4096 + 0.5 -> 0
  assert.deepEqual(vals(cq.apply(x(0.02, -0.005, 0.0001), ctx(constRng(0.5), 30))), [
    63 / 16384,
    -20 / 16384,
    0,
  ]);
});

test('constant CQ rounding is unbiased: the mean of many draws approaches dr x / R', () => {
  const cq = new ConstantQuantizer(8, 15, [], where);
  const rng = makeRng(7);
  let s = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) s += vals(cq.apply(x(0.02, 0.0001), ctx(rng)))[1] * 16384;
  assert.ok(Math.abs(s / n - 0.8192) < 0.03, `mean ${s / n}`);
});

test('shift SQ(x,8) (eq. 7): R(x) clip(Q(x/R, 8), -1+d, 1-d)', () => {
  // max 0.3 -> R = 0.25; x/R = 1.2 -> 154/128 clipped to 127/128; -0.2 -> -26/128; 0.004 -> 1/128
  const q = new ShiftQuantizer(8, where).apply(x(0.3, -0.05, 0.001), ctx());
  assert.deepEqual(vals(q), [127 / 512, -26 / 512, 1 / 512]);
  const z = new ShiftQuantizer(16, where).apply(x(0, 0), ctx());
  assert.deepEqual(vals(z), [0, 0]);
});

test('flag Q_E2 (eq. 16): large case |x| >= Sc and small case |x| < Sc', () => {
  // max 1 -> R = 1, Sc = 2^-7; grid Sc/128 = 2^-14
  const q = new FlagQuantizer(8, where).apply(x(1, 0.5, 0.01, 0.005, -0.00003, 0.00004), ctx());
  assert.deepEqual(vals(q), [127 / 128, 0.5, 1 / 128, 82 / 16384, 0, 1 / 16384]);
  // eq. 16 cases directly: large: Sc round(x/Sc); small: Sc Q(x/Sc, 8)
  assert.deepEqual(flagQuantize(3 * 2 ** -7 + 0.4 * 2 ** -7, -7), {
    mant: 3 * 128,
    saturated: false,
  });
  assert.deepEqual(flagQuantize(0.3 * 2 ** -7, -7), { mant: 38, saturated: false });
  assert.deepEqual(flagQuantize(-200 * 2 ** -7, -7), { mant: -127 * 128, saturated: true });
});

test('9-bit flag codes: Fig. 4 examples (+Sc/128 and -127 Sc) and round trips', () => {
  assert.equal(flagEncode(1), 0b0_0_0000001);
  assert.equal(flagEncode(-127 * 128), 0b1_1_1111111);
  assert.equal(flagDecode(0b1_1_1111111), -127 * 128);
  for (const m of [0, 5, -100, 127, -127, 128, 3 * 128, -127 * 128])
    assert.equal(flagDecode(flagEncode(m)), m);
  assert.throws(() => flagEncode(129), /not representable/);
});
