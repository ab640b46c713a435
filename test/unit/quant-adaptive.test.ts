// Zhang et al.'s QEM (eq. 2) and QPA: widths grow on constructed inputs, Mode1 shrinks them,
// Mode2 keeps them; the interval formula and the per-site history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdaptiveQuantizer,
  adjustInterval,
  qemDiff,
  resolutionExp,
} from '../../src/quant/adaptive.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng } from '../../src/quant/rng.js';
import type { SiteContext } from '../../src/quant/site.js';
import { floatTensor } from '../../src/tensor/tensor.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { createQuantizer } from '../../src/quant/registry.js';

const where = { layer: 'fc', site: 'E', layerIndex: 0, layerCount: 1 };
const ctx = (step: number): SiteContext => ({
  kernels: refKernels,
  rng: makeRng(1),
  step,
  epoch: 0,
  training: true,
  telemetry: null,
});
function make(mode: 'mode1' | 'mode2'): AdaptiveQuantizer {
  const s = loadScheme(mode === 'mode1' ? 'adaptive-mode1' : 'adaptive').sites.E;
  assert.ok(s);
  const q = createQuantizer(s, where);
  assert.ok(q instanceof AdaptiveQuantizer);
  return q;
}
/** One value of 1000 and 999 values of 0.5: int8 rounds the small ones to 0. */
function heavyTail(): Float32Array {
  const a = new Float32Array(1000).fill(0.5);
  a[0] = 1000;
  return a;
}

test('QEM (eq. 2), resolution and interval by hand', () => {
  assert.equal(qemDiff([1, 2, 3], [1, 2, 2]), Math.log2(7 / 6));
  assert.equal(qemDiff([0, 0], [0, 0]), 0);
  assert.equal(resolutionExp(1, 8), -6); // ceil(log2(1/127))
  assert.equal(resolutionExp(1000, 8), 3);
  assert.equal(resolutionExp(1000, 16), -5);
  assert.equal(adjustInterval(0.01, 0.001, 0.1, 100, 2, 1e4), 8); // 0.1 / max(0.01, 0.001) - 2
  assert.equal(adjustInterval(0, 0, 0.1, 100, 2, 500), 500);
  assert.equal(adjustInterval(1, 0, 0.1, 100, 2, 500), 1);
});

test('QPA grows int8 -> int16 when Diff > T_data; Mode2 keeps int16, Mode1 shrinks back', () => {
  const m2 = make('mode2');
  const m1 = make('mode1');
  for (const q of [m1, m2]) {
    assert.equal(q.bits(), 8);
    const t = q.apply(floatTensor([1000], heavyTail()), ctx(0));
    assert.equal(q.bits(), 16);
    assert.ok(t.kind === 'fixed' && t.exp === -5 && t.mant[1] === 16);
  }
  const flat = floatTensor([4], Float32Array.from([1, -1, 0.5, 0.25]));
  m2.apply(flat, ctx(1));
  m1.apply(flat, ctx(1));
  assert.equal(m2.bits(), 16, 'Mode2 only grows');
  assert.equal(m1.bits(), 8, 'Mode1 restarts at int8 and can shrink');
  assert.deepEqual(m1.history(), { calls: 2, adjustments: 2, bitsCalls: { '16': 1, '8': 1 } });
});

test('QPA stops at int24 and keeps parameters between adjustments', () => {
  const q = new AdaptiveQuantizer({ ...make('mode2').p, initSteps: 0, tData: 1e-9 }, where);
  const a = new Float32Array(1000).fill(1e-3);
  a[0] = 1e4;
  a[1] = 1e-3 + 1e-9;
  q.apply(floatTensor([1000], a), ctx(0));
  assert.equal(q.bits(), 24);
  const h = q.history();
  assert.equal(h.adjustments, 1);
  // after the initialization phase Itv > 1 for a steady input: the next calls do not adjust
  const steady = floatTensor([2], Float32Array.from([1e4, 5e3]));
  let adjusted = 0;
  for (let s = 1; s < 6; s++) {
    const before = q.history().adjustments;
    q.apply(steady, ctx(s));
    adjusted += q.history().adjustments - before;
  }
  assert.ok(adjusted < 5, `adjusted ${adjusted} of 5 steps`);
});

test('QPA measures every call of an adjustment step as one tensor (range and QEM over all calls)', () => {
  const q = make('mode2');
  // Step 0, first call: values that int8 holds well (Diff small): int8, r from max 1.
  const flat = floatTensor([4], Float32Array.from([1, -1, 0.5, 0.25]));
  const a = q.apply(flat, ctx(0));
  assert.ok(a.kind === 'fixed' && a.bits === 8 && a.exp === -6);
  // Same step, second call (as an LSTM's next gate error): a range 1000x larger and a heavy
  // tail. It widens the step's range (no saturation) and its QEM grows the width to int16.
  const b = q.apply(floatTensor([1000], heavyTail()), ctx(0));
  assert.ok(b.kind === 'fixed');
  assert.ok(b.bits === 16 && b.exp === -5, `bits ${b.bits} exp ${b.exp}`);
  assert.equal(b.mant[0], 32000, 'the large value is not saturated');
  assert.equal(q.bits(), 16);
  // A third, small call of the step keeps the width and the step's range.
  const c = q.apply(flat, ctx(0));
  assert.ok(c.kind === 'fixed' && c.bits === 16 && c.exp === -5);
  assert.equal(q.history().adjustments, 1, 'one adjustment step, however many calls');
});
