// SPDX-License-Identifier: MIT
// The unpacked paths of integer GEMM on every fast backend vs ref: the dot-product path (A x
// B^T, few outputs, depth >= 1024: weight gradients) and the small-M path (A x B, M <= 16:
// convolution forward). Bit-exact over ragged M and N, odd depths and tails, int8/int16 mixes,
// accumulate, full-range values (int32 sums wrap like a store), and resident operands.

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

    it('A x B with few rows (the small-M path: conv forward shapes) equals ref bit for bit', () => {
      let seed = 5000;
      for (const [M, N, K] of [
        [6, 1024, 25],
        [16, 200, 150],
        [13, 1003, 7],
        [1, 64, 1],
        [7, 77, 300],
      ])
        for (const [TA, TB] of [
          [Int8Array, Int8Array],
          [Int16Array, Int8Array],
          [Int8Array, Int16Array],
          [Int16Array, Int16Array],
        ] as [IntCtor, IntCtor][])
          for (const accumulate of [false, true]) {
            const g: GemmShape = { M, N, K, accumulate };
            const a = fill(TA, M * K, seed++);
            const b = fill(TB, K * N, seed++);
            const c0 = Int32Array.from(randInts(seeded(seed++), M * N, -1000, 1000));
            const want = c0.slice();
            refKernels.gemm_int({ ...g, accumulate: false }, a, b, want);
            if (accumulate) for (let i = 0; i < want.length; i++) want[i] += c0[i];
            const got = c0.slice();
            k.gemm_int(g, a, b, got);
            const what = `NN M=${M} N=${N} K=${K} ${TA.name}x${TB.name} acc=${accumulate}`;
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
