// SPDX-License-Identifier: MIT
// Tensors: a shape plus storage. A float tensor holds float32 values; a fixed-point tensor
// holds integer mantissas and one shared exponent, value = mant * 2^exp.

import { sizeOf, shapeStr, type Shape } from './shape.js';
import type { MantArray } from './dtype.js';

export interface FloatTensor {
  readonly kind: 'float';
  readonly shape: Shape;
  readonly data: Float32Array;
}

export interface FixedTensor {
  readonly kind: 'fixed';
  readonly shape: Shape;
  /** Integer mantissas; |mant| < 2^(bits-1) except the two's complement minimum. */
  readonly mant: MantArray;
  /** Shared power-of-two exponent: value = mant * 2^exp. */
  readonly exp: number;
  /** Width the mantissas are known to fit (8 for a dfp<8> tensor, 32 for an accumulator). */
  readonly bits: number;
}

export type Tensor = FloatTensor | FixedTensor;

export function floatTensor(shape: Shape, data?: Float32Array): FloatTensor {
  const n = sizeOf(shape);
  const d = data ?? new Float32Array(n);
  if (d.length !== n) {
    throw new Error(`tensor of shape ${shapeStr(shape)} needs ${n} values, got ${d.length}`);
  }
  return { kind: 'float', shape: [...shape], data: d };
}

export function fixedTensor(shape: Shape, mant: MantArray, exp: number, bits: number): FixedTensor {
  const n = sizeOf(shape);
  if (mant.length !== n) {
    throw new Error(`tensor of shape ${shapeStr(shape)} needs ${n} mantissas, got ${mant.length}`);
  }
  if (!Number.isInteger(exp)) throw new Error(`exponent must be an integer, got ${exp}`);
  return { kind: 'fixed', shape: [...shape], mant, exp, bits };
}

/** Values as float32 (mant * 2^exp rounded to float32; exact while |mant| < 2^24). */
export function dequantize(t: Tensor): Float32Array {
  if (t.kind === 'float') return t.data;
  const out = new Float32Array(t.mant.length);
  const s = 2 ** t.exp;
  for (let i = 0; i < out.length; i++) out[i] = t.mant[i] * s;
  return out;
}

/** Values as float64: exact for every fixed-point tensor. */
export function dequantize64(t: Tensor): Float64Array {
  const out = new Float64Array(t.kind === 'float' ? t.data.length : t.mant.length);
  if (t.kind === 'float') {
    out.set(t.data);
    return out;
  }
  const s = 2 ** t.exp;
  for (let i = 0; i < out.length; i++) out[i] = t.mant[i] * s;
  return out;
}

export function toFloat(t: Tensor): FloatTensor {
  return t.kind === 'float' ? t : floatTensor(t.shape, dequantize(t));
}

export function reshape<T extends Tensor>(t: T, shape: Shape): T {
  if (sizeOf(shape) !== sizeOf(t.shape)) {
    throw new Error(`cannot reshape ${shapeStr(t.shape)} to ${shapeStr(shape)}`);
  }
  return { ...t, shape: [...shape] };
}

export function numel(t: Tensor): number {
  return sizeOf(t.shape);
}
