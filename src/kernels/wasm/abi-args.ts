// SPDX-License-Identifier: MIT
// The argument types of the kernel ABI (exports.ts): scalars as the module sees them and the
// argument lists of the GEMM exports, which the threaded drivers build and pass on.

import type { KIND_I16, KIND_I32, KIND_I8 } from './codes.js';

/** A byte address in linear memory. */
export type Ptr = number;
/** An int32 argument (a count, size or stride in elements). */
export type I32 = number;
/** A float64 argument. */
export type F64 = number;
/** A bool argument. */
export type Flag = 0 | 1;
/** Element bytes of an integer GEMM operand: 1 int8, 2 int16. */
export type OperandBytes = 1 | 2;

/** C (M,N) i32 (+)= op(A) op(B); A (M,K) or (K,M) when transA, B (K,N) or (N,K) when transB. */
export type GemmIntArgs = [
  M: I32,
  N: I32,
  K: I32,
  a: Ptr,
  esA: OperandBytes,
  lda: I32,
  transA: Flag,
  b: Ptr,
  esB: OperandBytes,
  ldb: I32,
  transB: Flag,
  c: Ptr,
  ldc: I32,
  accumulate: Flag,
  scratch: Ptr,
];

/** C (M,N) i32 (+)= A (M,K) B^T, B stored (N,K): the dot route (no transposes, no scratch). */
export type GemmDotArgs = [
  M: I32,
  N: I32,
  K: I32,
  a: Ptr,
  esA: OperandBytes,
  lda: I32,
  b: Ptr,
  esB: OperandBytes,
  ldb: I32,
  c: Ptr,
  ldc: I32,
  accumulate: Flag,
];

/** C (M,N) f64 (+)= A (M,K) B^T exactly: int32 lane sums of at most `run` k, added in float64. */
export type GemmWideDotArgs = [...GemmDotArgs, run: I32];

/** C (M,N) i32 (+)= A (M,K) B (K,N), both row-major: the small-M route. */
export type GemmSmallMArgs = [...GemmDotArgs, scratch: Ptr];

/** Element kinds an exact wide GEMM operand may have. */
export type WideKind = typeof KIND_I8 | typeof KIND_I16 | typeof KIND_I32;

/**
 * C (M,N) f64 (+)= op(A) op(B), exact: int32 sums of at most `chunk` k, operands split into
 * limbsA (1, 2 or 4) / limbsB (1..4) 8-bit limbs (1 = whole values).
 */
export type GemmWideArgs = [
  M: I32,
  N: I32,
  K: I32,
  a: Ptr,
  kindA: WideKind,
  lda: I32,
  transA: Flag,
  b: Ptr,
  kindB: WideKind,
  ldb: I32,
  transB: Flag,
  c: Ptr,
  ldc: I32,
  accumulate: Flag,
  scratch: Ptr,
  chunk: I32,
  limbsA: I32,
  limbsB: I32,
];

/** C (M,N) f32 (+)= op(A) op(B). */
export type GemmF32Args = [
  M: I32,
  N: I32,
  K: I32,
  a: Ptr,
  lda: I32,
  transA: Flag,
  b: Ptr,
  ldb: I32,
  transB: Flag,
  c: Ptr,
  ldc: I32,
  accumulate: Flag,
  scratch: Ptr,
];
