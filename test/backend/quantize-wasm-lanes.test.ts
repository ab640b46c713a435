// SPDX-License-Identifier: MIT
// The WASM quantize's float32 lanes (blocks of 16 elements for nearest, nearest-even and floor)
// and its four stochastic generator lanes (quarters of the first 16 floor(n / 16) elements,
// the rest from where lane 3 ends) vs ref: lengths around 16-element blocks, empty arrays,
// ties, saturation, NaN, +-Infinity, -0 and products below 2^-126, at scales >= 1 (float32
// lanes) and < 1 (float64 pairs), on 1 and 2 threads (per-thread generator slots).

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import { loadWasmKernels, getThreads, setThreads } from '../../src/kernels/wasm/index.js';
import { allocInt } from '../../src/tensor/dtype.js';
import { ROUNDINGS } from '../../src/quant/rounding.js';
import { assertSameArray, seeded } from './helpers.js';

const LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 1000, 4099];
const EXPS = [-5, 0, 3];

/** Values with every edge early (so short arrays hold them) then random ones. */
function values(n: number, exp: number, seed: number): Float32Array {
  const s = 2 ** exp;
  const edges = [0, -0, NaN, Infinity, -Infinity, 2 ** -149, -(2 ** -149), 3e38, -3e38];
  for (const m of [0.5, -0.5, 1.5, -1.5, 2.5, -127.5, 127.5, -128.5, 128, -129, 32767.5, -40000])
    edges.push(m * s, Math.fround(m * s * (1 + 2 ** -22)), Math.fround(m * s * (1 - 2 ** -22)));
  for (const m of [-(2 ** -30), -(0.5 - 2 ** -25), -(1 - 2 ** -24), 2 ** -40])
    edges.push(Math.fround(m * s));
  const rng = seeded(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++)
    v[i] =
      (i * 7) % 3 === 0 && i / 3 < edges.length
        ? edges[Math.floor(i / 3)]
        : (rng.nextFloat() * 2 - 1) * 200 * s;
  return v;
}

const k = await loadWasmKernels();

describe('wasm quantize lanes', { skip: k ? false : 'no WebAssembly SIMD128' }, () => {
  const threads = getThreads();
  after(() => setThreads(threads));

  it('same mantissas, counts and rng state as ref around 16-element blocks', async () => {
    await setThreads(1);
    for (const n of LENGTHS)
      for (const exp of EXPS) {
        const v = values(n, exp, n + exp);
        for (const bits of [8, 16])
          for (const rounding of ROUNDINGS) {
            const what = `n=${n} exp=${exp} bits=${bits} ${rounding}`;
            const r1 = seeded(n * 3 + bits);
            const r2 = seeded(n * 3 + bits);
            const want = allocInt(bits, n);
            const got = allocInt(bits, n);
            const sw = refKernels.quantize(v, exp, bits, rounding, r1, want, bits === 16);
            const sg = k!.quantize(v, exp, bits, rounding, r2, got, bits === 16);
            assertSameArray(got, want, what);
            assert.deepEqual(sg, sw, `${what}: stats`);
            assert.deepEqual(r2.state(), r1.state(), `${what}: rng state`);
          }
      }
  });

  it('stochastic on 2 threads: each range its own generator lanes, same bits as ref', async () => {
    await setThreads(2);
    const n = 2 * 65536 + 4 * 16 + 9;
    for (const exp of [-5, 3]) {
      const v = values(n, exp, exp);
      for (let rep = 0; rep < 4; rep++) {
        const r1 = seeded(rep);
        const r2 = seeded(rep);
        const want = allocInt(8, n);
        const got = allocInt(8, n);
        const sw = refKernels.quantize(v, exp, 8, 'stochastic', r1, want);
        const sg = k!.quantize(v, exp, 8, 'stochastic', r2, got);
        assertSameArray(got, want, `exp=${exp} rep=${rep}`);
        assert.deepEqual(sg, sw, `exp=${exp} rep=${rep}: stats`);
        assert.deepEqual(r2.state(), r1.state(), `exp=${exp} rep=${rep}: rng state`);
      }
    }
  });
});
