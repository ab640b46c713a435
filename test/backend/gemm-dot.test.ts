// SPDX-License-Identifier: MIT
// The dot-product path of integer GEMM (A row-major x B transposed, few outputs, depth >= 1024:
// the weight gradients) on every fast backend vs ref: bit-exact over ragged M and N (tiles of
// 2 x 4), depths with and without a tail of 8, int8/int16 mixes, accumulate, full-range values
// (int32 sums wrap like a store), and resident operands.

import { describe, it } from 'node:test';
import type { GemmShape } from '../../src/kernels/spec.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

type IntCtor = Int8ArrayConstructor | Int16ArrayConstructor;

function fill(ctor: IntCtor, n: number, seed: number): IntArray {
  const hi = ctor === Int8Array ? 127 : 32767;
  return ctor.from(randInts(seeded(seed), n, -hi - 1, hi));
}

for (const be of await fastBackends()) {
  describe(`gemm_int dot path on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('A x B^T over long depths equals ref bit for bit', () => {
      let seed = 1;
      const types: [IntCtor, IntCtor][] = [
        [Int8Array, Int8Array],
        [Int16Array, Int8Array],
        [Int8Array, Int16Array],
        [Int16Array, Int16Array],
      ];
      for (const [M, N, K] of [
        [1, 1, 1024],
        [6, 25, 1031],
        [3, 5, 2048],
        [16, 150, 1024],
        [2, 7, 1100],
        [5, 4, 4099],
      ])
        for (const [TA, TB] of types)
          for (const accumulate of [false, true]) {
            const g: GemmShape = { M, N, K, transB: true, accumulate };
            const a = fill(TA, M * K, seed++);
            const b = fill(TB, N * K, seed++);
            const c0 = Int32Array.from(randInts(seeded(seed++), M * N, -1000, 1000));
            const want = c0.slice();
            refKernels.gemm_int({ ...g, accumulate: false }, a, b, want);
            if (accumulate) for (let i = 0; i < want.length; i++) want[i] += c0[i];
            const got = c0.slice();
            k.gemm_int(g, a, b, got);
            const what = `M=${M} N=${N} K=${K} ${TA.name}x${TB.name} acc=${accumulate}`;
            assertSameArray(got, want, what, N);
          }
    });

    it('resident (workspace) operands and result give the same C', () => {
      if (!k.stepArray) return;
      const [M, N, K] = [6, 25, 2000];
      const a = k.stepArray('int8', M * K, 7001)!;
      const b = k.stepArray('int8', N * K, 7001)!;
      a.set(fill(Int8Array, M * K, 91));
      b.set(fill(Int8Array, N * K, 92));
      const c = k.stepArray('int32', M * N, 7001)!;
      k.gemm_int({ M, N, K, transB: true }, a, b, c);
      const want = new Int32Array(M * N);
      refKernels.gemm_int({ M, N, K, transB: true }, a, b, want);
      assertSameArray(c, want, 'resident dot GEMM', N);
    });
  });
}
