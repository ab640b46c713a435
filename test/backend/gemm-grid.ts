// SPDX-License-Identifier: MIT
// The integer GEMM test grid: ragged shapes x transposes x every int8/int16 operand pair, with
// operand ranges chosen so that no int32 sum can overflow (the Int32Array C contract: the
// caller guarantees K * max|a| * max|b| + max|C0| < 2^31). One operand spans its whole type
// range (so packing sees every sign bit), the other is narrowed as far as the bound requires.

import assert from 'node:assert/strict';
import type { GemmShape } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import { randInts, seeded } from './helpers.js';

export const INT32_MAX = 2 ** 31 - 1;
export const SIZES = [1, 7, 17, 33, 64, 100];
export const TRANS = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

export type IntCtor = Int8ArrayConstructor | Int16ArrayConstructor;
export const DTYPES: readonly [IntCtor, IntCtor, string][] = [
  [Int8Array, Int8Array, 'i8xi8'],
  [Int16Array, Int16Array, 'i16xi16'],
  [Int16Array, Int8Array, 'i16xi8'],
  [Int8Array, Int16Array, 'i8xi16'],
];

/** Largest |value| of a type: 128 for int8, 32768 for int16 (the negative end). */
export function typeMax(ctor: IntCtor): number {
  return ctor === Int8Array ? 128 : 32768;
}

/** n values of `ctor` uniform in [-amp, amp], or over the whole type when amp >= typeMax. */
export function fillRange(ctor: IntCtor, n: number, seed: number, amp: number): IntArray {
  const hi = typeMax(ctor);
  const lo = amp >= hi ? -hi : -amp;
  return ctor.from(randInts(seeded(seed), n, lo, Math.min(amp, hi - 1)));
}

/** Full-range values (may overflow int32 in long sums: only for Float64Array C). */
export function fillFull(ctor: IntCtor, n: number, seed: number): IntArray {
  return fillRange(ctor, n, seed, typeMax(ctor));
}

/** max |x|. */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

export interface IntCase {
  g: GemmShape;
  a: IntArray;
  b: IntArray;
  c0: Int32Array;
  what: string;
}

/** |C0| of accumulate cases. */
const C0_AMP = 1000;

/**
 * One grid case whose int32 sums cannot overflow: operand `full` ('a' or 'b') spans its type,
 * the other is narrowed to floor((2^31 - 1 - |C0|) / (K * typeMax(full))).
 */
export function boundedCase(
  g: GemmShape,
  [ca, cb, dt]: readonly [IntCtor, IntCtor, string],
  seed: number,
  full: 'a' | 'b',
): IntCase {
  const room = Math.floor((INT32_MAX - C0_AMP) / Math.max(1, g.K));
  const ampA = full === 'a' ? typeMax(ca) : Math.floor(room / typeMax(cb));
  const ampB = full === 'b' ? typeMax(cb) : Math.floor(room / typeMax(ca));
  const a = fillRange(ca, g.M * g.K, seed, ampA);
  const b = fillRange(cb, g.K * g.N, seed + 7777, ampB);
  const c0 = Int32Array.from(randInts(seeded(seed + 99), g.M * g.N, -C0_AMP, C0_AMP));
  const what = `${dt} M=${g.M} N=${g.N} K=${g.K} transA=${!!g.transA} transB=${!!g.transB} acc=${!!g.accumulate}`;
  // The grid's claim, checked on the data: the static bound of these operands fits int32.
  assert.ok(
    g.K * maxAbs(a) * maxAbs(b) + maxAbs(c0) <= INT32_MAX,
    `${what}: the case could overflow int32`,
  );
  return { g, a, b, c0, what };
}

/**
 * The ragged grid: every M, N, K of SIZES, each transpose pair of `trans`, every operand type
 * pair; accumulate on every third case.
 */
export function* intGrid(
  trans: readonly (readonly [boolean, boolean])[] = TRANS,
  sizes: readonly number[] = SIZES,
): Generator<IntCase> {
  let seed = 1;
  for (const M of sizes)
    for (const N of sizes)
      for (const K of sizes)
        for (const [transA, transB] of trans)
          for (const dt of DTYPES) {
            seed++;
            const g: GemmShape = { M, N, K, transA, transB, accumulate: seed % 3 === 0 };
            yield boundedCase(g, dt, seed, seed % 2 === 0 ? 'a' : 'b');
          }
}

/** Expected C: ref without accumulate, plus the initial C. */
export function expectedInt(
  g: GemmShape,
  a: IntArray,
  b: IntArray,
  c0: Int32Array | Float64Array,
): Int32Array | Float64Array {
  const want = c0 instanceof Int32Array ? new Int32Array(c0.length) : new Float64Array(c0.length);
  refKernels.gemm_int({ ...g, accumulate: false }, a, b, want);
  if (g.accumulate) for (let i = 0; i < want.length; i++) want[i] += c0[i];
  return want;
}
