// SPDX-License-Identifier: MIT
// Per-channel state and arithmetic of BatchNorm (C values per layer and step, so plain
// TypeScript): the sums of the `bn_sums` kernel (out (C, 4) = [sa_hi, sa_lo, sab_hi, sab_lo],
// each sum hi * 2^32 + lo) as float64, the batch mean and variance from them, and the arrays a
// layer allocates once.

import { INT32_MAX } from '../tensor/dtype.js';
import type { AnyArray } from '../kernels/spec.js';
import { fixedTensor, withMantMax, type Tensor } from '../tensor/tensor.js';
import { stepArray, type StepScope } from './arrays.js';
import type { Shape } from '../tensor/shape.js';

const TWO32 = 4294967296;

/** Sum j (0: of a, 1: of a b) of channel c as float64: the exact sum rounded once. */
export function sumOf(sums: Float64Array, c: number, j: 0 | 1): number {
  // hi * 2^32 is exact and lo < 2^32 (or hi = 0 for float sums): one rounding at the add.
  return sums[4 * c + 2 * j] * TWO32 + sums[4 * c + 2 * j + 1];
}

function exactOf(sums: Float64Array, c: number, j: 0 | 1): bigint {
  return BigInt(sums[4 * c + 2 * j]) * 4294967296n + BigInt(sums[4 * c + 2 * j + 1]);
}

/** Mean of channel c over m values, from the sums of x (in x's stored units). */
export function meanOf(sums: Float64Array, c: number, m: number): number {
  return sumOf(sums, c, 0) / m;
}

/**
 * Biased variance of channel c over m values, from the sums of x and x^2 (stored units).
 * Exact sums (integer x): (m S2 - S1^2) / m^2 with the numerator exact (BigInt), rounded once
 * before the division. Float sums: max(0, S2 / m - mean^2).
 */
export function varianceOf(sums: Float64Array, c: number, m: number, exact: boolean): number {
  if (!exact) {
    const mean = meanOf(sums, c, m);
    return Math.max(0, sumOf(sums, c, 1) / m - mean * mean);
  }
  const s1 = exactOf(sums, c, 0);
  return Number(BigInt(m) * exactOf(sums, c, 1) - s1 * s1) / (m * m);
}

/** Row c of a (C, 4) parameter array. */
export function put4(p: Float64Array, c: number, a: number, b: number, d: number, e: number): void {
  p[4 * c] = a;
  p[4 * c + 1] = b;
  p[4 * c + 2] = d;
  p[4 * c + 3] = e;
}

/** Fixed-point mantissas that float32 holds exactly (|m| <= 2^24), or a float tensor. */
export function isExact32(t: Tensor): boolean {
  if (t.kind === 'float') return true;
  if (t.mant instanceof Int8Array || t.mant instanceof Int16Array) return true;
  let m = 0;
  for (let i = 0; i < t.mant.length; i++) m = Math.max(m, Math.abs(t.mant[i]));
  return m <= 2 ** 24;
}

export const isInt = (a: AnyArray) =>
  a instanceof Int8Array || a instanceof Int16Array || a instanceof Int32Array;

/**
 * The normalisation of one forward, per channel: x-hat = (x - mu) * rs in the stored units of
 * x (the input, or the quantized x-hat with mu = 0), and the sigma_q and gamma_q used. Backward
 * reads the training forward's.
 */
export class Norm {
  readonly mu: Float64Array;
  readonly rs: Float64Array;
  readonly sigma: Float64Array;
  readonly gamma: Float64Array;
  x: AnyArray = new Float32Array(0);
  shape: Shape = [];
  /** x-hat was rounded to float32 (a float32 BN.xhat site). */
  xhat32 = false;
  constructor(C: number) {
    this.mu = new Float64Array(C);
    this.rs = new Float64Array(C);
    this.sigma = new Float64Array(C);
    this.gamma = new Float64Array(C);
  }
}

/** Per-channel work arrays of one layer, allocated once. */
export class Scratch {
  readonly sums: Float64Array; // (C, 4) of bn_sums
  readonly fwd: Float64Array; // (C, 4) bn_forward parameters, or (C, 2) bn_affine_int's
  readonly bwd: Float64Array; // (C, 5) bn_backward parameters
  readonly mu: Float64Array;
  readonly sig: Float64Array;
  readonly muq: Float64Array;
  readonly g: Float64Array;
  readonly b: Float64Array;
  readonly gg: Float64Array;
  readonly gb: Float64Array;
  /** Float32 inputs of the per-channel sites, one array per site. */
  readonly site32 = new Map<string, Float32Array>();
  constructor(readonly C: number) {
    this.sums = new Float64Array(4 * C);
    this.fwd = new Float64Array(4 * C);
    this.bwd = new Float64Array(5 * C);
    [this.mu, this.sig, this.muq, this.g, this.b, this.gg, this.gb] = Array.from(
      { length: 7 },
      () => new Float64Array(C),
    );
  }
  f32(site: string): Float32Array {
    let a = this.site32.get(site);
    if (!a) this.site32.set(site, (a = new Float32Array(this.C)));
    return a;
  }
}

/**
 * y = gamma_q * xhat + beta_q on mantissas, when all three are fixed-point: y (N,C,R) i32 (or
 * exact f64 when wide) at exponent eg + ex, beta aligned by 2^(eb - eg - ex); null when they
 * are not all fixed-point, beta is finer than the product or the bound passes 2^53. `p` is
 * (C, 2) room for the kernel's parameters.
 */
export function integerAffine(
  xh: Tensor,
  g: Tensor | null,
  b: Tensor | null,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  ctx: StepScope,
  relu: boolean,
  mask: Int8Array | null,
): Tensor | null {
  if (!g || !b || xh.kind !== 'fixed' || g.kind !== 'fixed' || b.kind !== 'fixed') return null;
  const exp = g.exp + xh.exp;
  const shift = b.exp - exp;
  if (shift < 0) return null; // beta finer than the product: fall back to values
  const bs = 2 ** shift;
  let bound = 0;
  for (let c = 0; c < C; c++) {
    bound = Math.max(bound, Math.abs(g.mant[c]) * 2 ** (xh.bits - 1) + Math.abs(b.mant[c]) * bs);
  }
  const wide = bound > INT32_MAX;
  if (bound > 2 ** 53) return null;
  for (let c = 0; c < C; c++) {
    p[2 * c] = g.mant[c];
    p[2 * c + 1] = b.mant[c] * bs;
  }
  const n = xh.mant.length;
  const y = wide ? stepArray(ctx, 'float64', n, false) : stepArray(ctx, 'int32', n, false);
  // max |y| from the pass where the kernels take it (the next conv's A site and the residual
  // add read it instead of scanning y).
  const k = ctx.kernels;
  const m = k.bn_affine_int_max
    ? k.bn_affine_int_max(xh.mant, N, C, R, p, relu, mask, y)
    : (k.bn_affine_int(xh.mant, N, C, R, p, relu, mask, y), NaN);
  return withMantMax(fixedTensor(xh.shape, y, exp, wide ? 53 : 32), m);
}
