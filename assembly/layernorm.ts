// SPDX-License-Identifier: MIT
// LayerNorm's forward and backward over rows (R, D), bit-exact with src/kernels/ref/layernorm.ts:
// float64 arithmetic in the reference's order, sums in order d, so scalar loops (lanes would
// reorder the float sums). x and e are read as their stored numbers of kind kx / ke
// (assembly/codes.ts); the exports dispatch once per call to a body generic over the type.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';

// @ts-ignore: decorator
@inline
function ld<X>(p: usize, i: i32): f64 {
  return <f64>load<X>(p + ((<usize>i) << alignof<X>()));
}

/** x (R, D) of kind kx -> y, xhat (R, D) f32, inv (R) f64; g, b (D) f32. */
export function layernorm_forward(
  x: usize,
  kx: i32,
  R: i32,
  D: i32,
  unit: f64,
  eps: f64,
  g: usize,
  b: usize,
  y: usize,
  xhat: usize,
  inv: usize,
): void {
  if (kx == KIND_I8) forward<i8>(x, R, D, unit, eps, g, b, y, xhat, inv);
  else if (kx == KIND_I16) forward<i16>(x, R, D, unit, eps, g, b, y, xhat, inv);
  else if (kx == KIND_I32) forward<i32>(x, R, D, unit, eps, g, b, y, xhat, inv);
  else if (kx == KIND_F32) forward<f32>(x, R, D, unit, eps, g, b, y, xhat, inv);
  else forward<f64>(x, R, D, unit, eps, g, b, y, xhat, inv);
}

function forward<X>(
  x: usize,
  R: i32,
  D: i32,
  unit: f64,
  eps: f64,
  g: usize,
  b: usize,
  y: usize,
  xhat: usize,
  inv: usize,
): void {
  const fD = <f64>D;
  for (let r = 0; r < R; r++) {
    const o = r * D;
    let s: f64 = 0;
    for (let d = 0; d < D; d++) s += ld<X>(x, o + d);
    const mu = s / fD;
    let ss: f64 = 0;
    for (let d = 0; d < D; d++) {
      const c = ld<X>(x, o + d) - mu;
      ss += c * c;
    }
    const is = 1.0 / Math.sqrt((ss / fD) * unit * unit + eps);
    store<f64>(inv + ((<usize>r) << 3), is);
    for (let d = 0; d < D; d++) {
      const h = (ld<X>(x, o + d) - mu) * unit * is;
      const i = (<usize>(o + d)) << 2;
      store<f32>(xhat + i, <f32>h);
      const gd = <f64>load<f32>(g + ((<usize>d) << 2));
      const bd = <f64>load<f32>(b + ((<usize>d) << 2));
      store<f32>(y + i, <f32>(gd * h + bd));
    }
  }
}

/**
 * e (R, D) of kind ke, xhat (R, D) f32, inv (R) f64, g (D) f32 -> dx (R, D) f32 and
 * dgb (2D) f64 = [sum_r ed xhat, sum_r ed], overwritten.
 */
export function layernorm_backward(
  e: usize,
  ke: i32,
  unit: f64,
  xhat: usize,
  inv: usize,
  g: usize,
  R: i32,
  D: i32,
  dx: usize,
  dgb: usize,
): void {
  if (ke == KIND_I8) backward<i8>(e, unit, xhat, inv, g, R, D, dx, dgb);
  else if (ke == KIND_I16) backward<i16>(e, unit, xhat, inv, g, R, D, dx, dgb);
  else if (ke == KIND_I32) backward<i32>(e, unit, xhat, inv, g, R, D, dx, dgb);
  else if (ke == KIND_F32) backward<f32>(e, unit, xhat, inv, g, R, D, dx, dgb);
  else backward<f64>(e, unit, xhat, inv, g, R, D, dx, dgb);
}

function backward<X>(
  e: usize,
  unit: f64,
  xhat: usize,
  inv: usize,
  g: usize,
  R: i32,
  D: i32,
  dx: usize,
  dgb: usize,
): void {
  memory.fill(dgb, 0, (<usize>(2 * D)) << 3);
  const dbs = dgb + ((<usize>D) << 3);
  const fD = <f64>D;
  for (let r = 0; r < R; r++) {
    const o = r * D;
    let m1: f64 = 0;
    let m2: f64 = 0;
    for (let d = 0; d < D; d++) {
      const ed = ld<X>(e, o + d) * unit;
      const xh = <f64>load<f32>(xhat + ((<usize>(o + d)) << 2));
      const pd = (<usize>d) << 3;
      store<f64>(dgb + pd, load<f64>(dgb + pd) + ed * xh);
      store<f64>(dbs + pd, load<f64>(dbs + pd) + ed);
      const gd = ed * <f64>load<f32>(g + ((<usize>d) << 2));
      m1 += gd;
      m2 += gd * xh;
    }
    m1 /= fD;
    m2 /= fD;
    const is = load<f64>(inv + ((<usize>r) << 3));
    for (let d = 0; d < D; d++) {
      const i = (<usize>(o + d)) << 2;
      const xh = <f64>load<f32>(xhat + i);
      const gd = ld<X>(e, o + d) * unit * <f64>load<f32>(g + ((<usize>d) << 2));
      store<f32>(dx + i, <f32>((gd - m1 - xh * m2) * is));
    }
  }
}
