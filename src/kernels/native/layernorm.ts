// SPDX-License-Identifier: MIT
// The addon's LayerNorm kernels (native/src/bind-layernorm.cc): one portable C++ loop each, in
// the reference's float64 order (the same bits as ref and wasm). Arguments are checked as the
// WASM wrappers check them (the same messages); arrays go in place.

import type { AnyArray, Kernels } from '../spec.js';
import { checkLayernormBackward, checkLayernormForward } from '../wasm/layernorm.js';

export interface NativeLayernorm {
  layernormForward(
    x: AnyArray,
    R: number,
    D: number,
    unit: number,
    eps: number,
    g: Float32Array,
    b: Float32Array,
    y: Float32Array,
    xhat: Float32Array,
    invSigma: Float64Array,
  ): void;
  layernormBackward(
    e: AnyArray,
    unit: number,
    xhat: Float32Array,
    invSigma: Float64Array,
    g: Float32Array,
    R: number,
    D: number,
    dx: Float32Array,
    dgb: Float64Array,
  ): void;
}

export const LAYERNORM_FUNCTIONS: readonly (keyof NativeLayernorm)[] = [
  'layernormForward',
  'layernormBackward',
];

export function layernormKernels(
  k: NativeLayernorm,
): Pick<Kernels, 'layernorm_forward' | 'layernorm_backward'> {
  return {
    layernorm_forward(x, R, D, unit, eps, g, b, y, xhat, invSigma) {
      checkLayernormForward(x, R, D, g, b, y, xhat, invSigma);
      k.layernormForward(x, R, D, unit, eps, g, b, y, xhat, invSigma);
    },
    layernorm_backward(e, unit, xhat, invSigma, g, R, D, dx, dgb) {
      checkLayernormBackward(e, xhat, invSigma, g, R, D, dx, dgb);
      k.layernormBackward(e, unit, xhat, invSigma, g, R, D, dx, dgb);
    },
  };
}
