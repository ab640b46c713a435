// SPDX-License-Identifier: MIT
// The native conv kernels check their arguments before they touch memory: arrays too short for
// the geometry get a RangeError naming the array, its (rows, cols) and the counts; wrong element
// types a TypeError naming the arrays and the type they need. Where they hold, the call runs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convGeom, nativeBackends } from './helpers.js';

// 2 images, 3 channels, 4x4, 3x3 'same': K = 27, Q = 32; M = 5 output channels.
const G = convGeom(2, 3, 4, 4, 3, 3, 1, 1); // 3x3 'same'
const M = 5;
const K = 27;
const Q = 32;
const X = 2 * 3 * 16;
const f = (n: number) => new Float32Array(n);

for (const b of await nativeBackends()) {
  describe(`conv kernel arguments on ${b.name}`, { skip: b.skip }, () => {
    const k = b.k!;

    it('conv_gemm_f32 names a short w, x or c and a wrong element type', () => {
      k.conv_gemm_f32!(G, f(M * K), M, f(X), f(M * Q));
      assert.throws(() => k.conv_gemm_f32!(G, f(M * K - 1), M, f(X), f(M * Q)), {
        name: 'RangeError',
        message: /conv_gemm_f32: w \(5,27\) needs 135 elements, got 134/,
      });
      assert.throws(() => k.conv_gemm_f32!(G, f(M * K), M, f(X - 1), f(M * Q)), /x needs 96/);
      assert.throws(() => k.conv_gemm_f32!(G, f(M * K), M, f(X), f(M * Q - 1)), /c \(5,32\)/);
      assert.throws(() => k.conv_gemm_f32!(G, f(M * K), M, new Int8Array(X) as never, f(M * Q)), {
        name: 'TypeError',
        message: /w, x and c must be Float32Arrays/,
      });
    });

    it('conv_weight_grad_f32 reads e as (M, Q) and dw as (M, K)', () => {
      k.conv_weight_grad_f32!(G, f(M * Q), M, f(X), f(M * K));
      assert.throws(() => k.conv_weight_grad_f32!(G, f(M * Q - 1), M, f(X), f(M * K)), {
        name: 'RangeError',
        message: /conv_weight_grad_f32: e \(5,32\) needs 160 elements, got 159/,
      });
      assert.throws(
        () => k.conv_weight_grad_f32!(G, f(M * Q), M, f(X), f(M * K - 1)),
        /dw \(5,27\) needs 135 elements/,
      );
    });

    it('conv_gemm_int needs int8 or int16 operands and an int32 c', () => {
      k.conv_gemm_int!(G, new Int8Array(M * K), M, new Int16Array(X), new Int32Array(M * Q));
      assert.throws(
        () => k.conv_gemm_int!(G, new Int8Array(M * K), M, f(X) as never, new Int32Array(M * Q)),
        { name: 'TypeError', message: /w and x must be Int8Arrays or Int16Arrays/ },
      );
      assert.throws(
        () => k.conv_gemm_int!(G, new Int8Array(M * K), M, new Int8Array(X), f(M * Q) as never),
        { name: 'TypeError', message: /c must be an Int32Array/ },
      );
      assert.throws(
        () =>
          k.conv_gemm_int!(G, new Int8Array(M * K), M, new Int8Array(X), new Int32Array(M * Q - 1)),
        /c \(5,32\) needs 160 elements, got 159/,
      );
    });

    it('conv_gemm_int_nchw checks its operand types, y and the bias length', () => {
      const w = new Int8Array(M * K);
      k.conv_gemm_int_nchw!(G, w, M, new Int16Array(X), [1, 2, 3, 4, 5], new Int32Array(M * Q));
      assert.throws(
        () => k.conv_gemm_int_nchw!(G, w, M, f(X) as never, null, new Int32Array(M * Q)),
        { name: 'TypeError', message: /w and x must be Int8Arrays or Int16Arrays/ },
      );
      assert.throws(
        () => k.conv_gemm_int_nchw!(G, w, M, new Int8Array(X), null, f(M * Q) as never),
        { name: 'TypeError', message: /y must be an Int32Array/ },
      );
      assert.throws(
        () => k.conv_gemm_int_nchw!(G, w, M, new Int8Array(X), null, new Int32Array(M * Q - 1)),
        /y \(5,32\) needs 160 elements, got 159/,
      );
      assert.throws(
        () => k.conv_gemm_int_nchw!(G, w, M, new Int8Array(X), [1, 2, 3, 4], new Int32Array(M * Q)),
        /bias/,
      );
    });

    const direct = b.k?.conv_direct_f32 ? false : 'this instruction set has no direct conv';
    it('conv_direct_f32 checks sizes and its geometry', { skip: direct }, () => {
      k.conv_direct_f32!(G, f(M * K), M, f(X), f(M * Q));
      assert.throws(() => k.conv_direct_f32!(G, f(M * K), M, f(X), f(M * Q - 1)), /y \(5,32\)/);
      const strided = { ...G, strideH: 2, strideW: 2, OH: 2, OW: 2 };
      assert.throws(() => k.conv_direct_f32!(strided, f(M * K), M, f(X), f(M * 8)), {
        name: 'RangeError',
        message: /stride-1 'same' convs on AVX-512 only/,
      });
    });
  });
}
