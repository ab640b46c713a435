// SPDX-License-Identifier: MIT
// A trainable parameter: its stored values and the gradient of the current step.

import type { Shape } from '../tensor/shape.js';
import { sizeOf, shapeStr } from '../tensor/shape.js';
import { checkTensor, dequantize, type Tensor } from '../tensor/tensor.js';
import type { Kernels } from '../kernels/spec.js';

/**
 * A fixed-point gradient's values: the kernels' scale_to_f32 (float32(m * 2^exp), the product
 * in float64 as dequantize computes it) where its integer mantissas at exp <= 96 stay finite,
 * else dequantize (its checks and messages).
 */
function gradValues(g: Tensor, k: Kernels | undefined): Float32Array {
  if (!k || g.kind !== 'fixed' || g.mant instanceof Float64Array) return dequantize(g);
  checkTensor(g, 'dequantize: tensor');
  if (g.exp > 96) return dequantize(g);
  const out = new Float32Array(g.mant.length);
  k.scale_to_f32(g.mant, 2 ** g.exp, out);
  return out;
}

export type ParamRole = 'weight' | 'bias' | 'gamma' | 'beta';

export class Param {
  /**
   * Stored values, float32. A low-precision optimizer keeps them exactly on its storage grid
   * (any fixed-point value of <= 24 bits is exact in float32).
   */
  readonly value: Float32Array;
  /** Gradient of this step (the G site's output, as values), or null before backward. */
  grad: Float32Array | null = null;
  /** The G site's output as produced (fixed-point when quantized), for telemetry and costs. */
  gradTensor: Tensor | null = null;

  constructor(
    /** Unique name, `<layer>.<role>`, e.g. `conv1.weight`. */
    readonly name: string,
    /** Name of the layer that owns it, e.g. `conv1`. */
    readonly layer: string,
    readonly role: ParamRole,
    readonly shape: Shape,
    value?: Float32Array,
  ) {
    const n = sizeOf(shape);
    this.value = value ?? new Float32Array(n);
    if (this.value.length !== n) {
      throw new Error(
        `${name}: shape ${shapeStr(shape)} needs ${n} values, got ${this.value.length}`,
      );
    }
  }

  get size(): number {
    return this.value.length;
  }

  /**
   * Adds a gradient (a parameter used twice in one step gets the sum); `k` converts fixed-point
   * mantissas to values (same bits as without).
   */
  addGrad(g: Tensor, k?: Kernels): void {
    const v = gradValues(g, k);
    if (v.length !== this.value.length) {
      throw new Error(
        `${this.name}: gradient has ${v.length} values, parameter ${this.value.length}`,
      );
    }
    if (this.grad === null) {
      // A float gradient's storage belongs to the layer (it may be reused): keep a copy.
      this.grad = g.kind === 'float' ? v.slice() : v;
      this.gradTensor = g;
    } else {
      for (let i = 0; i < v.length; i++) this.grad[i] += v[i];
      this.gradTensor = null; // a sum of two quantized gradients has no single format
    }
  }

  zeroGrad(): void {
    this.grad = null;
    this.gradTensor = null;
  }
}
