// SPDX-License-Identifier: MIT
// Each route of the WASM integer GEMM run directly (not through the shape dispatcher) on the
// ragged grid of gemm.test.ts: blocked on every transpose pair, small-M on A B, dot on A B^T;
// every operand type pair, bit-exact with ref. Also the Float64Array (exact, chunked) path per
// route, and the clear error of a route given a layout it cannot read.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmShape } from '../../src/kernels/spec.js';
import { loadWasmGemmRoutes, type GemmRoute } from '../../src/kernels/wasm/index.js';
import { assertSameArray, randInts, seeded } from './helpers.js';
import { DTYPES, expectedInt, fillFull, intGrid, SIZES, TRANS } from './gemm-grid.js';

const routes = await loadWasmGemmRoutes();

/** The transpose pairs each route reads. */
const LAYOUTS: Record<Exclude<GemmRoute, 'auto'>, readonly (readonly [boolean, boolean])[]> = {
  blocked: TRANS,
  smallm: [[false, false]],
  dot: [[false, true]],
};

describe('wasm gemm_int routes', { skip: routes ? false : 'no WebAssembly SIMD128 here' }, () => {
  const r = routes!;
  for (const [route, trans] of Object.entries(LAYOUTS) as [
    keyof typeof LAYOUTS,
    (typeof LAYOUTS)[keyof typeof LAYOUTS],
  ][]) {
    it(`${route}: int32 C bit-exact with ref on the ragged grid, every operand type pair`, () => {
      let cases = 0;
      for (const { g, a, b, c0, what } of intGrid(trans)) {
        const got = Int32Array.from(c0);
        r[route](g, a, b, got);
        assertSameArray(got, expectedInt(g, a, b, c0), `${route} ${what}`, g.N);
        cases++;
      }
      assert.equal(cases, SIZES.length ** 3 * trans.length * DTYPES.length);
    });

    it(`${route}: Float64Array C is exact where int32 sums would overflow`, () => {
      let seed = 300;
      for (const [transA, transB] of trans)
        for (const [M, N, K] of [
          [3, 70, 200],
          [19, 9, 1030],
        ])
          for (const [ca, cb, dt] of DTYPES) {
            const g: GemmShape = { M, N, K, transA, transB, accumulate: seed % 2 === 0 };
            const a = fillFull(ca, M * K, seed++);
            const b = fillFull(cb, K * N, seed++);
            const c0 = Float64Array.from(randInts(seeded(seed++), M * N, -(2 ** 40), 2 ** 40));
            const want = expectedInt(g, a, b, c0);
            const got = Float64Array.from(c0);
            r[route](g, a, b, got);
            assertSameArray(got, want, `${route} f64 C ${dt} M=${M} N=${N} K=${K}`, N);
          }
    });
  }

  it('a route given a layout it cannot read says which it needs', () => {
    const c = new Int32Array(4);
    const [a, b] = [new Int8Array(4), new Int8Array(4)];
    assert.throws(
      () => r.dot({ M: 2, N: 2, K: 2 }, a, b, c),
      /route dot computes A B\^T: it needs transA=false, transB=true/,
    );
    assert.throws(
      () => r.smallm({ M: 2, N: 2, K: 2, transA: true }, a, b, c),
      /route smallm computes A B: it needs transA=false, transB=false/,
    );
  });
});
