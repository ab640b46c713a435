// SPDX-License-Identifier: MIT
// quantize / requantize on every fast backend vs ref at the lengths SIMD loops get wrong: every
// length 0..9 (under one vector, where stochastic rounding's draws all come from the tail) and
// lengths leaving tails of 1, 2 and 3 after 4-, 8- and 16-lane blocks, for every rounding mode,
// every source kind and every mantissa storage type: the same mantissas, the same counts, and
// the same generator state afterwards (one draw per element, in index order).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import { allocInt, type MantArray } from '../../src/tensor/dtype.js';
import { ROUNDINGS } from '../../src/quant/rounding.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 18, 19, 33, 34, 35, 65, 66, 67];
/** Output widths: int8, int16 and int32 mantissa arrays. */
const BITS = [3, 8, 12, 16, 24, 32];

/** Values with fractional parts at exponent -4 (so every rounding mode differs), a few huge. */
function values(n: number, seed: number): Float64Array {
  const rng = seeded(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++)
    v[i] = (rng.nextFloat() * 2 - 1) * 2 ** (Math.floor(rng.nextFloat() * 20) - 8);
  return v;
}

for (const be of await fastBackends()) {
  describe(`quantization tails on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('quantize: lengths 0..9 and tails 1-3: same mantissas, counts and rng state', () => {
      for (const n of LENGTHS) {
        const v64 = values(n, n + 1);
        for (const src of [v64, Float32Array.from(v64)])
          for (const bits of BITS)
            for (const rounding of ROUNDINGS) {
              const sym = bits % 8 !== 0; // the symmetric clamp on the 3-, 12- and 24-bit widths
              const what = `quantize n=${n} ${src.constructor.name} bits=${bits} ${rounding} symmetric=${sym}`;
              const r1 = seeded(17 * n + bits);
              const r2 = seeded(17 * n + bits);
              const want = allocInt(bits, n);
              const got = allocInt(bits, n);
              const sw = refKernels.quantize(src, -4, bits, rounding, r1, want, sym);
              const sg = k.quantize(src, -4, bits, rounding, r2, got, sym);
              assertSameArray(got, want, what);
              assert.deepEqual(sg, sw, `${what}: stats`);
              assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
            }
      }
    });

    it('requantize: lengths 0..9 and tails 1-3, every source kind: same results', () => {
      for (const n of LENGTHS) {
        const sources: MantArray[] = [
          Int8Array.from(randInts(seeded(n + 2), n, -128, 127)),
          Int16Array.from(randInts(seeded(n + 3), n, -32768, 32767)),
          Int32Array.from(randInts(seeded(n + 4), n, -(2 ** 31), 2 ** 31 - 1)),
          Float64Array.from(randInts(seeded(n + 5), n, -(2 ** 40), 2 ** 40)),
        ];
        for (const m of sources)
          for (const shift of [-2, 0, 3, 9])
            for (const bits of BITS)
              for (const rounding of ROUNDINGS) {
                const sym = (shift & 1) === 1; // symmetric range [-(2^(b-1)-1), ..] on odd shifts
                const what = `requantize n=${n} ${m.constructor.name} shift=${shift} bits=${bits} ${rounding} symmetric=${sym}`;
                const r1 = seeded(31 * n + bits + shift);
                const r2 = seeded(31 * n + bits + shift);
                const want = allocInt(bits, n);
                const got = allocInt(bits, n);
                const sw = refKernels.requantize(m, 0, shift, bits, rounding, r1, want, sym);
                const sg = k.requantize(m, 0, shift, bits, rounding, r2, got, sym);
                assertSameArray(got, want, what);
                assert.deepEqual(sg, sw, `${what}: stats`);
                assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
              }
      }
    });
  });
}
