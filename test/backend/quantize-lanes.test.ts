// SPDX-License-Identifier: MIT
// quantize / requantize on every fast backend vs ref at lengths around the native AVX-512
// quantizers' blocks: 16 generator lanes 4096 draws apart (rng-jump.h) and tasks of 65536
// elements, so lanes and tasks end full, one short or one over, and a task ends inside a
// lane; below three such lanes' worth (12288), lanes 256 draws apart in tasks of 4096; below
// 768 one scalar generator. Stochastic rounding must still give element i draw i: the same
// mantissas, counts and generator state afterwards as the reference's one scalar stream.
// maxAbs and minMax, split over tasks the same way, must combine their tasks' extremes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import { allocInt, type MantArray } from '../../src/tensor/dtype.js';
import type { Rounding } from '../../src/quant/rounding.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

const LENGTHS = [
  767,
  768,
  1000,
  4096,
  8192,
  3 * 4096 - 1,
  3 * 4096,
  4095,
  4097,
  3 * 4096 + 1,
  16 * 4096,
  16 * 4096 + 1,
  2 * 65536 + 3 * 4096 + 17,
  200000,
];
const ROUNDINGS: Rounding[] = ['stochastic', 'nearest', 'floor'];

/** Values with fractional parts at exponent -4, some saturating, some zero. */
function values(n: number, seed: number): Float32Array {
  const rng = seeded(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++)
    v[i] =
      i % 97 === 0 ? 0 : (rng.nextFloat() * 2 - 1) * 2 ** (Math.floor(rng.nextFloat() * 12) - 8);
  return v;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

for (const be of await fastBackends()) {
  describe(`quantization lanes and tasks on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('quantize: same mantissas, counts and rng state as ref', () => {
      for (const n of LENGTHS) {
        const v32 = values(n, n);
        for (const src of [v32, Float64Array.from(v32)])
          for (const bits of [8, 16])
            for (const rounding of ROUNDINGS) {
              const what = `quantize n=${n} ${src.constructor.name} bits=${bits} ${rounding}`;
              const r1 = seeded(n + bits);
              const r2 = seeded(n + bits);
              const want = allocInt(bits, n);
              const got = allocInt(bits, n);
              const sw = refKernels.quantize(src, -4, bits, rounding, r1, want, bits === 16);
              const sg = k.quantize(src, -4, bits, rounding, r2, got, bits === 16);
              assertSameArray(got, want, what);
              assert.deepEqual(sg, sw, `${what}: stats`);
              assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
            }
      }
    });

    it('maxAbs and minMax over several tasks: same results, and the same error for NaN / Infinity', () => {
      const n = 200000;
      const v = values(n, 5);
      const sources = [v, Float64Array.from(v), Int32Array.from(v, (x) => Math.round(x * 2 ** 20))];
      for (const x of sources) {
        assert.equal(k.maxAbs(x), refKernels.maxAbs(x), `maxAbs ${x.constructor.name}`);
        assert.deepEqual(k.minMax(x), refKernels.minMax(x), `minMax ${x.constructor.name}`);
      }
      for (const bad of [NaN, -Infinity]) {
        const x = v.slice();
        x[n - 5] = bad; // in the last task
        assert.throws(() => refKernels.maxAbs(x), RangeError);
        assert.throws(
          () => k.maxAbs(x),
          (e: Error) => e.message === errorOf(() => refKernels.maxAbs(x)),
        );
        assert.throws(
          () => k.minMax(x),
          (e: Error) => e.message === errorOf(() => refKernels.minMax(x)),
        );
      }
    });

    it('requantize: same mantissas, counts and rng state as ref', () => {
      for (const n of LENGTHS) {
        const sources: MantArray[] = [
          Int32Array.from(randInts(seeded(n + 4), n, -(2 ** 31), 2 ** 31 - 1)),
          Int16Array.from(randInts(seeded(n + 3), n, -32768, 32767)),
        ];
        for (const m of sources)
          for (const shift of [-1, 1, 9, 27, 30])
            for (const rounding of ROUNDINGS) {
              const what = `requantize n=${n} ${m.constructor.name} shift=${shift} ${rounding}`;
              const r1 = seeded(n + shift);
              const r2 = seeded(n + shift);
              const want = new Int8Array(n);
              const got = new Int8Array(n);
              const sw = refKernels.requantize(m, 0, shift, 8, rounding, r1, want);
              const sg = k.requantize(m, 0, shift, 8, rounding, r2, got);
              assertSameArray(got, want, what);
              assert.deepEqual(sg, sw, `${what}: stats`);
              assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
            }
      }
    });
  });
}
