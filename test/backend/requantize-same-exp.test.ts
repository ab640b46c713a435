// SPDX-License-Identifier: MIT
// requantize with no shift (toExp = fromExp: an int8 activation after ReLU at a dfp<8> site that
// picks its exponent again) vs ref on every fast backend: int8, int16 and int32 mantissas to
// int8 and int16, every rounding (stochastic still takes one draw per element), symmetric or
// not (-128 saturates then), values beyond the output range saturating; lengths empty, ragged
// after 16-lane blocks, around the 4096-draw generator lanes and across 65536-element tasks.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { IntArray, MantArray } from '../../src/tensor/dtype.js';
import type { Rounding } from '../../src/quant/rounding.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

const LENGTHS = [0, 1, 17, 4097, 3 * 4096 + 1, 2 * 65536 + 3 * 4096 + 17];
const ROUNDINGS: Rounding[] = ['stochastic', 'nearest', 'nearest-even', 'floor'];

for (const be of await fastBackends()) {
  describe(`requantize without a shift on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    it('same mantissas, counts and rng state as ref', () => {
      for (const n of LENGTHS) {
        const sources: MantArray[] = [
          Int8Array.from(randInts(seeded(n + 1), n, -128, 127)),
          Int16Array.from(randInts(seeded(n + 2), n, -32768, 32767)),
          Int32Array.from(randInts(seeded(n + 3), n, -(2 ** 31), 2 ** 31 - 1)),
          Int32Array.from(randInts(seeded(n + 4), n, -200, 200)),
        ];
        for (const m of sources)
          for (const [bits, Out] of [
            [8, Int8Array],
            [16, Int16Array],
            [6, Int8Array],
          ] as const)
            for (const sym of [false, true])
              for (const rounding of ROUNDINGS) {
                const what = `n=${n} ${m.constructor.name} -> ${bits} bits sym=${sym} ${rounding}`;
                const [r1, r2] = [seeded(n + bits), seeded(n + bits)];
                const [want, got]: IntArray[] = [new Out(n), new Out(n)];
                const sw = refKernels.requantize(m, -3, -3, bits, rounding, r1, want, sym);
                const sg = k.requantize(m, -3, -3, bits, rounding, r2, got, sym);
                assertSameArray(got, want, what);
                assert.deepEqual(sg, sw, `${what}: stats`);
                assert.deepEqual(r2.state(), r1.state(), `${what}: rng state after the call`);
              }
      }
    });
  });
}
