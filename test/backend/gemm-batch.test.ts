// SPDX-License-Identifier: MIT
// The batched GEMMs on every backend: gemm_int_batch equals ref's per-block gemm_int bit for bit
// (int8/int16 operands, int32 and exact float64 C, every transpose, ragged blocks), and
// gemm_f32_batch equals the same backend's gemm_f32 on each block (float GEMMs differ between
// backends within a tolerance; a batch must not change a block's bits). Failures name the
// block, row, column and shape.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GemmShape, Kernels } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

// [batch, M, N, K]: attention's (T, S, dh) blocks, ragged edges, an empty batch, depth 0.
const SHAPES = [
  [0, 3, 4, 5],
  [1, 1, 1, 1],
  [3, 7, 5, 16],
  [5, 10, 16, 10],
  [4, 13, 9, 33],
  [2, 3, 4, 0],
];

const TRANS: readonly [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
];

const backends = [{ name: 'ref', k: refKernels as Kernels | null, skip: false as string | false }];
for (const be of await fastBackends()) backends.push({ name: be.name, k: be.k, skip: be.skip });

for (const be of backends) {
  describe(`batched GEMMs on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('gemm_int_batch equals gemm_int per block on ref (int8/int16, int32/float64 C)', () => {
      let seed = 1;
      for (const [batch, M, N, K] of SHAPES)
        for (const [transA, transB] of TRANS)
          for (const wide of [false, true]) {
            const rng = seeded(seed++);
            const lim = wide ? 32767 : 127;
            const mk = (n: number) =>
              wide
                ? Int16Array.from(randInts(rng, n, -lim, lim))
                : Int8Array.from(randInts(rng, n, -lim, lim));
            const a = mk(batch * M * K);
            const b = mk(batch * K * N);
            const g: GemmShape = wide
              ? { M, N, K, transA, transB, maxA: lim, maxB: lim }
              : { M, N, K, transA, transB };
            const C = () =>
              wide ? new Float64Array(batch * M * N) : new Int32Array(batch * M * N);
            const got = C().fill(7);
            k.gemm_int_batch(g, batch, a, b, got);
            const want = C();
            for (let i = 0; i < batch; i++)
              refKernels.gemm_int(
                g,
                a.subarray(i * M * K, (i + 1) * M * K),
                b.subarray(i * K * N, (i + 1) * K * N),
                want.subarray(i * M * N, (i + 1) * M * N),
              );
            const what = `batch ${batch} of (${M},${N},${K}) transA=${transA} transB=${transB} wide=${wide}`;
            assertSameArray(got, want, what, N);
          }
    });

    it('gemm_f32_batch equals this backend gemm_f32 per block', () => {
      let seed = 100;
      for (const [batch, M, N, K] of SHAPES)
        for (const [transA, transB] of TRANS) {
          const rng = seeded(seed++);
          const mk = (n: number) => Float32Array.from(randInts(rng, n, -999, 999), (v) => v / 37);
          const a = mk(batch * M * K);
          const b = mk(batch * K * N);
          const g: GemmShape = { M, N, K, transA, transB };
          const got = new Float32Array(batch * M * N).fill(7);
          k.gemm_f32_batch(g, batch, a, b, got);
          const want = new Float32Array(batch * M * N);
          for (let i = 0; i < batch; i++)
            k.gemm_f32(
              g,
              a.subarray(i * M * K, (i + 1) * M * K),
              b.subarray(i * K * N, (i + 1) * K * N),
              want.subarray(i * M * N, (i + 1) * M * N),
            );
          assertSameArray(got, want, `batch ${batch} of (${M},${N},${K}) ${transA} ${transB}`, N);
        }
    });

    it('batched GEMMs reject arrays short of batch blocks', () => {
      const g: GemmShape = { M: 2, N: 3, K: 4 };
      assert.throws(
        () => k.gemm_int_batch(g, 3, new Int8Array(24), new Int8Array(36), new Int32Array(17)),
        /gemm_int_batch: .*C/,
      );
      assert.throws(
        () =>
          k.gemm_f32_batch(g, 3, new Float32Array(23), new Float32Array(36), new Float32Array(18)),
        /gemm_f32_batch: .*A/,
      );
    });
  });
}
