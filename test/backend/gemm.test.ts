// SPDX-License-Identifier: MIT
// GEMM on every fast backend vs ref: integer results bit-exact over a grid of ragged shapes,
// all transpose variants, accumulate, every int8/int16 operand pair (with ranges that keep
// int32 sums in range, as the Int32Array C contract requires), and the int32-overflow split.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmShape } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';
import { DTYPES, expectedInt, fillFull, intGrid, SIZES, TRANS } from './gemm-grid.js';

function label(g: GemmShape, what: string): string {
  return `${what} M=${g.M} N=${g.N} K=${g.K} transA=${!!g.transA} transB=${!!g.transB} acc=${!!g.accumulate}`;
}

for (const be of await fastBackends()) {
  describe(`gemm on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('gemm_int int32 C is bit-exact with ref on a grid of ragged shapes, all trans variants and operand types', () => {
      let cases = 0;
      for (const { g, a, b, c0, what } of intGrid()) {
        const want = expectedInt(g, a, b, c0);
        const got = Int32Array.from(c0);
        k.gemm_int(g, a, b, got);
        assertSameArray(got, want, what, g.N);
        cases++;
      }
      assert.equal(cases, SIZES.length ** 3 * TRANS.length * DTYPES.length);
    });

    it('gemm_int crosses every cache block edge (M > 64, N > 2048, K > 512)', () => {
      for (const [transA, transB] of TRANS) {
        const g: GemmShape = { M: 66, N: 2053, K: 515, transA, transB };
        const a = fillFull(Int8Array, g.M * g.K, 5);
        const b = fillFull(Int8Array, g.K * g.N, 6);
        const want = expectedInt(g, a, b, new Int32Array(g.M * g.N));
        const got = new Int32Array(g.M * g.N).fill(12345);
        k.gemm_int(g, a, b, got);
        assertSameArray(got, want, label(g, 'i8xi8'), g.N);
      }
    });

    it('gemm_int with Float64Array C splits K so int32 cannot wrap, and is exact', () => {
      // All +-32767 / -32768: every product is about 2^30, so K=5 already passes 2^31.
      const g: GemmShape = { M: 3, N: 5, K: 5 };
      const a = new Int16Array(15).fill(-32768);
      const b = new Int16Array(25).fill(-32768);
      const c = new Float64Array(15);
      k.gemm_int(g, a, b, c);
      for (let i = 0; i < 15; i++)
        assert.equal(c[i], 5 * 2 ** 30, `index ${i}: got ${c[i]}, want 5*2^30`);
      assert.ok(5 * 2 ** 30 > 2 ** 31, 'the case overflows int32');
      for (const [transA, transB] of TRANS)
        for (const accumulate of [false, true]) {
          const h: GemmShape = { M: 19, N: 23, K: 300, transA, transB, accumulate };
          const x = fillFull(Int16Array, h.M * h.K, 11);
          const y = fillFull(Int16Array, h.K * h.N, 12);
          const c0 = Float64Array.from(randInts(seeded(13), h.M * h.N, -(2 ** 40), 2 ** 40));
          const want = expectedInt(h, x, y, c0);
          assert.ok(
            want.some((v) => Math.abs(v) > 2 ** 31),
            'some sums pass int32',
          );
          const got = Float64Array.from(c0);
          k.gemm_int(h, x, y, got);
          assertSameArray(got, want, label(h, 'i16xi16 f64 C'), h.N);
        }
    });

    it('gemm_int with Int32Array operands matches ref', () => {
      const g: GemmShape = { M: 9, N: 11, K: 13, transB: true };
      const a = Int32Array.from(randInts(seeded(21), 117, -(2 ** 23), 2 ** 23));
      const b = Int32Array.from(randInts(seeded(22), 143, -(2 ** 23), 2 ** 23));
      const want = new Float64Array(99);
      refKernels.gemm_int(g, a, b, want);
      const got = new Float64Array(99);
      k.gemm_int(g, a, b, got);
      assertSameArray(got, want, label(g, 'i32xi32'), 11);
    });

    it('gemm rejects operands too short for the shape, naming the operand and its shape', () => {
      const g: GemmShape = { M: 4, N: 5, K: 6, transA: true };
      assert.throws(
        () => k.gemm_int(g, new Int8Array(23), new Int8Array(30), new Int32Array(20)),
        /A \(6,4\) needs 24 elements, got 23/,
      );
      assert.throws(
        () => k.gemm_f32(g, new Float32Array(24), new Float32Array(30), new Float32Array(19)),
        /C \(4,5\) needs 20 elements, got 19/,
      );
    });

    it('gemm_f32 matches ref within 1e-5 of sum |a||b| on ragged shapes', () => {
      const rng = seeded(31);
      for (const [M, N, K] of [
        [1, 1, 1],
        [7, 17, 33],
        [33, 100, 7],
        [64, 64, 300],
        [5, 2053, 9],
        [100, 1, 17],
        [70, 2061, 16], // shallow depth over several row blocks and a ragged column block
        [16, 2100, 150], // one row block, B read row by row into its panels, ragged panel
        [17, 30, 1100], // transB: the dot route, ragged blocks, depth slices 512 + 512 + 76
        [5, 130, 600], // transB: the dot route, one row block past the edge
      ])
        for (const [transA, transB] of TRANS)
          for (const accumulate of [false, true]) {
            const g: GemmShape = { M, N, K, transA, transB, accumulate };
            const a = Float32Array.from({ length: M * K }, () => rng.nextFloat() * 2 - 1);
            const b = Float32Array.from({ length: K * N }, () => rng.nextFloat() * 2 - 1);
            const c0 = Float32Array.from({ length: M * N }, () => rng.nextFloat());
            // ref accumulates in float64: its float32 result is the correctly rounded sum.
            const exact = new Float32Array(M * N);
            refKernels.gemm_f32({ ...g, accumulate: false }, a, b, exact);
            const mag = new Float32Array(M * N); // sum_k |a||b|, the scale of rounding error
            refKernels.gemm_f32({ ...g, accumulate: false }, a.map(Math.abs), b.map(Math.abs), mag);
            const got = Float32Array.from(c0);
            k.gemm_f32(g, a, b, got);
            for (let i = 0; i < M * N; i++) {
              const want = exact[i] + (accumulate ? c0[i] : 0);
              const tol = 1e-5 * (mag[i] + (accumulate ? Math.abs(c0[i]) : 0)) + 1e-7;
              if (!(Math.abs(got[i] - want) <= tol)) {
                assert.fail(
                  `${label(g, 'f32')}: index ${i}: got ${got[i]}, want ${want} (tol ${tol})`,
                );
              }
            }
          }
    });

    it('gemm_f32 with B transposed (packed route, ragged panels and depths) gives the bits of B as stored', () => {
      // Packing B^T into panels is a copy (native: 4 x 4 blocks turned in registers, the rest
      // element by element), so the product must not change by a bit. K < 4 max(M, N) keeps
      // the native dot route out; 64 x 576 x 2048 is a ResNet-20 8x8 weight gradient.
      const rng = seeded(53);
      for (const [M, N, K] of [
        [37, 70, 301],
        [9, 2053, 130],
        [3, 6, 7],
        [64, 576, 2048],
      ]) {
        const a = Float32Array.from({ length: M * K }, () => rng.nextFloat() * 2 - 1);
        const b = Float32Array.from({ length: K * N }, () => rng.nextFloat() * 2 - 1);
        const bt = new Float32Array(K * N);
        for (let p = 0; p < K; p++) for (let j = 0; j < N; j++) bt[j * K + p] = b[p * N + j];
        const want = new Float32Array(M * N);
        k.gemm_f32({ M, N, K }, a, b, want);
        const got = new Float32Array(M * N);
        k.gemm_f32({ M, N, K, transB: true }, a, bt, got);
        for (let i = 0; i < M * N; i++)
          if (!Object.is(got[i], want[i]))
            assert.fail(`M=${M} N=${N} K=${K}: C[${i}] = ${got[i]} with B^T, ${want[i]} with B`);
      }
    });

    it(
      'gemm_f32 sums in a fixed order: float32 products added k by k in 256-deep slices',
      { skip: be.name === 'wasm' ? false : 'the native float32 kernels use FMA, their own order' },
      () => {
        // The blocked kernel's order, written out: per C element, each slice of 256 k is summed
        // from 0 in float32 (mul then add, no FMA) and added to C; so its result is bit-exact
        // with this model whatever the shape, layout or loop order of the cache blocks.
        const rng = seeded(47);
        for (const [M, N, K] of [
          [16, 2100, 150],
          [70, 2061, 16],
          [9, 33, 530],
        ])
          for (const [transA, transB] of TRANS) {
            const g: GemmShape = { M, N, K, transA, transB };
            const a = Float32Array.from({ length: M * K }, () => rng.nextFloat() * 2 - 1);
            const b = Float32Array.from({ length: K * N }, () => rng.nextFloat() * 2 - 1);
            const got = new Float32Array(M * N);
            k.gemm_f32(g, a, b, got);
            const f = Math.fround;
            for (let i = 0; i < M; i++)
              for (let j = 0; j < N; j++) {
                let c = 0;
                for (let p0 = 0; p0 < K; p0 += 256) {
                  let s = 0;
                  for (let p = p0; p < Math.min(K, p0 + 256); p++) {
                    const x = transA ? a[p * M + i] : a[i * K + p];
                    const y = transB ? b[j * K + p] : b[p * N + j];
                    s = f(s + f(x * y));
                  }
                  c = p0 === 0 ? s : f(c + s);
                }
                if (got[i * N + j] !== c)
                  assert.fail(`${label(g, 'f32')}: C[${i},${j}] = ${got[i * N + j]}, want ${c}`);
              }
          }
      },
    );
  });
}
