// SPDX-License-Identifier: MIT
// Quantization to integer mantissas: from float values, and from other mantissas by shifting
// (requantization of an int32 accumulator to int8/int16). Both paths use the rounding rules of
// rounding.ts and give the same integers for the same values and random draws (m / 2^s is
// exact in float64, so nearest-even rounds the same value on both).
//
// Stochastic rounding draws exactly one 32-bit word per element, in index order, and uses its
// top 24 bits; the WebAssembly kernels follow the same contract so runs match bit for bit.

import {
  checkFormat,
  qmax,
  qmin,
  dynamicExponent,
  type Format,
  type IntFormat,
} from '../format/format.js';
import { allocInt, type IntArray, type MantArray } from '../tensor/dtype.js';
import {
  checkTensor,
  fixedTensor,
  floatTensor,
  type FixedTensor,
  type Tensor,
} from '../tensor/tensor.js';
import { checkShape, shapeStr, sizeOf, type Shape } from '../tensor/shape.js';
import { makeRng, type Rng } from './rng.js';
import { checkRounding, roundHalfEven, type Rounding, roundNearest } from './rounding.js';
import { emptyStats, type QuantStats } from './stats.js';

/** Largest |x| over finite values; throws on NaN or Infinity, naming where it was seen. */
/** How many values have |v| >= t (NaN never counts): the reference of count_abs_at_least. */
export function countAbsAtLeast(values: ArrayLike<number>, t: number): number {
  let c = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) >= t) c++;
  return c;
}

export function maxAbs(values: ArrayLike<number>, what = 'tensor'): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
    else if (!(a <= m)) {
      throw new RangeError(
        `${what} holds ${values[i]} at index ${i}: training diverged or the input is bad ` +
          `(lower the learning rate, or check the data)`,
      );
    }
  }
  if (m === Infinity) {
    let i = 0;
    while (Math.abs(values[i]) !== Infinity) i++;
    throw new RangeError(
      `${what} holds an infinite value (${values[i]}) at index ${i}: training diverged or the ` +
        `input is bad (lower the learning rate, or check the data)`,
    );
  }
  return m;
}

/**
 * out[i] = clamp(round(values[i] * 2^-exp)) for a `bits`-bit mantissa; `symmetric` clamps to
 * +-(2^(bits-1) - 1). Returns the counts of saturated and underflowed values.
 */
export function quantizeInto(
  values: ArrayLike<number>,
  exp: number,
  bits: number,
  rounding: Rounding,
  rng: Rng | null,
  out: IntArray,
  symmetric = false,
): QuantStats {
  const lo = qmin(bits) + (symmetric ? 1 : 0);
  const hi = qmax(bits);
  const scale = 2 ** -exp;
  const stats = emptyStats();
  stats.count = values.length;
  if (rounding === 'stochastic' && !rng) throw new Error('stochastic rounding needs a seeded rng');
  for (let i = 0; i < values.length; i++) {
    const v = values[i] * scale;
    let q: number;
    if (rounding === 'nearest') q = roundNearest(v);
    else if (rounding === 'nearest-even') q = roundHalfEven(v);
    else if (rounding === 'stochastic') q = Math.floor(v + (rng!.nextU32() >>> 8) / 16777216);
    else q = Math.floor(v);
    if (q > hi) {
      q = hi;
      stats.saturated++;
    } else if (q < lo) {
      q = lo;
      stats.saturated++;
    } else if (q === 0 && v !== 0) stats.underflow++;
    out[i] = q;
  }
  return stats;
}

/**
 * Requantizes integer mantissas from exponent `fromExp` to `toExp` with a shift of
 * s = toExp - fromExp bits: out = clamp(round(mant / 2^s)). For s <= 0 it is exact.
 * All arithmetic is on integers below 2^53, so it is exact in float64. `symmetric` as above.
 */
export function requantizeInto(
  mant: MantArray,
  fromExp: number,
  toExp: number,
  bits: number,
  rounding: Rounding,
  rng: Rng | null,
  out: IntArray,
  symmetric = false,
): QuantStats {
  const lo = qmin(bits) + (symmetric ? 1 : 0);
  const hi = qmax(bits);
  const s = toExp - fromExp;
  const stats = emptyStats();
  stats.count = mant.length;
  if (rounding === 'stochastic' && !rng) throw new Error('stochastic rounding needs a seeded rng');
  const div = 2 ** s;
  const half = s > 0 ? 2 ** (s - 1) : 0;
  for (let i = 0; i < mant.length; i++) {
    const m = mant[i];
    let q: number;
    if (s <= 0) {
      q = m / div; // exact left shift by -s bits
      if (rounding === 'stochastic') rng!.nextU32(); // keep one draw per element
    } else if (rounding === 'nearest') q = Math.floor((m + half) / div);
    else if (rounding === 'nearest-even') q = roundHalfEven(m / div);
    else if (rounding === 'stochastic') {
      const k = rng!.nextU32() >>> 8; // 24 random bits
      const r = s <= 24 ? k >>> (24 - s) : k * 2 ** (s - 24);
      q = Math.floor((m + r) / div);
    } else q = Math.floor(m / div);
    if (q > hi) {
      q = hi;
      stats.saturated++;
    } else if (q < lo) {
      q = lo;
      stats.saturated++;
    } else if (q === 0 && m !== 0) stats.underflow++;
    out[i] = q;
  }
  return stats;
}

