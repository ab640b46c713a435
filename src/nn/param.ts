// SPDX-License-Identifier: MIT
// A trainable parameter: its stored values and the gradient of the current step.

import type { Shape } from '../tensor/shape.js';
import { sizeOf, shapeStr } from '../tensor/shape.js';
import { checkTensor, dequantize, type Tensor } from '../tensor/tensor.js';
import type { Kernels } from '../kernels/spec.js';

/**
 * A fixed-point gradient's values: the kernels' scale_to_f32 (float32(m * 2^exp), the product
 * in float64 as dequantize computes it) into `out` where its integer mantissas at exp <= 96
 * stay finite, else dequantize (its checks and messages; a new array).
 */
function gradValues(g: Tensor, k: Kernels | undefined, out: Float32Array): Float32Array {
  if (!k || g.kind !== 'fixed' || g.mant instanceof Float64Array) return dequantize(g);
  checkTensor(g, 'dequantize: tensor');
  if (g.exp > 96) return dequantize(g);
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
  /**
   * Gradient of this step (the G site's output, as values), or null before backward. Its
   * storage is reused by the next step's gradient: copy it to keep it.
   */
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
   * The gradient's storage, kept across steps: a new array per parameter and step (fc1 of
   * LeNet-5: 192 KB) came back from the system as fresh pages, faulted in on every step.
   */
  private gradStore: Float32Array | null = null;

  private store(): Float32Array {
    return (this.gradStore ??= new Float32Array(this.value.length));
  }

  /**
   * Adds a gradient (a parameter used twice in one step gets the sum); `k` converts fixed-point
   * mantissas to values (same bits as without).
   */
  addGrad(g: Tensor, k?: Kernels): void {
    const n = g.kind === 'float' ? g.data.length : g.mant.length;
    if (n !== this.value.length) {
      throw new Error(`${this.name}: gradient has ${n} values, parameter ${this.value.length}`);
    }
    if (this.grad === null) {
      // A float gradient's storage belongs to the layer (it may be reused): copied.
      const out = this.store();
      const v = g.kind === 'float' ? g.data : gradValues(g, k, out);
      if (v !== out) out.set(v);
      this.grad = out;
      this.gradTensor = g;
    } else {
      const v = gradValues(g, k, new Float32Array(n));
      for (let i = 0; i < v.length; i++) this.grad[i] += v[i];
      this.gradTensor = null; // a sum of two quantized gradients has no single format
    }
  }

  zeroGrad(): void {
    this.grad = null;
    this.gradTensor = null;
  }
}
