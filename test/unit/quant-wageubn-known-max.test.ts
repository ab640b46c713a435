// SPDX-License-Identifier: MIT
// The WAGEUBN quantizers given their input's max by its producer (FloatTensor.maxAbs,
// FixedTensor.mantMax) return what they return after scanning: the same mantissas, storage,
// exponent, width and counts, ties of the rounding at +-max included. Their outputs carry the
// exact max |mant|; E after E2 (SQ of an SQ output, flag of a flag output) keeps mantissas
// already on its grid, the same values the kernels would write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirectQuantizer, FlagQuantizer, ShiftQuantizer } from '../../src/quant/wageubn.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng } from '../../src/quant/rng.js';
import type { Quantizer, SiteContext, SiteRecord, SiteWhere } from '../../src/quant/site.js';
import { maxAbs } from '../../src/quant/quantize.js';
import {
  fixedTensor,
  floatTensor,
  floatTensorMax,
  withMantMax,
  type FixedTensor,
  type Tensor,
} from '../../src/tensor/tensor.js';

const where: SiteWhere = { layer: 'l', site: 'X', layerIndex: 0, layerCount: 1 };

/** A context recording every site call into `log`. */
function ctx(log: SiteRecord[]): SiteContext {
  return {
    kernels: refKernels,
    rng: makeRng(1),
    step: 0,
    epoch: 0,
    training: true,
    telemetry: { wantsValues: false, record: (r) => log.push(r) },
  };
}

/** x without what its producer knew: its values only (a copy), so the quantizer scans. */
function plain(x: Tensor): Tensor {
  if (x.kind === 'float') return floatTensor(x.shape, x.data.slice());
  return fixedTensor(x.shape, x.mant.slice(), x.exp, x.bits);
}

/** x with its exact max |stored number| attached, as a producer kernel returns it. */
function known(x: Tensor): Tensor {
  if (x.kind === 'float') return floatTensorMax(x.shape, x.data, maxAbs(x.data));
  return withMantMax(x, maxAbs(x.mant));
}

/** q on x as given and on plain(x): equal results and records; the output's mantMax exact. */
function sameAsScan(q: Quantizer, x: Tensor, what: string): FixedTensor {
  const la: SiteRecord[] = [];
  const lb: SiteRecord[] = [];
  const a = q.apply(x, ctx(la));
  const b = q.apply(plain(x), ctx(lb));
  assert.ok(a.kind === 'fixed' && b.kind === 'fixed', what);
  assert.equal(a.mant.constructor, b.mant.constructor, `${what}: storage`);
  assert.deepEqual(Array.from(a.mant), Array.from(b.mant), `${what}: mantissas`);
  assert.equal(a.exp, b.exp, `${what}: exp`);
  assert.equal(a.bits, b.bits, `${what}: bits`);
  assert.deepEqual(la, lb, `${what}: records`);
  if (a.mantMax !== undefined) assert.equal(a.mantMax, maxAbs(a.mant), `${what}: mantMax`);
  return a;
}

