// SPDX-License-Identifier: MIT
// The numeric codes of the kernel ABI, defined once: element kinds and rounding modes as the
// WASM exports take them. assembly/codes.ts is the one assembly copy; test/unit/abi-codes.test.ts
// checks that both files define the same names and values, so they cannot drift apart.

import type { Rounding } from '../../quant/rounding.js';
import type { FloatFn } from '../spec-types.js';

// Element kinds: what an element of an array argument is.
export const KIND_I8 = 0;
export const KIND_I16 = 1;
export const KIND_I32 = 2;
export const KIND_F32 = 3;
export const KIND_F64 = 4;

// Rounding modes of the quantize kernels (formulas in src/quant/rounding.ts).
export const ROUND_NEAREST = 0;
export const ROUND_STOCHASTIC = 1;
export const ROUND_FLOOR = 2;
/** Round half to even ('nearest-even'): f64.nearest. */
export const ROUND_NEAREST_EVEN = 3;

// lowbit's own float64 functions (float_fn_f64; src/kernels/ref/float-functions.ts).
export const FN_EXP = 0;
export const FN_SIGMOID = 1;
export const FN_TANH = 2;

export type ElemKind =
  typeof KIND_I8 | typeof KIND_I16 | typeof KIND_I32 | typeof KIND_F32 | typeof KIND_F64;

export type RoundCode =
  typeof ROUND_NEAREST | typeof ROUND_STOCHASTIC | typeof ROUND_FLOOR | typeof ROUND_NEAREST_EVEN;

/** Arrays the kernels take, by element kind. */
export type KindedArray = Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** The element kind of a typed array. */
export function elemKind(x: KindedArray): ElemKind {
  if (x instanceof Int8Array) return KIND_I8;
  if (x instanceof Int16Array) return KIND_I16;
  if (x instanceof Int32Array) return KIND_I32;
  if (x instanceof Float32Array) return KIND_F32;
  return KIND_F64;
}

const ROUND_CODES: Readonly<Record<Rounding, RoundCode>> = {
  nearest: ROUND_NEAREST,
  stochastic: ROUND_STOCHASTIC,
  floor: ROUND_FLOOR,
  'nearest-even': ROUND_NEAREST_EVEN,
};

/** The rounding mode code of a rounding. */
export function roundCode(r: Rounding): RoundCode {
  return ROUND_CODES[r];
}

const FN_CODES: Readonly<Record<FloatFn, number>> = {
  exp: FN_EXP,
  sigmoid: FN_SIGMOID,
  tanh: FN_TANH,
};

/** The code of one of lowbit's float64 functions; throws on an unknown name. */
export function floatFnCode(fn: FloatFn): number {
  const c = FN_CODES[fn] as number | undefined;
  if (c === undefined) throw new RangeError(`float_fn_f64: unknown function ${String(fn)}`);
  return c;
}
