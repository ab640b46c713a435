// SPDX-License-Identifier: MIT
// Matrix products on tensors, choosing the integer or the float path. When both operands are
// fixed-point the product is computed on their mantissas with an integer accumulator and
// stays fixed-point (exp = expA + expB). The accumulator is int32 when the static bound
// K * max|a| * max|b| (+ extra) fits; otherwise it is widened to exact float64 integers,
// never wrapped.

import type { GemmShape, Kernels } from '../kernels/spec.js';
import { INT32_MAX, type IntArray, type MantArray } from '../tensor/dtype.js';
import { stepArray, type StepScope } from '../kernels/step-array.js';
import { countMacs } from './macs.js';

/** The accumulator bound up to which int32 storage is exact (tensor/dtype.ts INT32_MAX). */
export const INT32_LIMIT = INT32_MAX;

/** Largest |mantissa|, cheap beside the product it bounds. */
export function maxAbsMant(k: Kernels, m: MantArray): number {
  return k.maxAbs(m);
}

/**
 * The accumulator for a sum bounded by `bound`: int32 when it fits, float64 otherwise; a step
 * workspace array when `at` is a training step (see kernels/step-array.ts stepArray).
 */
export function allocAcc(
  bound: number,
  size: number,
  at?: StepScope | null,
  zeroed = true,
): Int32Array | Float64Array {
  if (bound > 2 ** 53) {
    throw new RangeError(
      `an integer accumulation could reach ${bound.toExponential(2)}, beyond exact float64 ` +
        `(2^53): the scheme gives this layer's operands too many bits for their depth; use at ` +
        `most 16 bits at its W, A, E and G sites (e.g. dfp<16>), or float32 for one operand`,
    );
  }
  return bound <= INT32_LIMIT
    ? stepArray(at, 'int32', size, zeroed)
    : stepArray(at, 'float64', size, zeroed);
}

/**
 * Integer GEMM of mantissas into a fresh accumulator. `extra` bounds anything the caller will
 * add to each output afterwards (a bias), so the accumulator type covers it too. `at`: see
 * allocAcc. `max`: the operands' max |mantissa| where the caller knows them exactly (an im2col
 * matrix has its input's), else a scan finds them when the types do not settle it.
 */
export function intGemm(
  k: Kernels,
  g: GemmShape,
  a: MantArray,
  b: MantArray,
  extra = 0,
  at?: StepScope | null,
  max: { a?: number; b?: number } = {},
): Int32Array | Float64Array {
  const { shape, c } = accumulator(k, g, 1, a, b, extra, at, max);
  k.gemm_int(shape, asInt(a), asInt(b), c);
  countMacs(a, b, g.M * g.N * g.K);
  at?.observer?.gemm?.({ shape: g, a, b, c });
  return c;
}

/**
 * `batch` integer GEMMs of shape g over contiguous blocks of a (M*K), b (K*N) into one fresh
 * accumulator (batch*M*N), in one kernel call: the accumulator type is chosen from the bound
 * over all blocks (the types', else the whole operands' max |mantissa|), so a block may get a
 * float64 accumulator where its own bound fits int32; the integers are the same.
 */
export function intGemmBatch(
  k: Kernels,
  g: GemmShape,
  batch: number,
  a: MantArray,
  b: MantArray,
  at?: StepScope | null,
): Int32Array | Float64Array {
  const { shape, c } = accumulator(k, g, batch, a, b, 0, at, {});
  k.gemm_int_batch(shape, batch, asInt(a), asInt(b), c);
  countMacs(a, b, batch * g.M * g.N * g.K);
  const obs = at?.observer;
  if (obs?.gemm) {
    // One event per block, as one gemm_int per block would give.
    const { M, N, K } = g;
    for (let i = 0; i < batch; i++) {
      obs.gemm({
        shape: g,
        a: a.subarray(i * M * K, (i + 1) * M * K),
        b: b.subarray(i * K * N, (i + 1) * K * N),
        c: c.subarray(i * M * N, (i + 1) * M * N),
      });
    }
  }
  return c;
}

/** The accumulator of `batch` GEMMs of shape g, and the shape with maxA, maxB for a wide C. */
function accumulator(
  k: Kernels,
  g: GemmShape,
  batch: number,
  a: MantArray,
  b: MantArray,
  extra: number,
  at: StepScope | null | undefined,
  max: { a?: number; b?: number },
): { shape: GemmShape; c: Int32Array | Float64Array } {
  // The storage type bounds |mantissa| (int8: 128, int16: 32768): when that bound already
  // fits int32, the accumulator is int32 whatever the values, so the scans are skipped.
  const typeBound = g.K * typeMax(a) * typeMax(b) + extra;
  let shape = g;
  let bound = typeBound;
  if (typeBound > INT32_LIMIT) {
    const maxA = max.a ?? maxAbsMant(k, a);
    const maxB = max.b ?? maxAbsMant(k, b);
    bound = g.K * maxA * maxB + extra;
    // A Float64Array C: the backend plans its exact chunked sums from these maxima rather
    // than scanning the operands again.
    if (bound > INT32_LIMIT) shape = { ...g, maxA, maxB };
  }
  // The GEMM overwrites C (accumulate is off) unless the depth is 0.
  return { shape, c: allocAcc(bound, batch * g.M * g.N, at, g.K === 0) };
}

/** Largest |value| the storage type of `m` can hold. */
export function typeMax(m: MantArray): number {
  if (m instanceof Int8Array) return 128;
  if (m instanceof Int16Array) return 32768;
  return Infinity;
}

/** Operands of a GEMM are narrow mantissas; a widened accumulator must be requantized first. */
export function asInt(m: MantArray): IntArray {
  if (m instanceof Float64Array) {
    throw new Error(
      'a widened (float64) accumulator cannot be a GEMM operand: requantize it at a site first',
    );
  }
  return m;
}