/** n values around 2^e with the extremes set to +-top (the sign and tie chosen by the case). */
function values(n: number, seed: number, e: number, lo: number, hi: number): Float32Array {
  const r = makeRng(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (r.nextFloat() * 2 - 1) * 0.9 * Math.max(-lo, hi) * 2 ** e;
  v[0] = lo * 2 ** e;
  v[n - 1] = hi * 2 ** e;
  return v;
}

// Extremes (lo, hi) in units of the rounding step: ties at the negative end (|r(-m)| below
// r(m), across a power of two or not), at the positive end, none, and an all-zero tensor.
const EXTREMES: [number, number][] = [
  [-127.5, 3],
  [-255.5, 100.25],
  [-63.5, 63.5],
  [-40.5, 7],
  [-3, 127.5],
  [-100.3, 99],
  [-0.5, 0.25],
  [0, 0],
];

test('unclipped direct Q(x,k) sized from a known max |x| equals the scan of min and max, ties included', () => {
  for (const rounding of ['nearest', 'nearest-even'] as const)
    for (const k of [8, 16])
      for (const [i, [lo, hi]] of EXTREMES.entries()) {
        const q = new DirectQuantizer(k, false, where, rounding);
        const step = -(k - 1);
        const v = values(33, i + 1, step, lo, hi);
        const what = `${rounding} k=${k} [${lo}, ${hi}]`;
        const f = sameAsScan(q, known(floatTensor([33], v)), `float ${what}`);
        // The same values as int32 mantissas two bits finer (A after an add, x-hat's grid).
        const m = Int32Array.from(v, (t) => Math.round(t * 2 ** (2 - step)));
        const x = fixedTensor([33], m, step - 2, 32);
        sameAsScan(q, known(x), `fixed ${what}`);
        if (lo === 0 && hi === 0) assert.equal(f.mantMax, 0);
      }
});

test('shift SQ(x,k) reads a known max |x|; SQ of its own output keeps the mantissas (same as the kernels)', () => {
  for (const k of [8, 16])
    for (const [i, [lo, hi]] of EXTREMES.entries()) {
      const q = new ShiftQuantizer(k, where);
      const v = values(40, 10 + i, -3, lo, hi);
      const what = `k=${k} [${lo}, ${hi}]`;
      const once = sameAsScan(q, known(floatTensor([40], v)), `float ${what}`);
      const m = Int32Array.from(v, (t) => Math.round(t * 2 ** 9));
      sameAsScan(q, known(fixedTensor([40], m, -12, 32)), `fixed ${what}`);
      // E after E2: the second call keeps the array where R(x) is unchanged.
      const twice = sameAsScan(q, once, `SQ(SQ) ${what}`);
      if (lo !== 0 || hi !== 0) assert.equal(twice.mant, once.mant, `${what}: kept`);
    }
  // SQ(x, 8) clips at 127/128 R: its output's R(x) stays (91/128 > 1/sqrt(2) as well).
  const q = new ShiftQuantizer(8, where);
  const x = floatTensor([3], Float32Array.from([Math.SQRT2 - 2 ** -9, 0.3, -0.01]));
  const once = q.apply(x, ctx([]));
  assert.ok(once.kind === 'fixed' && once.exp === -7 && once.mantMax === 127);
  assert.equal(sameAsScan(q, once, 'SQ(SQ) below sqrt(2)').mant, once.mant);
  // SQ(x, 2) clips at R/2: R halves, so the second call requantizes.
  const q2 = new ShiftQuantizer(2, where);
  const o2 = q2.apply(floatTensor([2], Float32Array.from([1.4, 0.3])), ctx([]));
  assert.ok(o2.kind === 'fixed' && o2.exp === -1 && o2.mantMax === 1);
  const t2 = sameAsScan(q2, o2, 'SQ(SQ, 2)');
  assert.ok(t2.exp === -2 && t2.mant !== o2.mant);
});

test('flag Q_E2 reads a known max |x|; flag of its own output keeps the mantissas (same as the kernels)', () => {
  for (const k of [4, 8])
    for (const [i, [lo, hi]] of EXTREMES.entries()) {
      const q = new FlagQuantizer(k, where);
      for (const e of [-9, -2, 3]) {
        const v = values(50, 20 + i, e, lo, hi);
        const what = `k=${k} e=${e} [${lo}, ${hi}]`;
        const once = sameAsScan(q, known(floatTensor([50], v)), `float ${what}`);
        if (lo !== 0 || hi !== 0) assert.equal(once.flagK, k, `${what}: tagged`);
        const twice = sameAsScan(q, once, `flag(flag) ${what}`);
        if (twice.exp === once.exp && (lo !== 0 || hi !== 0))
          assert.equal(twice.mant, once.mant, `${what}: kept`);
        const m = Int32Array.from(v, (t) => Math.round(t * 2 ** (12 - e)));
        sameAsScan(q, known(fixedTensor([50], m, e - 12, 32)), `fixed ${what}`);
      }
    }
});

test('flag Q_E2 keeps no mantissas without the flag tag, nor where R(x) of its output moved', () => {
  const q = new FlagQuantizer(8, where);
  // Int16 mantissas at the flag grid's exponent that are not flag values (200 = 1.56 Sc).
  const m = Int16Array.from([200, -3, 128 * 100, 77]);
  const x = withMantMax(fixedTensor([4], m, -14, 16), 12800);
  const out = sameAsScan(q, x, 'untagged');
  assert.notEqual(out.mant, m);
  assert.deepEqual(Array.from(out.mant), [256, -3, 12800, 77]);
  // k = 2 clips at Sc = R/2: the output's R halves, so the second flag requantizes.
  const q2 = new FlagQuantizer(2, where);
  const once = q2.apply(floatTensor([2], Float32Array.from([1.4, 0.3])), ctx([]));
  assert.ok(once.kind === 'fixed' && once.exp === -2 && once.mantMax === 2);
  const twice = sameAsScan(q2, once, 'flag(flag, 2)');
  assert.ok(twice.exp === -3 && twice.mant !== once.mant);
});
