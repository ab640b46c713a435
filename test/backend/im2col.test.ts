// SPDX-License-Identifier: MIT
// im2col / col2im on every fast backend vs ref, bit-exact for every dtype (col2im on floats
// too: the sums are added in the reference's order).

import { describe, it } from 'node:test';
import type { AnyArray, ConvGeom } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

function geom(
  N: number,
  C: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
): ConvGeom {
  const OH = Math.floor((H + 2 * ph - KH) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - KW) / sw) + 1;
  return { N, C, H, W, KH, KW, strideH: sh, strideW: sw, padH: ph, padW: pw, OH, OW };
}

const GEOMS: ConvGeom[] = [
  geom(1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
  geom(2, 3, 7, 5, 3, 3, 1, 1, 1, 1),
  geom(2, 2, 9, 11, 3, 2, 2, 2, 0, 1),
  geom(1, 4, 8, 8, 5, 5, 1, 1, 2, 2),
  geom(3, 2, 6, 7, 2, 3, 3, 1, 1, 0),
  geom(2, 1, 5, 5, 3, 3, 2, 3, 2, 2), // padding wider than some output rows
  geom(1, 3, 4, 13, 1, 7, 1, 2, 0, 3),
  // Stride 1 with OW = W (the shifted-plane route): fewer output rows than input rows,
  // column shifts as wide as the image (|kw - pw| >= W), more output rows than input rows.
  geom(2, 2, 5, 2, 3, 5, 1, 1, 0, 2),
  geom(2, 2, 1, 3, 3, 3, 1, 1, 2, 1),
  geom(3, 2, 8, 8, 3, 3, 1, 1, 1, 1),
  // Rows of 16 to 64 bytes with padding columns (16-byte chunks, masked, at every dtype).
  geom(2, 3, 5, 16, 3, 3, 1, 1, 1, 1),
  geom(1, 2, 4, 32, 3, 3, 1, 1, 1, 1),
  geom(2, 2, 3, 12, 3, 5, 2, 1, 1, 2),
  // Byte windows of one 16-byte load (native AVX-512: OW + KW - 1 <= 16, column stride 1):
  // LeNet-5's second conv (no padding: the image itself, its last row read to the end), the
  // widest that fits, one past it, a padded plane with row stride 2.
  geom(2, 6, 14, 14, 5, 5, 1, 1, 0, 0),
  geom(1, 2, 16, 16, 5, 5, 1, 1, 0, 0),
  geom(1, 2, 17, 17, 5, 5, 1, 1, 0, 0),
  geom(2, 3, 9, 9, 3, 4, 2, 1, 1, 1),
];

type Ctor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;
const CTORS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];

function name(g: ConvGeom): string {
  return `N${g.N} C${g.C} ${g.H}x${g.W} k${g.KH}x${g.KW} s${g.strideH}x${g.strideW} p${g.padH}x${g.padW}`;
}

function filled(ctor: Ctor, n: number, seed: number): AnyArray {
  const v = randInts(seeded(seed), n, -100, 100);
  if (ctor === Float32Array || ctor === Float64Array) return ctor.from(v.map((x) => x / 7));
  return ctor.from(v);
}

for (const be of await fastBackends()) {
  describe(`im2col / col2im on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('im2col equals ref for int8, int16, int32, float32, float64', () => {
      let seed = 0;
      for (const g of GEOMS)
        for (const ctor of CTORS) {
          const x = filled(ctor, g.N * g.C * g.H * g.W, ++seed);
          const q = g.N * g.OH * g.OW;
          const ncol = g.C * g.KH * g.KW * q;
          const want = new ctor(ncol);
          const got = new ctor(ncol).fill(77); // stale values must all be overwritten
          refKernels.im2col(g, x, want);
          k.im2col(g, x, got);
          assertSameArray(got, want, `im2col ${ctor.name} ${name(g)}`, q);
        }
    });

    it('col2im equals ref bit for bit for float32, int32, float64', () => {
      let seed = 100;
      for (const g of GEOMS)
        for (const ctor of [Float32Array, Int32Array, Float64Array] as const) {
          const ncol = g.C * g.KH * g.KW * g.N * g.OH * g.OW;
          const v = randInts(seeded(++seed), ncol, -1000, 1000);
          const col = ctor === Int32Array ? ctor.from(v) : ctor.from(v.map((x) => x / 3));
          const nx = g.N * g.C * g.H * g.W;
          const want = new ctor(nx);
          const got = new ctor(nx).fill(5); // col2im zeroes dx first
          refKernels.col2im(g, col, want);
          k.col2im(g, col, got);
          assertSameArray(got, want, `col2im ${ctor.name} ${name(g)}`, g.W);
        }
    });
  });
}
