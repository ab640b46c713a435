// SPDX-License-Identifier: MIT
// Exact addition of two tensors of one shape (residual connections, gradient fan-in). Two
// fixed-point inputs are aligned by shifting the mantissas with the larger exponent left, so
// a * 2^ea + b * 2^eb = (a * 2^(ea-e) + b * 2^(eb-e)) * 2^e with e = min(ea, eb): no rounding.
// The sum is int32 when its bound fits, else exact float64 integers (< 2^53); beyond that,
// or when either input is float, the sum is taken on float32 values.

import { INT32_LIMIT } from '../ops/intgemm.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import { shapeStr, sameShape } from '../tensor/shape.js';
import type { Kernels } from '../kernels/spec.js';

// a, b same shape -> a + b; fixed + fixed -> fixed at exp min(ea, eb), i32 or exact f64 mantissas.
export function addTensors(k: Kernels, a: Tensor, b: Tensor, what = 'add'): Tensor {
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(`${what}: cannot add ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  if (a.kind === 'fixed' && b.kind === 'fixed') {
    const e = Math.min(a.exp, b.exp);
    const sa = 2 ** (a.exp - e);
    const sb = 2 ** (b.exp - e);
    const bound = k.maxAbs(a.mant) * sa + k.maxAbs(b.mant) * sb;
    if (bound <= 2 ** 53) {
      const n = a.mant.length;
      const out = bound <= INT32_LIMIT ? new Int32Array(n) : new Float64Array(n);
      const am = a.mant;
      const bm = b.mant;
      for (let i = 0; i < n; i++) out[i] = am[i] * sa + bm[i] * sb;
      return fixedTensor(a.shape, out, e, out instanceof Int32Array ? 32 : 53);
    }
  }
  const av = dequantize(a);
  const bv = dequantize(b);
  const out = new Float32Array(av.length);
  for (let i = 0; i < out.length; i++) out[i] = av[i] + bv[i];
  return floatTensor(a.shape, out);
}
