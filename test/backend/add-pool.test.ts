// SPDX-License-Identifier: MIT
// The scaled add of residual connections (with and without ReLU) and average pooling (global
// and windowed, forward and backward) on every fast backend vs ref: bit-exact over every
// storage type, ragged lengths and shapes, power-of-two scales.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyArray, PoolGeom } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

type Ctor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;
const CTORS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];
const INTS: Ctor[] = [Int8Array, Int16Array, Int32Array];
const LENGTHS = [0, 1, 3, 4, 5, 16, 17, 35];

/** Integers within +-lim (the type's range at most); floats with -0 at index 1. */
function filled(ctor: Ctor, n: number, seed: number, lim = 1 << 20): AnyArray {
  const hi = ctor === Int8Array ? 127 : ctor === Int16Array ? 32767 : lim;
  const v = randInts(seeded(seed), n, -hi, hi);
  if (ctor === Float32Array || ctor === Float64Array) {
    const f = ctor.from(v.map((x) => x / 3));
    if (n > 2) f[1] = -0;
    return f;
  }
  return ctor.from(v);
}

function bits(a: AnyArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

function geom(P: number, H: number, W: number, KH: number, KW: number, SH: number, SW: number) {
  const OH = Math.floor((H - KH) / SH) + 1;
  const OW = Math.floor((W - KW) / SW) + 1;
  return { P, H, W, KH, KW, SH, SW, OH, OW } satisfies PoolGeom;
}

const GEOMS: PoolGeom[] = [
  geom(3, 8, 8, 8, 8, 8, 8), // global average pooling of 8x8 maps
  geom(5, 3, 5, 3, 5, 3, 5), // global, ragged plane (15)
  geom(2, 4, 6, 2, 2, 2, 2),
  geom(2, 7, 5, 3, 3, 2, 2), // overlapping windows
  geom(1, 6, 7, 3, 3, 3, 3), // a column left over
  geom(2, 5, 4, 2, 3, 1, 1),
];

for (const be of await fastBackends()) {
  describe(`add and average-pool kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('add_scaled to float32 equals ref: every type pair, scales, ReLU and mask', () => {
      let seed = 1;
      for (const n of LENGTHS)
        for (const A of CTORS)
          for (const B of CTORS)
            for (const [ka, kb] of [
              [1, 1],
              [2 ** -7, 2 ** -3],
              [2 ** -20, 4],
            ])
              for (const relu of [false, true]) {
                const a = filled(A, n, seed++, 2 ** 30);
                const b = filled(B, n, seed++, 2 ** 30);
                const [or, ow] = [new Float32Array(n), new Float32Array(n)];
                const [mr, mw] = [new Int8Array(n).fill(7), new Int8Array(n).fill(7)];
                const xr = refKernels.add_scaled(a, ka, b, kb, relu, relu ? mr : null, or);
                const xw = k.add_scaled(a, ka, b, kb, relu, relu ? mw : null, ow);
                const what = `add_scaled ${A.name}*${ka} + ${B.name}*${kb} n=${n} relu=${relu}`;
                assertSameArray(bits(ow), bits(or), what);
                // max |out| returned as the scan gives it
                assert.equal(xr, refKernels.maxAbs(or), `${what} ref max`);
                assert.equal(xw, xr, `${what} max`);
                assertSameArray(mw, mr, `${what} mask`);
              }
    });

    it('add_scaled to int32 / exact float64 equals ref (exponent alignment by shifts)', () => {
      let seed = 500;
      for (const n of LENGTHS)
        for (const A of INTS)
          for (const B of INTS)
            for (const [ka, kb] of [
              [1, 1],
              [8, 1],
              [1, 2 ** 10],
            ])
              for (const Out of [Int32Array, Float64Array])
                for (const relu of [false, true]) {
                  const a = filled(A, n, seed++);
                  const b = filled(B, n, seed++);
                  const [or, ow] = [new Out(n), new Out(n)];
                  const [mr, mw] = [new Int8Array(n), new Int8Array(n)];
                  refKernels.add_scaled(a, ka, b, kb, relu, relu ? mr : null, or);
                  k.add_scaled(a, ka, b, kb, relu, relu ? mw : null, ow);
                  const what = `add_scaled ${A.name}<<${Math.log2(ka)} + ${B.name}<<${Math.log2(kb)} -> ${Out.name} n=${n} relu=${relu}`;
                  assertSameArray(ow, or, what);
                  assertSameArray(mw, mr, `${what} mask`);
                }
      // The definition: a 2^3 + b, ReLU.
      const out = new Int32Array(3);
      refKernels.add_scaled(
        Int8Array.from([1, -1, 2]),
        8,
        Int8Array.from([-9, 3, 1]),
        1,
        true,
        null,
        out,
      );
      assert.deepEqual(Array.from(out), [0, 0, 17]);
    });

    it('avgpool and avgpool_backward equal ref: global and windowed, int32 and float32', () => {
      let seed = 1000;
      for (const g of GEOMS)
        for (const X of CTORS)
          for (const intOut of [false, true]) {
            if (intOut && !INTS.includes(X)) continue;
            const nIn = g.P * g.H * g.W;
            const nOut = g.P * g.OH * g.OW;
            const scale = intOut ? 1 : 2 ** -5 / (g.KH * g.KW);
            const x = filled(X, nIn, seed++, 1 << 16);
            const Y = intOut ? Int32Array : Float32Array;
            const [yr, yw] = [new Y(nOut), new Y(nOut)];
            refKernels.avgpool(x, g, scale, yr);
            k.avgpool(x, g, scale, yw);
            const what = `(${g.P},${g.H},${g.W}) window ${g.KH}x${g.KW} stride ${g.SH},${g.SW} ${X.name} -> ${Y.name}`;
            assertSameArray(bits(yw), bits(yr), `avgpool ${what}`);
            const dy = filled(X, nOut, seed++, 1 << 16);
            const [dr, dw] = [new Y(nIn).fill(3), new Y(nIn).fill(3)];
            refKernels.avgpool_backward(dy, g, scale, dr);
            k.avgpool_backward(dy, g, scale, dw);
            assertSameArray(bits(dw), bits(dr), `avgpool_backward ${what}`);
          }
      // The definition: window sums; the adjoint spreads each output over its window.
      const g = geom(1, 2, 4, 2, 2, 2, 2);
      const y = new Int32Array(2);
      refKernels.avgpool(Int8Array.from([1, 2, 3, 4, 5, 6, 7, -9]), g, 1, y);
      assert.deepEqual(Array.from(y), [14, 5]);
      const dx = new Float32Array(8);
      refKernels.avgpool_backward(Float32Array.from([4, -8]), g, 0.25, dx);
      assert.deepEqual(Array.from(dx), [1, 1, -2, -2, 1, 1, -2, -2]);
    });
  });
}
