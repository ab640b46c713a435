// SPDX-License-Identifier: MIT
// LayerNorm's kernels on every fast backend vs ref, bit for bit: every stored kind of x and e
// (int8/16/32 mantissas at a power-of-two unit, float64 integers, float32 values with NaN and
// infinities), ragged row widths, one row and none; y, x-hat, 1/sigma, dx and the parameter
// sums all compared. Failures name the index, row and shape.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyArray } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';
import type { Rng } from '../../src/quant/rng.js';

// [R, D]: no rows, one row, widths off every lane count, a Transformer's (64*10, 32).
const SHAPES = [
  [0, 5],
  [1, 1],
  [3, 7],
  [5, 33],
  [640, 32],
];

type Kind = 'i8' | 'i16' | 'i32' | 'f64' | 'f32';
const KINDS: readonly Kind[] = ['i8', 'i16', 'i32', 'f64', 'f32'];

/** n stored numbers of `kind`; float32 ones hold a NaN and both infinities when n > 40. */
function stored(rng: Rng, kind: Kind, n: number): AnyArray {
  switch (kind) {
    case 'i8':
      return Int8Array.from(randInts(rng, n, -128, 127));
    case 'i16':
      return Int16Array.from(randInts(rng, n, -32768, 32767));
    case 'i32':
      return Int32Array.from(randInts(rng, n, -(2 ** 30), 2 ** 30));
    case 'f64':
      return Float64Array.from(randInts(rng, n, -(2 ** 20), 2 ** 20), (v) => v * 2 ** 20 + 1);
    case 'f32': {
      const a = Float32Array.from(randInts(rng, n, -(2 ** 20), 2 ** 20), (v) => v / 4099);
      if (n > 40) [a[3], a[17], a[40]] = [NaN, Infinity, -Infinity];
      return a;
    }
  }
}

const unitOf = (kind: Kind): number => (kind === 'f32' ? 1 : kind === 'i8' ? 2 ** -5 : 2 ** -12);

for (const be of await fastBackends()) {
  describe(`layernorm kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('layernorm_forward and layernorm_backward equal ref (kinds, ragged widths)', () => {
      let seed = 1;
      for (const [R, D] of SHAPES) {
        for (const kind of KINDS) {
          const rng = seeded(seed++);
          const n = R * D;
          const x = stored(rng, kind, n);
          const g = Float32Array.from(randInts(rng, D, -999, 999), (v) => v / 333);
          const b = Float32Array.from(randInts(rng, D, -999, 999), (v) => v / 777);
          const unit = unitOf(kind);
          const what = `${R}x${D} ${kind}`;
          const fwd = (kr: typeof k) => {
            const o = {
              y: new Float32Array(n).fill(7),
              xhat: new Float32Array(n).fill(7),
              inv: new Float64Array(R).fill(7),
            };
            kr.layernorm_forward(x, R, D, unit, 1e-5, g, b, o.y, o.xhat, o.inv);
            return o;
          };
          const want = fwd(refKernels);
          const got = fwd(k);
          assertSameArray(got.y, want.y, `y ${what}`, D);
          assertSameArray(got.xhat, want.xhat, `xhat ${what}`, D);
          assertSameArray(got.inv, want.inv, `invSigma ${what}`);
          const e = stored(rng, kind, n);
          const bwd = (kr: typeof k) => {
            const o = { dx: new Float32Array(n).fill(7), dgb: new Float64Array(2 * D).fill(7) };
            kr.layernorm_backward(e, unit, want.xhat, want.inv, g, R, D, o.dx, o.dgb);
            return o;
          };
          const bw = bwd(refKernels);
          const bg = bwd(k);
          assertSameArray(bg.dx, bw.dx, `dx ${what}`, D);
          assertSameArray(bg.dgb, bw.dgb, `dgamma, dbeta ${what}`, D);
        }
      }
    });

    it('layernorm kernels reject short arrays, naming the argument', () => {
      const x = new Float32Array(6);
      const out = new Float32Array(6);
      const g = new Float32Array(3);
      assert.throws(
        () => k.layernorm_forward(x, 2, 3, 1, 1e-5, g, g, out, out, new Float64Array(1)),
        /layernorm_forward: invSigma holds 1 elements, needs 2/,
      );
      assert.throws(
        () =>
          k.layernorm_backward(x, 1, out, new Float64Array(2), g, 2, 3, out, new Float64Array(5)),
        /layernorm_backward: dgb holds 5 elements, needs 6/,
      );
    });
  });
}
