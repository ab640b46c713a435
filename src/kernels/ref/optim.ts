// SPDX-License-Identifier: MIT
// Reference kernels of the optimizers (src/optim/): elementwise updates over whole parameter
// tensors, written exactly as the optimizers' order of operations reads. Arithmetic is
// float64 with one rounding to float32 per store into a Float32Array (what JavaScript does),
// so a fast backend repeating the same operations gets the same bits.

import { qmax, qmin } from '../../format/format.js';
import type { Rng } from '../../quant/rng.js';
import { roundHalfEven, type Rounding, roundNearest } from '../../quant/rounding.js';
import { emptyStats, type QuantStats } from '../../quant/stats.js';
import type { WageubnStep } from '../spec.js';

export function checkLen(kernel: string, n: number, ...arrays: ArrayLike<number>[]): void {
  for (const a of arrays)
    if (a.length < n)
      throw new RangeError(`${kernel}: an array holds ${a.length} of ${n} elements`);
}

/**
 * v[i] = clamp(round(v[i] 2^-exp)) 2^exp in place: the values a `bits`-bit quantization at
 * exponent exp followed by dequantization gives (quantize's rounding, draws and counts).
 */
export function round_to_grid_f32(
  v: Float32Array,
  exp: number,
  bits: number,
  rounding: Rounding,
  rng: Rng | null,
  symmetric = false,
): QuantStats {
  const lo = qmin(bits) + (symmetric ? 1 : 0);
  const hi = qmax(bits);
  const scale = 2 ** -exp;
  const unscale = 2 ** exp;
  const stats = emptyStats();
  stats.count = v.length;
  if (rounding === 'stochastic' && !rng) throw new Error('stochastic rounding needs a seeded rng');
  for (let i = 0; i < v.length; i++) {
    const x = v[i] * scale;
    let q: number;
    if (rounding === 'nearest') q = roundNearest(x);
    else if (rounding === 'nearest-even') q = roundHalfEven(x);
    else if (rounding === 'stochastic') q = Math.floor(x + (rng!.nextU32() >>> 8) / 16777216);
    else q = Math.floor(x);
    if (q > hi) {
      q = hi;
      stats.saturated++;
    } else if (q < lo) {
      q = lo;
      stats.saturated++;
    } else if (q === 0 && x !== 0) stats.underflow++;
    // as an integer array stores it: NaN as 0, -0 as +0
    v[i] = (q === q && q !== 0 ? q : 0) * unscale;
  }
  return stats;
}

// m (n) f32 += : m = mu m + g + decay theta
export function sgd_momentum_f32(
  m: Float32Array,
  g: Float32Array,
  theta: Float32Array,
  mu: number,
  decay: number,
): void {
  const n = m.length;
  checkLen('sgd_momentum_f32', n, g, theta);
  for (let i = 0; i < n; i++) m[i] = mu * m[i] + g[i] + decay * theta[i];
}

// u = lr x, or with theta u = lr (x + decay theta)
export function sgd_update_f32(
  u: Float32Array,
  x: Float32Array,
  lr: number,
  theta: Float32Array | null,
  decay: number,
): void {
  const n = u.length;
  checkLen('sgd_update_f32', n, x, ...(theta ? [theta] : []));
  if (theta) for (let i = 0; i < n; i++) u[i] = lr * (x[i] + decay * theta[i]);
  else for (let i = 0; i < n; i++) u[i] = lr * x[i];
}

// a += b
export function add_inplace_f32(a: Float32Array, b: Float32Array): void {
  checkLen('add_inplace_f32', a.length, b);
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

// a -= b
export function sub_inplace_f32(a: Float32Array, b: Float32Array): void {
  checkLen('sub_inplace_f32', a.length, b);
  for (let i = 0; i < a.length; i++) a[i] -= b[i];
}

// acc -= before - theta: what the stored theta absorbed leaves the Kahan accumulator
export function kahan_carry_f32(
  acc: Float32Array,
  before: Float32Array,
  theta: Float32Array,
): void {
  checkLen('kahan_carry_f32', acc.length, before, theta);
  for (let i = 0; i < acc.length; i++) acc[i] -= before[i] - theta[i];
}

// gi = g + decay theta;  m = b1 m + (1 - b1) gi;  v = b2 v + (1 - b2) gi^2
export function adam_moments_f32(
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  theta: Float32Array,
  b1: number,
  b2: number,
  decay: number,
): void {
  const n = m.length;
  checkLen('adam_moments_f32', n, v, g, theta);
  for (let i = 0; i < n; i++) {
    const gi = g[i] + decay * theta[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
  }
}

// u = lr clamp((m / c1) / (sqrt(v / c2) + eps), -bound, bound)
export function adam_update_f32(
  u: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lr: number,
  c1: number,
  c2: number,
  eps: number,
  bound: number,
): void {
  const n = u.length;
  checkLen('adam_update_f32', n, m, v);
  for (let i = 0; i < n; i++) {
    const r = m[i] / c1 / (Math.sqrt(v[i] / c2) + eps);
    u[i] = lr * Math.max(-bound, Math.min(bound, r));
  }
}

/** Q(x, k) = floor(x 2^(k-1) + 1/2) / 2^(k-1), with the scale 2^(k-1) given. */
const q = (x: number, s: number): number => roundNearest(x * s) / s;

/**
 * WAGEUBN's integer Momentum on one parameter (src/optim/wageubn-momentum.ts):
 *   quantized: gq = Q(g + decay theta, k_GC); a = mom acc + gq; theta' = Q(theta - lr a, k_WU)
 *              clipped to +-lim; acc = Q_Acc(a) (ties half up, or to even)
 *   float:     acc = mom acc + g + decay theta; theta -= lr acc
 * theta, g (n) f32; acc (n) f64.
 */
export function wageubn_momentum_f32(
  theta: Float32Array,
  g: Float32Array,
  acc: Float64Array,
  o: WageubnStep,
): void {
  const n = theta.length;
  checkLen('wageubn_momentum_f32', n, g, acc);
  const { lr, mom, decay } = o;
  if (!o.quantized) {
    for (let i = 0; i < n; i++) {
      acc[i] = mom * acc[i] + g[i] + decay * theta[i];
      theta[i] -= lr * acc[i];
    }
    return;
  }
  const sGC = 2 ** (o.kGC - 1);
  const sAcc = 2 ** (o.kAcc - 1);
  const sWU = 2 ** (o.kWU - 1);
  const lim = o.lim;
  for (let i = 0; i < n; i++) {
    const gq = q(g[i] + decay * theta[i], sGC);
    const a = mom * acc[i] + gq; // Acc_i, before Q_Acc
    const t = q(theta[i] - lr * a, sWU);
    theta[i] = Math.max(-lim, Math.min(lim, t));
    acc[i] = (o.accEven ? roundHalfEven(a * sAcc) : roundNearest(a * sAcc)) / sAcc;
  }
}
