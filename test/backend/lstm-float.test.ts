// SPDX-License-Identifier: MIT
// The float-path LSTM step (lstm_fwd_float) and its backward (lstm_bwd_float) on every fast
// backend vs ref, bit for bit (-0 included): ragged N and H, carried rows, pre-activations
// from small to far past saturation, a cell state large enough that tanh(c) saturates.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels, LstmStep } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { fastBackends, randInts, seeded } from './helpers.js';
import type { Rng } from '../../src/quant/rng.js';

const NS = [1, 2, 3, 4, 5];
const HS = [1, 3, 7, 16, 33];

/** float32 bits equal, element by element (NaN equals NaN, -0 differs from 0). */
function assertSameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < w.length; i++)
    if (g[i] !== w[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i])))
      assert.fail(`${what}: index ${i}: got ${got[i]} (0x${g[i].toString(16)}), want ${want[i]}`);
}

/** Values of mixed scale: mostly within +-4, some to +-60, a few to +-1e4 and +-1e30. */
function vals(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.nextFloat();
    const m = u < 0.8 ? 4 : u < 0.95 ? 60 : u < 0.99 ? 1e4 : 1e30;
    out[i] = (rng.nextFloat() * 2 - 1) * m * scale;
  }
  if (n > 2) out[1] = -0;
  return out;
}

/** Uniform in [lo, hi). */
function uni(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.nextFloat());
}

const lensFor = (rng: Rng, N: number, T: number): Int32Array =>
  Int32Array.from(randInts(rng, N, 0, T));

function runFwd(k: Kernels, s: LstmStep, a: Record<string, Float32Array>) {
  const { N, H } = s;
  const o = {
    act: new Float32Array(N * 4 * H).fill(7),
    tc: new Float32Array(N * H).fill(7),
    h: new Float32Array(N * H).fill(7),
    c: new Float32Array(N * H).fill(7),
  };
  k.lstm_fwd_float(s, a.gx, a.gh, a.bias, a.hPrev, a.cPrev, o.act, o.tc, o.h, o.c);
  return o;
}

function runBwd(
  k: Kernels,
  s: LstmStep,
  a: Record<string, Float32Array>,
  dhp: Float32Array | null,
  ey: Float32Array | null,
) {
  const o = { dh: a.dh.slice(), dc: a.dc.slice(), dz: new Float32Array(a.act.length).fill(7) };
  k.lstm_bwd_float(s, dhp, ey, a.act, a.tc, a.cPrev, o.dh, o.dc, o.dz);
  return o;
}

for (const be of await fastBackends()) {
  describe(`float LSTM kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('lstm_fwd_float equals ref (ragged N and H, carried rows, large inputs)', () => {
      let seed = 1;
      for (const N of [...NS, 32])
        for (const H of N === 32 ? [64] : HS) {
          const rng = seeded(seed++);
          const G = 4 * N * H;
          const a = {
            gx: vals(rng, G),
            gh: vals(rng, G),
            bias: vals(rng, 4 * H, 0.5),
            hPrev: uni(rng, N * H, -1, 1),
            cPrev: vals(rng, N * H, 2),
          };
          for (const lens of [null, lensFor(rng, N, 6)]) {
            const s = { N, H, t: 3, lens };
            const want = runFwd(refKernels, s, a);
            const got = runFwd(k, s, a);
            const what = `N=${N} H=${H} lens=${lens ? lens.join(',') : 'none'}`;
            for (const key of ['act', 'tc', 'h', 'c'] as const)
              assertSameBits(got[key], want[key], `${key} ${what}`);
            if (lens)
              for (let n = 0; n < N; n++)
                if (lens[n] <= 3)
                  assert.deepEqual(
                    got.h.subarray(n * H, (n + 1) * H),
                    a.hPrev.subarray(n * H, (n + 1) * H),
                    `carried row ${n} keeps h`,
                  );
          }
        }
    });

    it('the same bits on 2 threads (rows split into tasks)', async () => {
      if (!k.setThreads) return;
      const [N, H] = [70, 40]; // native: 51 rows per task, so two tasks
      const rng = seeded(55);
      const G = 4 * N * H;
      const a = {
        gx: vals(rng, G),
        gh: vals(rng, G),
        bias: vals(rng, 4 * H, 0.5),
        hPrev: uni(rng, N * H, -1, 1),
        cPrev: vals(rng, N * H, 2),
      };
      const s = { N, H, t: 2, lens: lensFor(rng, N, 4) };
      const want = runFwd(refKernels, s, a);
      const b = {
        act: want.act,
        tc: want.tc,
        cPrev: a.cPrev,
        dh: vals(rng, N * H, 0.01),
        dc: vals(rng, N * H, 0.01),
      };
      const [dhp, ey] = [vals(rng, N * H, 0.01), vals(rng, N * H, 0.01)];
      const wantB = runBwd(refKernels, s, b, dhp, ey);
      await k.setThreads(2);
      try {
        const got = runFwd(k, s, a);
        for (const key of ['act', 'tc', 'h', 'c'] as const)
          assertSameBits(got[key], want[key], `${key} at 2 threads`);
        const gotB = runBwd(k, s, b, dhp, ey);
        for (const key of ['dh', 'dc', 'dz'] as const)
          assertSameBits(gotB[key], wantB[key], `${key} at 2 threads`);
      } finally {
        await k.setThreads(1);
      }
    });

    it('lstm_bwd_float equals ref (with and without dhp and ey, carried rows)', () => {
      let seed = 100;
      for (const N of [...NS, 32])
        for (const H of N === 32 ? [64] : HS)
          for (const [hasDhp, hasEy] of [
            [false, true],
            [true, false],
            [true, true],
            [false, false],
          ]) {
            const rng = seeded(seed++);
            const nh = N * H;
            const act = new Float32Array(4 * nh);
            for (let n = 0; n < N; n++)
              for (let q = 0; q < 4; q++)
                act.set(q === 2 ? uni(rng, H, -1, 1) : uni(rng, H, 0, 1), n * 4 * H + q * H);
            const a = {
              act,
              tc: uni(rng, nh, -1, 1),
              cPrev: vals(rng, nh, 2),
              dh: vals(rng, nh, 0.01),
              dc: vals(rng, nh, 0.01),
            };
            const dhp = hasDhp ? vals(rng, nh, 0.01) : null;
            const ey = hasEy ? vals(rng, nh, 0.01) : null;
            for (const lens of [null, lensFor(rng, N, 6)])
              for (const t of [2, 5]) {
                const s = { N, H, t, lens };
                const want = runBwd(refKernels, s, a, dhp, ey);
                const got = runBwd(k, s, a, dhp, ey);
                const what = `N=${N} H=${H} t=${t} dhp=${hasDhp} ey=${hasEy} lens=${!!lens}`;
                for (const key of ['dh', 'dc', 'dz'] as const)
                  assertSameBits(got[key], want[key], `${key} ${what}`);
              }
          }
    });
  });
}
