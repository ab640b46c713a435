// SPDX-License-Identifier: MIT
// Exact addition of two tensors of one shape (residual connections, gradient fan-in). Two
// fixed-point inputs are aligned by shifting the mantissas with the larger exponent left, so
// a * 2^ea + b * 2^eb = (a * 2^(ea-e) + b * 2^(eb-e)) * 2^e with e = min(ea, eb): no rounding.
// The sum is int32 when its bound fits, else exact float64 integers (< 2^53); beyond that,
// or when either input is float, the sum is taken on float32 values. One kernel pass
// (add_scaled), optionally with the following ReLU fused; the result is a step array.

import { INT32_LIMIT } from '../ops/intgemm.js';
import {
  fixedTensor,
  floatTensorMax,
  withBound,
  withMantMax,
  type Tensor,
} from '../tensor/tensor.js';
import { shapeStr, sameShape, sizeOf } from '../tensor/shape.js';
import type { Kernels } from '../kernels/spec.js';
import { stepArray, storage, type StepScope } from './arrays.js';
import type { ReLU } from './relu.js';

/**
 * Largest |mantissa| of t times scale: from its declared width or its producer's bound when
 * that already fits (typeOnly), else its producer's exact max or a scan.
 */
function bound(k: Kernels, t: Tensor & { kind: 'fixed' }, scale: number, typeOnly: boolean) {
  if (!typeOnly) return (t.mantMax ?? k.maxAbs(t.mant)) * scale;
  return Math.min(2 ** (t.bits - 1), t.bound ?? Infinity) * scale;
}

/**
 * a, b same shape -> a + b; fixed + fixed -> fixed at exp min(ea, eb), i32 or exact f64
 * mantissas. `at`: the step whose workspace holds the result; `relu`: apply that ReLU in the
 * same pass (it keeps the mask for its backward).
 */
export function addTensors(
  k: Kernels,
  a: Tensor,
  b: Tensor,
  what = 'add',
  at: StepScope | null = null,
  relu: ReLU | null = null,
): Tensor {
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(`${what}: cannot add ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const n = sizeOf(a.shape);
  const mask = relu && at ? relu.fusedMask(at, n) : null;
  if (a.kind === 'fixed' && b.kind === 'fixed') {
    const e = Math.min(a.exp, b.exp);
    const sa = 2 ** (a.exp - e);
    const sb = 2 ** (b.exp - e);
    // The declared widths bound the sum without a scan when that already fits int32.
    const typeSum = bound(k, a, sa, true) + bound(k, b, sb, true);
    const byType = typeSum <= INT32_LIMIT;
    const sum = byType ? 0 : bound(k, a, sa, false) + bound(k, b, sb, false);
    if (sum <= 2 ** 53) {
      const out =
        sum <= INT32_LIMIT ? stepArray(at, 'int32', n, false) : stepArray(at, 'float64', n, false);
      const m = k.add_scaled(a.mant, sa, b.mant, sb, relu !== null, mask, out);
      const t = fixedTensor(a.shape, out, e, out instanceof Int32Array ? 32 : 53);
      // |a sa + b sb| <= the bound that chose int32 (or the scanned one): the next add or
      // BatchNorm can skip its scan; the exact max (int32 out) spares a dynamic-exponent
      // site's scan (the next block's A sites).
      return withMantMax(withBound(t, byType ? typeSum : sum), m);
    }
  }
  const out = stepArray(at, 'float32', n, false);
  const scale = (t: Tensor) => (t.kind === 'fixed' ? 2 ** t.exp : 1);
  const m = k.add_scaled(storage(a), scale(a), storage(b), scale(b), relu !== null, mask, out);
  return floatTensorMax(a.shape, out, m);
}
