// SPDX-License-Identifier: MIT
// The unpacked paths of integer GEMM on every fast backend vs ref: the dot-product path (A x
// B^T, few outputs, depth >= 1024: weight gradients) and the small-M path (A x B, M <= 16:
// convolution forward), as the dispatcher picks them. Bit-exact over ragged M and N, odd depths
// and tails, int8/int16 mixes, accumulate, the widest values whose int32 sums cannot overflow
// (the Int32Array C contract), and resident operands.

import { describe, it } from 'node:test';
import type { GemmShape } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends } from './helpers.js';
import { boundedCase, DTYPES, expectedInt, fillFull } from './gemm-grid.js';

for (const be of await fastBackends()) {
  describe(`gemm_int dot path on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('A x B^T over long depths equals ref bit for bit', () => {
      let seed = 1;
      for (const [M, N, K] of [
        [1, 1, 1024],
        [6, 25, 1031],
        [3, 5, 2048],
        [16, 150, 1024],
        [2, 7, 1100],
        [5, 4, 4099],
      ])
        for (const dt of DTYPES)
          for (const accumulate of [false, true]) {
            const g: GemmShape = { M, N, K, transB: true, accumulate };
            const { a, b, c0, what } = boundedCase(g, dt, seed, seed % 2 ? 'a' : 'b');
            seed += 3;
            const got = Int32Array.from(c0);
            k.gemm_int(g, a, b, got);
            assertSameArray(got, expectedInt(g, a, b, c0), what, N);
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
        for (const dt of DTYPES)
          for (const accumulate of [false, true]) {
            const g: GemmShape = { M, N, K, accumulate };
            const { a, b, c0, what } = boundedCase(g, dt, seed, seed % 2 ? 'a' : 'b');
            seed += 3;
            const got = Int32Array.from(c0);
            k.gemm_int(g, a, b, got);
            assertSameArray(got, expectedInt(g, a, b, c0), `NN ${what}`, N);
          }
    });

    it('resident (workspace) operands and result give the same C', () => {
      if (!k.stepArray) return;
      const [M, N, K] = [6, 25, 2000];
      const a = k.stepArray('int8', M * K, 7001)!;
      const b = k.stepArray('int8', N * K, 7001)!;
      a.set(fillFull(Int8Array, M * K, 91));
      b.set(fillFull(Int8Array, N * K, 92));
      const c = k.stepArray('int32', M * N, 7001)!;
      k.gemm_int({ M, N, K, transB: true }, a, b, c);
      const want = new Int32Array(M * N);
      refKernels.gemm_int({ M, N, K, transB: true }, a, b, want);
      assertSameArray(c, want, 'resident dot GEMM', N);
    });
  });
}
