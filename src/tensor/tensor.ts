// SPDX-License-Identifier: MIT
// Tensors: a shape plus storage. A float tensor holds float32 values; a fixed-point tensor
// holds integer mantissas and one shared exponent, value = mant * 2^exp.

import { sizeOf, shapeStr, type Shape } from './shape.js';
import type { MantArray } from './dtype.js';

export interface FloatTensor {
  readonly kind: 'float';
  readonly shape: Shape;
  readonly data: Float32Array;
  /**
   * max |data| (finite), when the kernel that wrote data computed it on the way: a
   * dynamic-exponent site reads it instead of scanning. Absent when unknown.
   */
  readonly maxAbs?: number;
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
  /**
   * A bound on |mant| its producer knew without a scan (a conv's input gradient: taps x
   * channels x 128 x 128), tighter than `bits`; absent when only `bits` is known.
   */
  readonly bound?: number;
  /**
   * max |mant| exactly, when the kernel that wrote mant computed it on the way (ReLU's
   * backward): a dynamic-exponent site reads it instead of scanning. Absent when unknown.
   */
  readonly mantMax?: number;
  /**
   * k when the mantissas are WAGEUBN flag-format values of k-bit data (src/format/flag.ts) with
   * Sc = 2^(exp + k - 1): each |mant| <= 2^(k-1), or a multiple of 2^(k-1) up to
   * (2^(k-1) - 1) 2^(k-1). A flag quantizer of the same k and Sc returns them unchanged.
   */
  readonly flagK?: number;
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

/** A float tensor over data whose max |data| its producer returned (NaN: unknown). */
export function floatTensorMax(shape: Shape, data: Float32Array, maxAbs: number): FloatTensor {
  const t = floatTensor(shape, data);
  return Number.isFinite(maxAbs) ? { ...t, maxAbs } : t;
}

/** t with `mantMax` (the exact max |mant| its producer returned) attached; NaN: unknown. */
export function withMantMax(t: Tensor, mantMax: number): Tensor {
  if (t.kind !== 'fixed' || !Number.isFinite(mantMax)) return t;
  return { ...t, mantMax };
}

/** t with `bound` (a bound on |mant| known without a scan) attached, if t is fixed-point. */
export function withBound(t: Tensor, bound: number | undefined): Tensor {
  if (t.kind !== 'fixed' || bound === undefined || !(bound < 2 ** (t.bits - 1))) return t;
  return { ...t, bound };
}

/**
 * Whether every |mant| of t is <= limit: from t.bound when that proves it, else from the
 * exact t.mantMax or a scan (`maxAbs`), so the answer is the scan's whatever the bound.
 */
export function mantWithin(
  t: FixedTensor,
  limit: number,
  maxAbs: (m: MantArray) => number,
): boolean {
  return (t.bound !== undefined && t.bound <= limit) || (t.mantMax ?? maxAbs(t.mant)) <= limit;
}

const FLOAT32_MAX = 3.4028234663852886e38;
/** Exponents a checked tensor may carry: 2^exp and mant * 2^exp stay finite in float64. */
export const MAX_TENSOR_EXP = 960;

const isMant = (a: unknown): a is MantArray =>
  a instanceof Int8Array ||
  a instanceof Int16Array ||
  a instanceof Int32Array ||
  a instanceof Float64Array;

/**
 * Checks a tensor made elsewhere (by hand, from a file): its kind, a shape of whole numbers
 * whose size matches the storage, integer mantissa storage and an integer exponent in range.
 * O(1): values are checked where they are read. Throws an error naming what is wrong.
 */
export function checkTensor(t: Tensor, what = 'tensor'): Tensor {
  if (typeof t !== 'object' || t === null)
    throw new Error(`${what} is not a tensor: got ${String(t)}`);
  const shape: unknown = t.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(
      `${what} has shape ${JSON.stringify(shape)}: a shape is a list of whole numbers >= 0`,
    );
  }
  const n = sizeOf(shape);
  if (t.kind === 'float') {
    if (!(t.data instanceof Float32Array))
      throw new Error(`${what}: a float tensor holds a Float32Array`);
    if (t.data.length !== n)
      throw new Error(`${what}: shape ${shapeStr(shape)} needs ${n} values, got ${t.data.length}`);
    return t;
  }
  if (t.kind !== 'fixed') {
    throw new Error(
      `${what} has kind ${JSON.stringify((t as { kind?: unknown }).kind)}: use 'float' or 'fixed'`,
    );
  }
  if (!isMant(t.mant))
    throw new Error(
      `${what}: mantissas must be an Int8Array, Int16Array, Int32Array or Float64Array`,
    );
  if (t.mant.length !== n)
    throw new Error(`${what}: shape ${shapeStr(shape)} needs ${n} mantissas, got ${t.mant.length}`);
  if (!Number.isInteger(t.exp) || Math.abs(t.exp) > MAX_TENSOR_EXP) {
    throw new Error(
      `${what}: exponent must be a whole number in [-${MAX_TENSOR_EXP}, ${MAX_TENSOR_EXP}], got ${t.exp}`,
    );
  }
  return t;
}

/**
 * Values as float32 (mant * 2^exp rounded to float32; exact while |mant| < 2^24). The tensor
 * is checked first; a value beyond float32's range is an error naming it (use dequantize64).
 */
export function dequantize(t: Tensor): Float32Array {
  checkTensor(t, 'dequantize: tensor');
  if (t.kind === 'float') return t.data;
  const out = new Float32Array(t.mant.length);
  const s = 2 ** t.exp;
  // Integer mantissas (|m| <= 2^31) at exp <= 96 stay below float32's largest value: no check,
  // and one loop per storage type (one loop over all four types is megamorphic, ~10x slower).
  const m = t.mant;
  if (t.exp <= 96) {
    if (m instanceof Int8Array) return scaleInt8(m, s, out);
    if (m instanceof Int16Array) return scaleInt16(m, s, out);
    if (m instanceof Int32Array) return scaleInt32(m, s, out);
  }
  for (let i = 0; i < out.length; i++) {
    const v = t.mant[i] * s;
    // One comparison catches overflow and a NaN in a hand-made Float64Array of mantissas.
    if (!(Math.abs(v) <= FLOAT32_MAX)) {
      throw new RangeError(
        `dequantize: mantissa ${t.mant[i]} at index ${i} times 2^${t.exp} is not a finite float32 value`,
      );
    }
    out[i] = v;
  }
  return out;
}

// out = m * s rounded once to float32 (the product is exact in float64).
function scaleInt8(m: Int8Array, s: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = m[i] * s;
  return out;
}
function scaleInt16(m: Int16Array, s: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = m[i] * s;
  return out;
}
function scaleInt32(m: Int32Array, s: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = m[i] * s;
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
