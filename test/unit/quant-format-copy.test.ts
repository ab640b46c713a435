// SPDX-License-Identifier: MIT
// A format site whose requantization cannot change a mantissa (the same exponent, a storage
// type within the format's range, a rounding without draws) copies the mantissas instead of
// calling the kernel: the output, the exponent and the telemetry counts must equal the kernel
// route's. Stochastic rounding still calls the kernel (it draws one word per element even on
// an exact shift), and so do a narrower format and another exponent.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { Kernels } from '../../src/kernels/spec.js';
import { parseFormat } from '../../src/format/format.js';
import { FormatQuantizer } from '../../src/quant/format-quantizer.js';
import { makeRng } from '../../src/quant/rng.js';
import type { SiteContext, TelemetrySink } from '../../src/quant/site.js';
import { fixedTensor, type FixedTensor } from '../../src/tensor/tensor.js';
import type { Rounding } from '../../src/quant/rounding.js';

/** ref kernels counting requantize calls. */
function counting(): { k: Kernels; calls: () => number } {
  let n = 0;
  const k: Kernels = {
    ...refKernels,
    requantize: (...a: Parameters<Kernels['requantize']>) => {
      n++;
      return refKernels.requantize(...a);
    },
  };
  return { k, calls: () => n };
}

function run(k: Kernels, x: FixedTensor, format: string, rounding: Rounding) {
  const records: Record<string, unknown>[] = [];
  const telemetry = { record: (r: Record<string, unknown>) => records.push(r) };
  const ctx: SiteContext = {
    kernels: k,
    rng: makeRng(7),
    step: 0,
    epoch: 0,
    training: true,
    telemetry: telemetry as unknown as TelemetrySink,
  };
  const q = new FormatQuantizer(parseFormat(format), rounding, {
    layer: 'l',
    site: 'E1',
    layerIndex: 0,
    layerCount: 1,
  });
  const out = q.apply(x, ctx);
  assert.equal(out.kind, 'fixed');
  return { out: out as FixedTensor, record: records[0] };
}

const mant = Int8Array.from([127, -127, 0, 5, -3, 64, 1, -1]);
// max |x| = 127 * 2^-7: dfp<8> picks exponent -7 again.
const x = fixedTensor([8], mant, -7, 8);

describe('format site: an unchanged requantization is a copy', () => {
  it('dfp<8> nearest after dfp<8> at the same exponent: no kernel call, same result', () => {
    const c = counting();
    const got = run(c.k, x, 'dfp<8>', 'nearest');
    assert.equal(c.calls(), 0);
    assert.equal(got.out.exp, -7);
    assert.deepEqual([...got.out.mant], [...mant]);
    assert.notEqual(got.out.mant, mant, 'a copy, not the input array');
    // The kernel route's values and counts, forced by a wider source type.
    const wide = fixedTensor([8], Int16Array.from(mant), -7, 8);
    const ref = run(refKernels, wide, 'dfp<8>', 'nearest');
    assert.deepEqual([...got.out.mant], [...ref.out.mant]);
    for (const f of ['exp', 'bits', 'count', 'saturated', 'underflow'])
      assert.equal(got.record[f], ref.record[f], f);
  });
  it('another exponent calls the kernel (int8 into dfp<16>)', () => {
    const c = counting();
    const got = run(c.k, x, 'dfp<16>', 'nearest');
    // dfp<16> picks a finer exponent: the kernel shifts.
    assert.ok(got.out.exp < -7);
    assert.equal(c.calls(), 1);
  });
  it('int8 into a wider format at the same exponent (fixed<16,7>): a copy', () => {
    const c = counting();
    const got = run(c.k, x, 'fixed<16,7>', 'nearest');
    assert.equal(c.calls(), 0);
    assert.ok(got.out.mant instanceof Int16Array);
    assert.deepEqual([...got.out.mant], [...mant]);
  });
  it('stochastic rounding and a narrower format still call the kernel', () => {
    const c = counting();
    run(c.k, x, 'dfp<8>', 'stochastic');
    assert.equal(c.calls(), 1);
    const x16 = fixedTensor([8], Int16Array.from(mant), -7, 16);
    run(c.k, x16, 'dfp<8>', 'nearest');
    assert.equal(c.calls(), 2);
  });
});
