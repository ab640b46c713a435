// SPDX-License-Identifier: MIT
// Storage dtypes, kept apart from number formats: a dfp<8> tensor is stored as int8.

export type DType = 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The largest int32, 2^31 - 1: an exact integer result up to this fits int32 storage. */
export const INT32_MAX = 2 ** 31 - 1;

/** Mantissa storage of integer operands (what kernels multiply). */
export type IntArray = Int8Array | Int16Array | Int32Array;
/**
 * Mantissa storage of any fixed-point tensor. Float64Array appears only for an accumulator
 * that was widened because int32 could overflow; it holds exact integers below 2^53.
 */
export type MantArray = IntArray | Float64Array;

export interface DTypeMap {
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** The narrowest integer storage that holds `bits`-bit two's complement mantissas. */
export function intDTypeFor(bits: number): 'int8' | 'int16' | 'int32' {
  if (bits <= 8) return 'int8';
  if (bits <= 16) return 'int16';
  return 'int32';
}

export function allocInt(bits: number, size: number): IntArray {
  switch (intDTypeFor(bits)) {
    case 'int8':
      return new Int8Array(size);
    case 'int16':
      return new Int16Array(size);
    case 'int32':
      return new Int32Array(size);
  }
}

export function dtypeOf(a: MantArray | Float32Array): DType {
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}
