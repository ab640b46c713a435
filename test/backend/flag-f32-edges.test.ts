// SPDX-License-Identifier: MIT
// flag_quantize of float32 values vs ref at the edges of the native AVX-512 float32 lanes
// (where the reference computes in float64): the two cases' ties (u = j + 1/2 in the large
// case, u 2^(k-1) = j + 1/2 in the small one) and their float32 neighbours, |u| just below and
// at 1, -1 < t < 0 with fraction bits far below 2^-24, products u = x 2^(xExp - scExp) that
// leave the normal float32 range (subnormal, flushed, infinite), NaN, +-Infinity, +-0, and
// scales and widths at and beyond the lanes' range (2^(xExp - scExp) outside [2^-126, 2^127],
// k > 13: the float64 lanes). Ragged lengths and tasks; 1 and 2 threads give the same bits.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import { allocInt } from '../../src/tensor/dtype.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, fastBackends, seeded } from './helpers.js';

const LENGTHS = [1, 37, 300, 5000, 2 * 65536 + 9];
/** [xExp, scExp]: u = x 2^(xExp - scExp). */
const EXPS: [number, number][] = [
  [0, 0],
  [0, -5],
  [-3, 4],
  [0, 126],
  [0, 127],
  [0, -127],
  [0, -128],
  [-100, 40],
  [60, -70],
];

/** The float32 x whose u is m (rounded to float32). */
const at = (m: number, c: number) => Math.fround(m * 2 ** -c);

function edges(c: number, kb: number): number[] {
  const half = 2 ** (kb - 1);
  const out = [0, -0, NaN, Infinity, -Infinity, 3e38, -3e38, 2 ** -149, -(2 ** -130), 2 ** -126];
  for (const j of [0, 1, 2, -1, -2, half - 2, half - 1, half, -half, 3 * half])
    for (const d of [0, 2 ** -20, -(2 ** -20), 2 ** -23])
      out.push(at(j + 0.5 + d, c), at((j + 0.5 + d) / half, c));
  for (const m of [1, -1, 1 - 2 ** -24, -(1 - 2 ** -24), -(2 ** -30), -(2 ** -25) / half, 2 ** -40])
    out.push(at(m, c));
  // t = u 2^(k-1) just below 1/2: t + 1/2 rounds up to 1 in float32, not in float64.
  for (const m of [0.5 - 2 ** -25, -(0.5 - 2 ** -25), 0.25 - 2 ** -26]) out.push(at(m / half, c));
  return out;
}

function values(n: number, c: number, kb: number, seed: number): Float32Array {
  const e = edges(c, kb);
  const rng = seeded(seed);
  const v = new Float32Array(n);
  // Every edge in turn (the next one at each slot not random), so short arrays hold them all.
  let j = 0;
  for (let i = 0; i < n; i++)
    v[i] =
      i % 3 === 2 && i > 3 * e.length
        ? at((rng.nextFloat() * 2 - 1) * 2 ** (Math.floor(rng.nextFloat() * 24) - 16), c)
        : e[j++ % e.length];
  return v;
}

for (const be of await fastBackends()) {
  describe(`flag_quantize float32 edges on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    const native = be.name.startsWith('native');
    const threads = native ? getNativeThreads() : 1;
    after(() => (native ? setNativeThreads(threads) : undefined));

    it('same mantissas and counts as ref, on 1 and 2 threads', async () => {
      for (const t of native ? [1, 2] : [1]) {
        if (native) await setNativeThreads(t);
        for (const n of LENGTHS)
          for (const [xExp, scExp] of EXPS)
            for (const kb of [2, 8, 13, 14]) {
              const x = values(n, xExp - scExp, kb, n + kb);
              for (const outBits of [2 * kb, 32]) {
                const what = `n=${n} xExp=${xExp} scExp=${scExp} k=${kb} out ${outBits} bits threads=${t}`;
                const want = allocInt(outBits, n);
                const got = allocInt(outBits, n);
                const sw = refKernels.flag_quantize(x, xExp, scExp, kb, want);
                const sg = k.flag_quantize(x, xExp, scExp, kb, got);
                assertSameArray(got, want, what);
                assert.deepEqual(sg, sw, `${what}: counts`);
              }
            }
      }
    });
  });
}
