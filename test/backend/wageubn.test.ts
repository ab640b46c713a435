// SPDX-License-Identifier: MIT
// WAGEUBN's quantizers over whole tensors on every fast backend vs ref: the flag kernel
// (eq. 16), the symmetric clamp of quantize / requantize, minMax, and the four quantizers
// (direct, constant, shift, flag) end to end: same mantissas, exponents, widths and counts,
// and for the constant quantizer's stochastic rounding the same generator state afterwards.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { AnyArray, Kernels } from '../../src/kernels/spec.js';
import { flagQuantize } from '../../src/format/flag.js';
import { allocInt, type MantArray } from '../../src/tensor/dtype.js';
import { ROUNDINGS } from '../../src/quant/rounding.js';
import type { Quantizer, SiteContext, SiteRecord } from '../../src/quant/site.js';
import { createQuantizer } from '../../src/quant/registry.js';
import '../../src/quant/wageubn.js';
import { fixedTensor, floatTensor, type Tensor } from '../../src/tensor/tensor.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

const SIZES = [0, 1, 3, 4, 5, 17, 1003];

/** Floats over many binades around 2^e0, with exact flag boundaries, ties and bad values. */
function floats(n: number, seed: number, e0: number): Float64Array {
  const rng = seeded(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++)
    v[i] = (rng.nextFloat() * 2 - 1) * 2 ** (e0 + Math.floor(rng.nextFloat() * 16) - 10);
  const special = [1, -1, 127, -127.5, 200, 0.5 / 128, -1.5 / 128, 0, -0, 2 ** -60];
  for (let i = 0; i < Math.min(n, special.length); i++) v[i] = special[i] * 2 ** e0;
  return v;
}

function mantissaSources(n: number, seed: number): MantArray[] {
  const rng = seeded(seed);
  const out = [
    Int8Array.from(randInts(rng, n, -128, 127)),
    Int16Array.from(randInts(rng, n, -32768, 32767)),
    Int32Array.from(randInts(rng, n, -(2 ** 31), 2 ** 31 - 1)),
  ];
  // +-3 2^j: exact ties when shifted right by j + 1 bits (the stores wrap where it overflows)
  for (const m of out)
    for (let j = 0; j < 15 && 2 * j + 1 < n; j++) {
      m[2 * j] = 3 * 2 ** j;
      m[2 * j + 1] = -3 * 2 ** j;
    }
  return out;
}

