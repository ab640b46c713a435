// SPDX-License-Identifier: MIT
// The numeric codes of the kernel ABI: the one assembly copy of src/kernels/wasm/codes.ts
// (test/unit/abi-codes.test.ts checks that both define the same names and values). Constant
// globals with literal values, so the compiler inlines them.

// Element kinds: what an element of an array argument is.
export const KIND_I8: i32 = 0;
export const KIND_I16: i32 = 1;
export const KIND_I32: i32 = 2;
export const KIND_F32: i32 = 3;
export const KIND_F64: i32 = 4;

// Rounding modes of the quantize kernels (formulas in src/quant/rounding.ts).
export const ROUND_NEAREST: i32 = 0;
export const ROUND_STOCHASTIC: i32 = 1;
export const ROUND_FLOOR: i32 = 2;
export const ROUND_NEAREST_EVEN: i32 = 3;

/** Bytes per element of a kind. */
export function kindBytes(kind: i32): i32 {
  return kind == KIND_I8 ? 1 : kind == KIND_I16 ? 2 : kind == KIND_F64 ? 8 : 4;
}

// lowbit's own float64 functions (float_fn_f64; src/kernels/ref/float-functions.ts).
export const FN_EXP: i32 = 0;
export const FN_SIGMOID: i32 = 1;
export const FN_TANH: i32 = 2;