export interface QuantizeOptions {
  rounding?: Rounding;
  /** Seed for a fresh generator (stochastic rounding). */
  seed?: number;
  /** An existing generator; takes precedence over `seed`. */
  rng?: Rng;
  /** Shape of the result; default [values.length]. */
  shape?: Shape;
  /** Force the exponent of a dynamic format (default: chosen from max |x|). */
  exp?: number;
}

export interface QuantizeResult {
  tensor: FixedTensor;
  stats: QuantStats;
}

function pickRng(opts: QuantizeOptions, rounding: Rounding): Rng | null {
  if (opts.rng) return opts.rng;
  if (opts.seed !== undefined) {
    if (!Number.isFinite(opts.seed))
      throw new RangeError(`seed must be a number, got ${opts.seed}`);
    return makeRng(opts.seed);
  }
  if (rounding === 'stochastic') {
    throw new Error('stochastic rounding needs a seed or an rng: pass { seed } or { rng }');
  }
  return null;
}

/** Exponents whose scale 2^exp float64 holds with room for 32-bit mantissas. */
const MAX_EXP = 960;

/** Validates the options every public quantize call shares; returns the rounding. */
function checkOptions(opts: QuantizeOptions, n: number): Rounding {
  if (typeof opts !== 'object' || opts === null) {
    throw new Error(`quantize options must be an object such as { rounding: 'nearest' }`);
  }
  const rounding = checkRounding(opts.rounding ?? 'nearest');
  if (opts.exp !== undefined && (!Number.isInteger(opts.exp) || Math.abs(opts.exp) > MAX_EXP)) {
    throw new RangeError(
      `exp must be a whole number in [-${MAX_EXP}, ${MAX_EXP}], got ${opts.exp}`,
    );
  }
  if (opts.shape !== undefined) {
    checkShape(opts.shape);
    if (sizeOf(opts.shape) !== n) {
      throw new RangeError(
        `shape ${shapeStr(opts.shape)} holds ${sizeOf(opts.shape)} values, got ${n} values`,
      );
    }
  }
  return rounding;
}

function checkValues(values: ArrayLike<number>): void {
  if (values === null || typeof values !== 'object' || !Number.isSafeInteger(values.length)) {
    throw new Error('quantize: values must be an array or typed array of numbers');
  }
}

/** The exponent a format gives a tensor whose largest magnitude is `maxAbsValue`. */
export function exponentFor(format: IntFormat, maxAbsValue: number): number {
  switch (format.kind) {
    case 'fixed':
      return format.exp;
    case 'dfp':
      return dynamicExponent(maxAbsValue, format.bits);
  }
}

/**
 * Quantizes float values to a fixed-point tensor, returning the tensor and its counts.
 * NaN or an infinite value is an error naming its index, whatever the format.
 */
export function quantizeWithStats(
  values: ArrayLike<number>,
  format: IntFormat,
  opts: QuantizeOptions = {},
): QuantizeResult {
  checkValues(values);
  if (checkFormat(format).kind === 'float32') {
    throw new Error('quantizeWithStats needs an integer format (fixed or dfp), got float32');
  }
  const rounding = checkOptions(opts, values.length);
  const m = maxAbs(values, 'quantize: values');
  const rng = pickRng(opts, rounding);
  const exp = opts.exp ?? exponentFor(format, m);
  const out = allocInt(format.bits, values.length);
  const stats = quantizeInto(values, exp, format.bits, rounding, rng, out);
  return { tensor: fixedTensor(opts.shape ?? [values.length], out, exp, format.bits), stats };
}

/**
 * quantize(values, format, { rounding, seed | rng }): the fixed-point tensor whose value is
 * mant * 2^exp. A float32 format gives a float tensor (values rounded to float32).
 */
export function quantize(
  values: ArrayLike<number>,
  format: IntFormat,
  opts?: QuantizeOptions,
): FixedTensor;
export function quantize(values: ArrayLike<number>, format: Format, opts?: QuantizeOptions): Tensor;
export function quantize(
  values: ArrayLike<number>,
  format: Format,
  opts: QuantizeOptions = {},
): Tensor {
  checkValues(values);
  const f = checkFormat(format);
  if (f.kind === 'float32') {
    checkOptions(opts, values.length);
    const data = Float32Array.from(values);
    maxAbs(data, 'quantize: values (as float32)');
    return floatTensor(opts.shape ?? [values.length], data);
  }
  return quantizeWithStats(values, f, opts).tensor;
}

/** Requantizes a fixed-point tensor (e.g. an int32 accumulator) to `format`, in integers. */
export function requantize(
  t: FixedTensor,
  format: IntFormat,
  opts: QuantizeOptions = {},
): QuantizeResult {
  checkTensor(t, 'requantize: tensor');
  if (t.kind !== 'fixed') throw new Error('requantize needs a fixed-point tensor; use quantize');
  const f: Format = checkFormat(format);
  if (f.kind === 'float32') throw new Error('requantize needs an integer format (fixed or dfp)');
  const rounding = checkOptions({ ...opts, shape: undefined }, t.mant.length);
  const rng = pickRng(opts, rounding);
  const exp = opts.exp ?? exponentFor(f, maxAbs(t.mant, 'requantize: mantissas') * 2 ** t.exp);
  const out = allocInt(f.bits, t.mant.length);
  const stats = requantizeInto(t.mant, t.exp, exp, f.bits, rounding, rng, out);
  return { tensor: fixedTensor(t.shape, out, exp, f.bits), stats };
}
