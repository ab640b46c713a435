// SPDX-License-Identifier: MIT
// Max pooling forward/backward and column sums on every fast backend vs ref: bit-exact over
// every storage type, windows and strides (2x2 SIMD path and the general loop, ragged widths),
// ties, and floats with -0 and NaN.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyArray } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { pooledSize } from '../../src/kernels/ref/pool.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

type Ctor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;
const CTORS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];
// [NC, H, W, K, S]: 2x2 with widths that leave SIMD tails and odd edges, overlapping windows.
const GEOMS = [
  [1, 2, 2, 2, 2],
  [3, 8, 8, 2, 2],
  [2, 6, 18, 2, 2],
  [4, 7, 11, 2, 2],
  [2, 6, 70, 2, 2], // 16-window blocks and a tail of 3
  [1, 5, 33, 2, 2], // one full block, odd edges
  [2, 9, 9, 3, 2],
  [1, 5, 7, 3, 3],
  [2, 6, 6, 2, 1],
];

/** Small values so ties are common; floats get -0 and NaN mixed in. */
function filled(ctor: Ctor, n: number, seed: number): AnyArray {
  const v = randInts(seeded(seed), n, -6, 6);
  if (ctor === Float32Array || ctor === Float64Array) {
    const f = ctor.from(v.map((x) => x / 4));
    for (let i = 5; i < n; i += 23) f[i] = -0;
    for (let i = 11; i < n; i += 37) f[i] = NaN;
    return f;
  }
  return ctor.from(v);
}

function bits(a: AnyArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

for (const be of await fastBackends()) {
  describe(`pooling kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('maxpool forward and backward equal ref bit for bit', () => {
      let seed = 1;
      for (const [NC, H, W, K, S] of GEOMS)
        for (const C of CTORS) {
          const n = NC * pooledSize(H, K, S) * pooledSize(W, K, S);
          const x = filled(C, NC * H * W, seed++);
          const [yr, yw] = [new C(n), new C(n)];
          const [ar, aw] = [new Uint8Array(n), new Uint8Array(n)];
          refKernels.maxpool(x, NC, H, W, K, S, yr, ar);
          k.maxpool(x, NC, H, W, K, S, yw, aw);
          const what = `${C.name} NC${NC} ${H}x${W} k${K} s${S}`;
          assertSameArray(bits(yw), bits(yr), `maxpool y ${what}`);
          assertSameArray(aw, ar, `maxpool arg ${what}`);
          const dy = filled(C, n, seed++);
          const [dr, dw] = [new C(NC * H * W), new C(NC * H * W)];
          dw.fill(7); // the kernel must zero it
          refKernels.maxpool_backward(dy, ar, NC, H, W, K, S, dr);
          k.maxpool_backward(dy, ar, NC, H, W, K, S, dw);
          assertSameArray(bits(dw), bits(dr), `maxpool_backward ${what}`);
        }
    });

    it('maxpool picks the first maximum of a window and routes the error there', () => {
      const x = Int32Array.from([1, 5, 5, 2, 0, 0, 0, 0]); // (1, 2, 4): windows [1 5 0 0], [5 2 0 0]
      const y = new Int32Array(2);
      const arg = new Uint8Array(2);
      k.maxpool(x, 1, 2, 4, 2, 2, y, arg);
      assert.deepEqual([...y, ...arg], [5, 5, 1, 0]);
      const dx = new Int32Array(8);
      k.maxpool_backward(Int32Array.from([3, 4]), arg, 1, 2, 4, 2, 2, dx);
      assert.deepEqual(Array.from(dx), [0, 3, 4, 0, 0, 0, 0, 0]);
    });

    it('col_sums equals ref (exact on integers, same float64 order on floats)', () => {
      let seed = 500;
      for (const [N, C, R] of [
        [1, 1, 1],
        [4, 3, 7],
        [64, 6, 17],
        [3, 10, 1],
      ])
        for (const T of CTORS) {
          const e = filled(T, N * C * R, seed++);
          const [sr, sw] = [new Float64Array(C), new Float64Array(C)];
          refKernels.col_sums(e, N, C, R, sr);
          k.col_sums(e, N, C, R, sw);
          assertSameArray(sw, sr, `col_sums ${T.name} (${N},${C},${R})`);
        }
      const out = new Float64Array(2);
      refKernels.col_sums(Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 2, 2, 2, out); // n=0: [1 2][3 4]
      assert.deepEqual(Array.from(out), [1 + 2 + 5 + 6, 3 + 4 + 7 + 8]);
    });
  });
}
