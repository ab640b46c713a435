// SPDX-License-Identifier: MIT
// A tensor's values as float32, for the float passes of a layer that reads quantized tensors
// (a float conv after a quantized activation or error site).

import type { Kernels } from '../kernels/spec.js';
import { stepArray, type StepScope } from '../kernels/step-array.js';
import { checkTensor, dequantize, type Tensor } from '../tensor/tensor.js';

/**
 * t's values as float32 (N elements): a float tensor's own array; integer mantissas at an
 * exponent <= 96 scaled by the kernels' scale_to_f32 into the step workspace (one vectorised
 * pass on native, no new array per call: a WAGEUBN E2-only ResNet-20 step spent ~18 ms in
 * dequantize's allocations and loops); anything else (float64 mantissas, larger exponents)
 * through dequantize, which checks each value. The same values as dequantize(t) in every case.
 */
export function valuesF32(k: Kernels, t: Tensor, at: StepScope | null | undefined): Float32Array {
  checkTensor(t, 'tensor');
  if (t.kind === 'float') return t.data;
  if (t.exp > 96 || t.mant instanceof Float64Array) return dequantize(t);
  const out = stepArray(at, 'float32', t.mant.length, false);
  k.scale_to_f32(t.mant, 2 ** t.exp, out);
  return out;
}
