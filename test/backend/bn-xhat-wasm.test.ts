// SPDX-License-Identifier: MIT
// bn_xhat_int on wasm (assembly/norm_xhat.ts: BatchNorm's x-hat rounded onto a grid in one
// pass) vs ref bit for bit, stores and returned max: int8/int16/int32/float32/float64 x over
// ragged (N, C, R) (the scalar tail of R mod 4) and batch ranges on 2 threads; ties rounding
// half up on both signs; all zeros; values past int32 (max capped at 2^31, stores clamped);
// NaN (max NaN, stored 0) and infinities.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyArray, Kernels } from '../../src/kernels/spec.js';
import { bn_xhat_int } from '../../src/kernels/ref/norm.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { assertSameArray, randInts, seeded } from './helpers.js';

type Ctor = { new (n: number): AnyArray; from(a: ArrayLike<number>): AnyArray; name: string };
const XS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];
const GRID: [number, number, number][] = [
  [1, 1, 1],
  [2, 3, 5],
  [1, 5, 17],
  [3, 2, 33],
  [2, 9, 64],
  [8, 3, 3000], // batch ranges on 2 threads
];

/** x of type X: the type's range (floats: fractions), with its extremes. */
function xOf(X: Ctor, n: number, seed: number): AnyArray {
  const lim: Record<string, number> = { Int8Array: 128, Int16Array: 32768 };
  const L = lim[X.name] ?? 2 ** 31;
  const v = X.from(randInts(seeded(seed), n, -L, L - 1));
  if (n > 3) v[1] = -L;
  if (X === Float32Array || X === Float64Array) for (let i = 0; i < n; i++) v[i] /= 2 ** 20;
  return v;
}

/** [mu, rs] per channel: mu of x's size, rs putting x-hat within a few units (times `big`). */
function params(C: number, X: Ctor, seed: number, big = 1): Float64Array {
  const r = seeded(seed);
  const scale: Record<string, number> = { Int8Array: 128, Int16Array: 32768 };
  const s = X === Float32Array || X === Float64Array ? 2 ** 11 : (scale[X.name] ?? 2 ** 31);
  const p = new Float64Array(2 * C);
  for (let c = 0; c < C; c++) {
    p[2 * c] = (r.nextFloat() - 0.5) * 0.2 * s;
    p[2 * c + 1] = ((1 + 3 * r.nextFloat()) / s) * big;
  }
  return p;
}

function check(
  k: Kernels,
  x: AnyArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  scale: number,
  what: string,
): number {
  const n = N * C * R;
  const [or, ok] = [new Int32Array(n).fill(7), new Int32Array(n).fill(7)];
  const mr = bn_xhat_int(x, N, C, R, p, scale, or);
  const mk = k.bn_xhat_int!(x, N, C, R, p, scale, ok);
  assertSameArray(ok, or, what, R);
  assert.ok(Object.is(mk, mr), `${what}: max ${mk}, want ${mr}`);
  return mr;
}

const k = await loadWasmKernels();
describe('wasm bn_xhat_int = ref', { skip: !k && 'no SIMD128' }, () => {
  it('every x type, ragged grids, 1 and 2 threads', async () => {
    for (const t of [1, 2]) {
      await k!.setThreads?.(t);
      let seed = 1;
      for (const [N, C, R] of GRID)
        for (const X of XS)
          for (const scale of [2 ** 15, 2 ** 7, 1]) {
            const x = xOf(X, N * C * R, seed++);
            const what = `${X.name} (${N},${C},${R}) scale ${scale} threads ${t}`;
            assert.ok(check(k!, x, N, C, R, params(C, X, seed++), scale, what) < 2 ** 31);
          }
    }
    await k!.setThreads?.(1);
  });

  it('ties round half up, both signs; all zeros give max 0', () => {
    // mu 0, rs 2^-3, scale 2^2: x / 2, a tie at every odd x (4 vector lanes and a tail).
    const x = Int32Array.from([1, -1, 3, -3, 5, -5, 255, -255, 0, 2]);
    const p = Float64Array.from([0, 2 ** -3]);
    const out = new Int32Array(10);
    assert.equal(k!.bn_xhat_int!(x, 1, 1, 10, p, 4, out), 128);
    assertSameArray(out, Int32Array.from([1, 0, 2, -1, 3, -2, 128, -127, 0, 1]), 'ties');
    check(k!, x, 1, 1, 10, p, 4, 'ties vs ref');
    assert.equal(check(k!, new Int16Array(40), 2, 4, 5, new Float64Array(8), 2 ** 15, 'zeros'), 0);
  });

  it('past int32: max capped at 2^31, stores clamped; NaN and infinities', () => {
    for (const X of [Int32Array, Float32Array, Float64Array] as Ctor[]) {
      const x = xOf(X, 3 * 2 * 70, 5);
      assert.equal(
        check(k!, x, 3, 2, 70, params(2, X, 6, 2 ** 20), 2 ** 15, `${X.name} huge`),
        2 ** 31,
      );
    }
    for (const F of [Float32Array, Float64Array] as Ctor[])
      for (const at of [17, 38]) {
        // R = 39: element 17 in a vector step, 38 (plane 0's last) in the scalar tail
        const x = xOf(F, 2 * 3 * 39, 9);
        x[at] = NaN;
        const m = check(k!, x, 2, 3, 39, params(3, F, 10), 2 ** 15, `${F.name} NaN at ${at}`);
        assert.ok(Number.isNaN(m));
        x[at] = -Infinity;
        assert.equal(check(k!, x, 2, 3, 39, params(3, F, 10), 2 ** 15, `${F.name} -Inf`), 2 ** 31);
      }
  });
});
