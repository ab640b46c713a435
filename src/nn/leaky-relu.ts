// SPDX-License-Identifier: MIT
// LeakyReLU y = x > 0 ? x : slope * x. Like ReLU it needs no site: with a power-of-two slope
// 2^-s it is exact on a fixed-point tensor, y = (x > 0 ? x * 2^s : x) at exponent exp - s (the
// mantissas grow by s bits in int32; the next layer's A site rounds them). Any other slope on a
// fixed-point input gives float32, as Tanh does. Backward scales the error the same way from
// the saved x > 0 mask.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import { stepArray, type StepScope } from './arrays.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import type { LayerCost } from './cost.js';

export class LeakyReLU extends Layer {
  readonly kind = 'leaky_relu';
  /** s where slope = 2^-s exactly, else null. */
  private readonly shift: number | null;
  /** The training forward's x > 0 mask (N, ...), 1 byte per element (step workspace). */
  private mask: Int8Array | null = null;

  constructor(
    name: string,
    readonly slope = 0.2,
  ) {
    super(name);
    if (!(slope >= 0 && slope < 1))
      throw new Error(`${name}: slope must be in [0, 1), got ${slope}`);
    const s = -Math.log2(slope);
    this.shift = Number.isInteger(s) && s <= 16 ? s : null;
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  // No MACs; saves the x > 0 mask, one byte per value (one bit nominally).
  cost(input: Shape, batch: number): LayerCost {
    const n = batch * sizeOf(input);
    return { output: input, macs: [], savedBytes: n, nominalSavedBytes: n / 8, workspaceBytes: 0 };
  }

  // x (N, ...) -> y (N, ...): fixed with a power-of-two slope -> int32 at exp - s, else float32.
  forward(x: Tensor, ctx: RunContext): Tensor {
    const n = x.kind === 'float' ? x.data.length : x.mant.length;
    const mask = stepArray(ctx, 'int8', n);
    if (ctx.training) this.mask = mask;
    return this.scale(x, mask, true, ctx);
  }

  // dy (N, ...) -> dx = mask ? dy : slope * dy, in the same number system as forward.
  backward(dy: Tensor, ctx?: RunContext): Tensor {
    const mask = this.mask;
    if (!mask) throw new Error(`${this.name}: backward without a training forward`);
    const n = dy.kind === 'float' ? dy.data.length : dy.mant.length;
    if (n !== mask.length)
      throw new Error(`${this.name}: error size ${n} != output size ${mask.length}`);
    return this.scale(dy, mask, false, ctx);
  }

  /**
   * v where mask else slope * v; fills the (zeroed) mask from v > 0 first when `fill`. The
   * filling and the masked passes are separate loops: one loop that tested `fill` and read
   * the mask back per element ran about 15x slower in V8 (measured at DCGAN's shapes).
   */
  private scale(t: Tensor, mask: Int8Array, fill: boolean, at?: StepScope): Tensor {
    const s = this.shift;
    if (t.kind === 'fixed' && s !== null && !(t.mant instanceof Float64Array) && t.bits + s <= 31) {
      const m = t.mant;
      const out = stepArray(at, 'int32', m.length, false);
      const up = 2 ** s;
      if (fill) fixedForward(m, mask, out, up);
      else fixedMasked(m, mask, out, up);
      return fixedTensor(t.shape, out, t.exp - s, t.bits + s);
    }
    if (fill && t.kind === 'fixed' && !(t.mant instanceof Float64Array)) {
      // The forward of a conv's int32 output: dequantize and scale in one pass.
      const out = stepArray(at, 'float32', t.mant.length, false);
      fixedToFloatForward(t.mant, 2 ** t.exp, mask, out, this.slope, this.name);
      return floatTensor(t.shape, out);
    }
    const v = dequantize(t);
    const out = stepArray(at, 'float32', v.length, false);
    if (fill) floatForward(v, mask, out, this.slope);
    else floatMasked(v, mask, out, this.slope);
    return floatTensor(t.shape, out);
  }

  override clearSaved(): void {
    this.mask = null;
  }
}

// m (n) int mantissas -> mask (n) = m > 0 (mask zeroed on entry), out = m > 0 ? m * up : m.
function fixedForward(m: ArrayLike<number>, mask: Int8Array, out: Int32Array, up: number): void {
  for (let i = 0; i < m.length; i++) {
    const x = m[i];
    if (x > 0) {
      mask[i] = 1;
      out[i] = x * up;
    } else out[i] = x;
  }
}

// out = mask ? m * up : m.
function fixedMasked(m: ArrayLike<number>, mask: Int8Array, out: Int32Array, up: number): void {
  for (let i = 0; i < m.length; i++) {
    const x = m[i];
    out[i] = mask[i] ? x * up : x;
  }
}

// v (n) f32 -> mask (n) = v > 0 (mask zeroed on entry), out = v > 0 ? v : a * v.
function floatForward(v: Float32Array, mask: Int8Array, out: Float32Array, a: number): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x > 0) {
      mask[i] = 1;
      out[i] = x;
    } else out[i] = a * x;
  }
}

// out = mask ? v : a * v.
function floatMasked(v: Float32Array, mask: Int8Array, out: Float32Array, a: number): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    out[i] = mask[i] ? x : a * x;
  }
}

// m (n) integer mantissas at scale sc -> x = f32(m * sc) as dequantize gives it; mask (n) =
// x > 0 (mask zeroed on entry), out = x > 0 ? x : a * x.
function fixedToFloatForward(
  m: Int8Array | Int16Array | Int32Array,
  sc: number,
  mask: Int8Array,
  out: Float32Array,
  a: number,
  name: string,
): void {
  for (let i = 0; i < m.length; i++) {
    const x = Math.fround(m[i] * sc);
    if (!Number.isFinite(x))
      throw new RangeError(`${name}: mantissa ${m[i]} at index ${i} times ${sc} overflows float32`);
    if (x > 0) {
      mask[i] = 1;
      out[i] = x;
    } else out[i] = a * x;
  }
}
