// SPDX-License-Identifier: MIT
// bn_affine_int_max on wasm (assembly/norm.ts bn_affine_int with amax): y = g x + b as
// bn_affine_int writes it, and max |y| taken while writing, vs ref: int8/int16/int32 x over
// ragged (N, C, R) (the scalar tail) and batch ranges on 2 threads, with and without ReLU and
// mask; y at -2^31 (|y| = 2^31: unsigned lanes); all zeros; float64 y gives NaN as ref.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MantArray } from '../../src/tensor/dtype.js';
import { bn_affine_int_max } from '../../src/kernels/ref/norm.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { assertSameArray, randInts, seeded } from './helpers.js';

const GRID: [number, number, number][] = [
  [1, 1, 1],
  [2, 3, 5],
  [1, 5, 17],
  [3, 2, 33],
  [8, 3, 3000],
];

const k = await loadWasmKernels();
describe('wasm bn_affine_int_max = ref', { skip: !k && 'no SIMD128' }, () => {
  it('int8/int16/int32 x, ragged grids, ReLU and mask, 1 and 2 threads', async () => {
    for (const t of [1, 2]) {
      await k!.setThreads?.(t);
      let seed = 3;
      for (const [N, C, R] of GRID)
        for (const X of [Int8Array, Int16Array, Int32Array])
          for (const relu of [false, true]) {
            const n = N * C * R;
            const r = seeded(seed++);
            const lim = X === Int8Array ? 128 : X === Int16Array ? 32768 : 2 ** 29;
            const x = X.from(randInts(r, n, -lim, lim - 1)) as MantArray;
            // |g| max|x| + |b| within int32: int32 x takes g in {-1, 0, 1}.
            const gl = X === Int32Array ? 1 : X === Int16Array ? 2 ** 15 : 2 ** 23;
            const p = new Float64Array(2 * C);
            for (let c = 0; c < C; c++) {
              p[2 * c] = randInts(r, 1, -gl, gl)[0];
              p[2 * c + 1] = randInts(r, 1, -(2 ** 20), 2 ** 20)[0];
            }
            const [yr, yk] = [new Int32Array(n).fill(7), new Int32Array(n).fill(7)];
            const [mr, mk] = [new Int8Array(n).fill(3), new Int8Array(n).fill(3)];
            const want = bn_affine_int_max(x, N, C, R, p, relu, relu ? mr : null, yr);
            const got = k!.bn_affine_int_max!(x, N, C, R, p, relu, relu ? mk : null, yk);
            const what = `${X.name} (${N},${C},${R}) relu ${relu} threads ${t}`;
            assertSameArray(yk, yr, what, R);
            if (relu) assertSameArray(mk, mr, `${what} mask`, R);
            assert.equal(got, want, `${what}: max`);
          }
    }
    await k!.setThreads?.(1);
  });

  it('|-2^31| = 2^31; all zeros give 0; float64 y gives NaN', () => {
    const x = Int32Array.from([5, -(2 ** 31), 7, 1, 2 ** 31 - 1, 0]);
    const p = Float64Array.from([1, 0]);
    const y = new Int32Array(6);
    assert.equal(k!.bn_affine_int_max!(x, 1, 1, 6, p, false, null, y), 2 ** 31);
    assert.equal(bn_affine_int_max(x, 1, 1, 6, p, false, null, new Int32Array(6)), 2 ** 31);
    assert.equal(
      k!.bn_affine_int_max!(
        new Int8Array(12),
        2,
        2,
        3,
        new Float64Array(4),
        true,
        null,
        new Int32Array(12),
      ),
      0,
    );
    assert.ok(Number.isNaN(k!.bn_affine_int_max!(x, 1, 1, 6, p, false, null, new Float64Array(6))));
  });
});