for (const be of await fastBackends()) {
  describe(`WAGEUBN kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('flag_quantize: same mantissas and counts as ref for every source and output kind', () => {
      for (const n of SIZES)
        for (const kb of [2, 5, 8, 12]) {
          const f = floats(n, n + kb, 0);
          // NaN (stores 0), infinities (saturate), and small cases that round up to 2^(k-1),
          // beyond the large case's clamp
          const bad = [NaN, Infinity, -Infinity, 0.999, -0.999, 1 - 2 ** -20, 1 - 2 ** -(kb + 1)];
          for (let i = 0; i < bad.length && 10 + i < n; i++) f[10 + i] = bad[i];
          const sources: [AnyArray, number][] = [
            [f, 0],
            [Float32Array.from(f), 0],
            // xExp - scExp from 26 to -35: shifts either way past the 16 bits of a mantissa
            ...[-9, 6, -12, -14].flatMap((xExp) =>
              mantissaSources(n, 7 * n + kb).map((m): [AnyArray, number] => [m, xExp]),
            ),
          ];
          for (const [x, xExp] of sources)
            for (const scExp of [-20, -3, 0, 4, 21])
              for (const outBits of [2 * kb, 32]) {
                const what = `flag ${x.constructor.name} n=${n} k=${kb} scExp=${scExp} out ${outBits} bits`;
                const want = allocInt(outBits, n);
                const got = allocInt(outBits, n);
                const sw = refKernels.flag_quantize(x, xExp, scExp, kb, want);
                const sg = k.flag_quantize(x, xExp, scExp, kb, got);
                assertSameArray(got, want, what);
                assert.deepEqual(sg, sw, `${what}: counts`);
              }
        }
    });

    it('quantize / requantize with the symmetric clamp: same as ref, and never -2^(bits-1)', () => {
      const v = floats(517, 3, -2);
      for (const src of [v, Float32Array.from(v)])
        for (const bits of [2, 8, 16])
          for (const rounding of ROUNDINGS) {
            const what = `quantize symmetric ${src.constructor.name} bits=${bits} ${rounding}`;
            const r1 = seeded(bits);
            const r2 = seeded(bits);
            const want = allocInt(bits, src.length);
            const got = allocInt(bits, src.length);
            const sw = refKernels.quantize(src, -4, bits, rounding, r1, want, true);
            const sg = k.quantize(src, -4, bits, rounding, r2, got, true);
            assertSameArray(got, want, what);
            assert.deepEqual(sg, sw, `${what}: counts`);
            assert.deepEqual(r2.state(), r1.state(), `${what}: rng state`);
            assert.ok(!want.includes(-(2 ** (bits - 1))), `${what}: holds -2^(bits-1)`);
          }
      for (const m of mantissaSources(517, 11))
        for (const rounding of ROUNDINGS) {
          const what = `requantize symmetric ${m.constructor.name} ${rounding}`;
          const r1 = seeded(5);
          const r2 = seeded(5);
          const want = new Int8Array(m.length);
          const got = new Int8Array(m.length);
          const sw = refKernels.requantize(m, 0, 6, 8, rounding, r1, want, true);
          const sg = k.requantize(m, 0, 6, 8, rounding, r2, got, true);
          assertSameArray(got, want, what);
          assert.deepEqual(sg, sw, `${what}: counts`);
          assert.deepEqual(r2.state(), r1.state(), `${what}: rng state`);
          assert.ok(!want.includes(-128), `${what}: holds -128`);
        }
    });

    it('minMax: the range of the elements and 0, as ref; NaN and Infinity throw ref messages', () => {
      for (const n of SIZES) {
        const f = floats(n, 40 + n, 3);
        for (const x of [f, Float32Array.from(f), ...mantissaSources(n, n)])
          assert.deepEqual(k.minMax(x), refKernels.minMax(x), `${x.constructor.name} n=${n}`);
      }
      assert.deepEqual(k.minMax(Float32Array.of(3, 5)), [0, 5]);
      assert.deepEqual(k.minMax(Int16Array.of(-7, -2)), [-7, 0]);
      for (const bad of [Float32Array.of(1, NaN, 2, 3, 4), Float64Array.of(-Infinity, 1)]) {
        let msg = '';
        assert.throws(
          () => refKernels.minMax(bad),
          (e: Error) => ((msg = e.message), true),
        );
        assert.throws(
          () => k.minMax(bad),
          (e: Error) => e.message === msg,
        );
      }
    });

    it('the four WAGEUBN quantizers give the same tensors, counts and draws as on ref', () => {
      const specs = [
        { quantizer: 'wageubn-direct', bits: 8 },
        { quantizer: 'wageubn-direct', bits: 8, rounding: 'nearest-even' },
        { quantizer: 'wageubn-direct', bits: 16, clip: true },
        { quantizer: 'wageubn-direct', bits: 13, clip: true, rounding: 'nearest-even' },
        { quantizer: 'wageubn-constant', bits: 8, kGC: 15 },
        { quantizer: 'wageubn-constant', bits: 8, kGC: 15, drHalveAt: [1] },
        { quantizer: 'wageubn-shift', bits: 8 },
        { quantizer: 'wageubn-shift', bits: 16 },
        { quantizer: 'wageubn-flag', bits: 8 },
      ];
      const where = { layer: 'l', site: 'X', layerIndex: 0, layerCount: 1 };
      for (const spec of specs)
        for (const n of SIZES.filter((s) => s > 0))
          for (const [name, x] of inputs(n)) {
            const what = `${JSON.stringify(spec)} on ${name} n=${n}`;
            const run = (kern: Kernels) => {
              const q: Quantizer = createQuantizer(spec, where);
              const recs: SiteRecord[] = [];
              const rng = seeded(n);
              const ctx: SiteContext = {
                kernels: kern,
                rng,
                step: 3,
                epoch: 1,
                training: true,
                telemetry: { wantsValues: false, record: (r) => recs.push(r) },
              };
              const out = q.apply(x, ctx);
              if (out.kind !== 'fixed') throw new Error(`${what}: not fixed-point`);
              // copy: a workspace array is valid for this step only
              return { out, mant: Array.from(out.mant), rec: recs[0], rng: rng.state() };
            };
            const want = run(refKernels);
            const got = run(k);
            assertSameArray(got.mant, want.mant, what);
            assert.equal(got.out.exp, want.out.exp, `${what}: exponent`);
            assert.equal(got.out.bits, want.out.bits, `${what}: bits`);
            assert.equal(got.out.mant.constructor, want.out.mant.constructor, `${what}: dtype`);
            assert.deepEqual(got.rec, want.rec, `${what}: telemetry record`);
            assert.deepEqual(got.rng, want.rng, `${what}: generator state after`);
          }
    });
  });
}

/** Float and fixed-point tensors of n elements (int8, int16, int32 accumulator mantissas). */
function inputs(n: number): [string, Tensor][] {
  const f = floats(n, 100 + n, -6);
  const [m8, m16, m32] = mantissaSources(n, 200 + n);
  return [
    ['float', floatTensor([n], Float32Array.from(f))],
    ['int8', fixedTensor([n], m8, -7, 8)],
    ['int16', fixedTensor([n], m16, -20, 16)],
    ['int32', fixedTensor([n], m32, -40, 32)],
  ];
}

describe('flag_quantize (ref) is eq. 16 value by value', () => {
  it('equals flagQuantize of src/format/flag.ts at every element, counts included', () => {
    for (const kb of [2, 8, 12])
      for (const scExp of [-9, 0, 6]) {
        // |u| = |v| / Sc from 2^-(k+3) (underflow) to 2^(k+2) (clipping), ties included
        const rng = seeded(kb * 31 + scExp);
        const v = Float64Array.from({ length: 2000 }, (_, i) =>
          i % 50 === 0
            ? (i / 50 + 0.5) * 2 ** (scExp - kb + 1)
            : (rng.nextFloat() * 2 - 1) * 2 ** (scExp + rng.nextFloat() * (2 * kb + 5) - kb - 3),
        );
        const out = allocInt(2 * kb, v.length);
        const st = refKernels.flag_quantize(v, 0, scExp, kb, out);
        let sat = 0;
        let und = 0;
        v.forEach((x, i) => {
          const q = flagQuantize(x, scExp, kb);
          assert.equal(out[i], q.mant, `k=${kb} scExp=${scExp} x=${x}`);
          if (q.saturated) sat++;
          else if (q.mant === 0 && x !== 0) und++;
        });
        assert.deepEqual(st, { count: v.length, saturated: sat, underflow: und });
        assert.ok(sat > 0 && und > 0, 'the data reaches both clipping and underflow');
      }
  });
});
