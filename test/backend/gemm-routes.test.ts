// SPDX-License-Identifier: MIT
// Each route of the WASM integer GEMM run directly (not through the shape dispatcher) on the
// ragged grid of gemm.test.ts: blocked on every transpose pair, small-M on A B, dot on A B^T;
// every operand type pair, bit-exact with ref; and the clear error of a route given a layout it
// cannot read. (A Float64Array C takes the exact wide kernel: gemm-wide.test.ts.)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadWasmGemmRoutes, type GemmRoute } from '../../src/kernels/wasm/index.js';
import { assertSameArray } from './helpers.js';
import { DTYPES, expectedInt, intGrid, SIZES, TRANS } from './gemm-grid.js';

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
