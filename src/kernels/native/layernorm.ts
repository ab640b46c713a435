// SPDX-License-Identifier: MIT
// The addon's LayerNorm kernels (native/src/bind-layernorm.cc): one portable C++ loop each, in
// the reference's float64 order (the same bits as ref and wasm). Arguments are checked as the
// WASM wrappers check them (the same messages); arrays go in place.

import type { AnyArray, Kernels } from '../spec.js';
import { need } from '../wasm/recurrent.js';

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

function checkRD(kind: string, R: number, D: number): void {
  if (!Number.isInteger(R) || !Number.isInteger(D) || R < 0 || D < 0)
    throw new RangeError(`${kind}: R=${R} and D=${D} must be integers >= 0`);
}

export function layernormKernels(
  k: NativeLayernorm,
): Pick<Kernels, 'layernorm_forward' | 'layernorm_backward'> {
  return {
    layernorm_forward(x, R, D, unit, eps, g, b, y, xhat, invSigma) {
      checkRD('layernorm_forward', R, D);
      const n = R * D;
      for (const [a, w, m] of [
        [x, 'x', n],
        [g, 'g', D],
        [b, 'b', D],
        [y, 'y', n],
        [xhat, 'xhat', n],
        [invSigma, 'invSigma', R],
      ] as const)
        need('layernorm_forward', w, a.length, m);
      k.layernormForward(x, R, D, unit, eps, g, b, y, xhat, invSigma);
    },
    layernorm_backward(e, unit, xhat, invSigma, g, R, D, dx, dgb) {
      checkRD('layernorm_backward', R, D);
      const n = R * D;
      for (const [a, w, m] of [
        [e, 'e', n],
        [xhat, 'xhat', n],
        [invSigma, 'invSigma', R],
        [g, 'g', D],
        [dx, 'dx', n],
        [dgb, 'dgb', 2 * D],
      ] as const)
        need('layernorm_backward', w, a.length, m);
      k.layernormBackward(e, unit, xhat, invSigma, g, R, D, dx, dgb);
    },
  };
}
