// SPDX-License-Identifier: MIT
// Reference kernels of LayerNorm over the last axis (the definition of correct; the layer is
// nn/layernorm.ts). Every row is float64 arithmetic in one fixed order, sums in order d, so
// assembly/layernorm.ts and native/src/bind-layernorm.cc compute the same bits; x and e are
// read as their stored numbers (mantissas or floats) and scaled by `unit` where written below.

import type { AnyArray } from '../spec-types.js';

// x (R, D) stored numbers -> y, xhat (R, D) f32, invSigma (R) f64; g, b (D) f32.
export function layernorm_forward(
  x: AnyArray,
  R: number,
  D: number,
  unit: number,
  eps: number,
  g: Float32Array,
  b: Float32Array,
  y: Float32Array,
  xhat: Float32Array,
  invSigma: Float64Array,
): void {
  for (let r = 0; r < R; r++) {
    const o = r * D;
    let s = 0;
    for (let d = 0; d < D; d++) s += x[o + d];
    const mu = s / D; // in x's stored units: exact sums of mantissas, one rounding here
    let ss = 0;
    for (let d = 0; d < D; d++) {
      const c = x[o + d] - mu;
      ss += c * c;
    }
    const is = 1 / Math.sqrt((ss / D) * unit * unit + eps);
    invSigma[r] = is;
    for (let d = 0; d < D; d++) {
      const h = (x[o + d] - mu) * unit * is;
      xhat[o + d] = h;
      y[o + d] = g[d] * h + b[d];
    }
  }
}

// e (R, D) stored numbers, xhat (R, D) f32, invSigma (R) f64, g (D) f32 -> dx (R, D) f32,
// dgb (2D) f64 = [sum_r ed xhat, sum_r ed] (overwritten).
export function layernorm_backward(
  e: AnyArray,
  unit: number,
  xhat: Float32Array,
  invSigma: Float64Array,
  g: Float32Array,
  R: number,
  D: number,
  dx: Float32Array,
  dgb: Float64Array,
): void {
  dgb.fill(0, 0, 2 * D);
  for (let r = 0; r < R; r++) {
    const o = r * D;
    let m1 = 0;
    let m2 = 0;
    for (let d = 0; d < D; d++) {
      const ed = e[o + d] * unit;
      dgb[d] += ed * xhat[o + d];
      dgb[D + d] += ed;
      const gd = ed * g[d];
      m1 += gd;
      m2 += gd * xhat[o + d];
    }
    m1 /= D;
    m2 /= D;
    for (let d = 0; d < D; d++)
      dx[o + d] = (e[o + d] * unit * g[d] - m1 - xhat[o + d] * m2) * invSigma[r];
  }
}
