// SPDX-License-Identifier: MIT
// The native integer GEMM's AVX2 packers write exactly the bytes of the portable packer
// (native/src/pack.h layouts) on ragged panels: both source layouts (rows contiguous in k, and
// k-major), int8 and int16, int16 pairs (G = 2) with the limb modes, and the AVX-512 VNNI byte
// groups (G = 4) with the a + 128 offset and B's column sums, which this CPU may not run
// otherwise. Each failure names the case and the first differing byte.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAddon, nativeIsas } from '../../src/kernels/native/index.js';
import { randInts, seeded } from './helpers.js';

const addon = nativeAddon();
const skip = !addon
  ? 'the native addon is not available'
  : !nativeIsas().includes('avx2')
    ? 'this CPU has no AVX2'
    : false;

// pack.h PackMode
const PLAIN = 0;
const HI = 1;
const LO = 2;
const U8 = 3;

interface Case {
  operand: 'A' | 'B';
  G: 2 | 4;
  mode: number;
  width: number;
  bytes: 1 | 2;
  kMajor: boolean;
  rows: number;
  k0: number;
  kc: number;
}

/** The cases the microkernel tables use (A: 4 or 8 rows, B: 24 or 32 columns), ragged. */
function* cases(): Generator<Case> {
  const depths = [1, 2, 3, 4, 7, 15, 16, 17, 31, 32, 33, 64, 100];
  for (const kMajor of [false, true])
    for (const kc of depths)
      for (const k0 of [0, 5]) {
        for (const bytes of [1, 2] as const) {
          for (const mode of bytes === 2 ? [PLAIN, HI, LO] : [PLAIN])
            for (const rows of [4, 3])
              yield { operand: 'A', G: 2, mode, width: 4, bytes, kMajor, rows, k0, kc };
          for (const rows of [24, 23, 9])
            yield { operand: 'B', G: 2, mode: PLAIN, width: 24, bytes, kMajor, rows, k0, kc };
        }
        for (const rows of [8, 5])
          yield { operand: 'A', G: 4, mode: U8, width: 8, bytes: 1, kMajor, rows, k0, kc };
        for (const rows of [32, 31, 17])
          yield { operand: 'B', G: 4, mode: PLAIN, width: 32, bytes: 1, kMajor, rows, k0, kc };
      }
}

describe('native packers (avx2 vs portable)', { skip }, () => {
  it('write the same panel bytes and column sums on ragged panels', () => {
    const a = addon!;
    let seed = 1;
    let n = 0;
    for (const c of cases()) {
      // A source matrix of `rows + 3` rows by `k0 + kc + 2` depth, in the case's layout.
      const R = c.rows + 3;
      const Kd = c.k0 + c.kc + 2;
      const ld = c.kMajor ? R : Kd;
      const hi = c.bytes === 1 ? 127 : 32767;
      const src = (c.bytes === 1 ? Int8Array : Int16Array).from(
        randInts(seeded(seed++), R * Kd, -hi - 1, hi),
      );
      const groups = Math.ceil(c.kc / c.G);
      const out = (): Uint8Array => new Uint8Array(groups * c.width * 4).fill(0xa5);
      const got = out();
      const want = out();
      const sums = c.operand === 'B' && c.G === 4;
      const gotSum = sums ? new Int32Array(c.width).fill(7) : null;
      const wantSum = sums ? new Int32Array(c.width).fill(7) : null;
      const args = [
        c.operand,
        c.G,
        c.mode,
        c.width,
        src,
        c.kMajor,
        ld,
        2,
        c.rows,
        c.k0,
        c.kc,
      ] as const;
      a.packPanel('avx2', ...args, got, gotSum);
      a.packPanel('portable', ...args, want, wantSum);
      const what = JSON.stringify(c);
      const i = got.findIndex((v, j) => v !== want[j]);
      assert.equal(i, -1, `${what}: byte ${i}: got ${got[i]}, want ${want[i]}`);
      if (sums) assert.deepEqual(gotSum, wantSum, `${what}: column sums`);
      n++;
    }
    assert.ok(n > 500, `${n} cases`);
  });
});
