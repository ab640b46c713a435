// SPDX-License-Identifier: MIT
// BatchNorm's input gradient, SIMD128, bit-exact with bn_backward of src/kernels/ref/norm.ts.
// Arrays are (N, C, R) like assembly/norm.ts; e and x of any element kind, dx float32.

import { KIND_F32, KIND_I16, KIND_I32, KIND_I8 } from './codes';
import { demote4, ld1, ld2, mask2, round32, storeMax4, maxAbs4 } from './elems';

/**
 * dx (f32) = k ((e - a) - t b), t = (x - mu) rs (rounded to f32 if xhat32), p (C, 5) =
 * [mu, rs, k, a, b] (f64), e = 0 where mask is 0 (mask 0 = none). amax (0 = none): f64 max
 * |dx| of what was written (NaN if a dx is NaN).
 */
export function bn_backward(
  e: usize,
  ke: i32,
  x: usize,
  kx: i32,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  xhat32: i32,
  dx: usize,
  amax: usize,
): void {
  if (ke == KIND_I8) backwardE<i8>(e, x, kx, mask, N, C, R, p, xhat32, dx, amax);
  else if (ke == KIND_I16) backwardE<i16>(e, x, kx, mask, N, C, R, p, xhat32, dx, amax);
  else if (ke == KIND_I32) backwardE<i32>(e, x, kx, mask, N, C, R, p, xhat32, dx, amax);
  else if (ke == KIND_F32) backwardE<f32>(e, x, kx, mask, N, C, R, p, xhat32, dx, amax);
  else backwardE<f64>(e, x, kx, mask, N, C, R, p, xhat32, dx, amax);
}

function backwardE<E>(
  e: usize,
  x: usize,
  kx: i32,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  xhat32: i32,
  dx: usize,
  amax: usize,
): void {
  if (kx == KIND_I8) backward<E, i8>(e, x, mask, N, C, R, p, xhat32, dx, amax);
  else if (kx == KIND_I16) backward<E, i16>(e, x, mask, N, C, R, p, xhat32, dx, amax);
  else if (kx == KIND_I32) backward<E, i32>(e, x, mask, N, C, R, p, xhat32, dx, amax);
  else if (kx == KIND_F32) backward<E, f32>(e, x, mask, N, C, R, p, xhat32, dx, amax);
  else backward<E, f64>(e, x, mask, N, C, R, p, xhat32, dx, amax);
}

function backward<E, X>(
  e: usize,
  x: usize,
  mask: usize,
  N: i32,
  C: i32,
  R: i32,
  p: usize,
  xhat32: i32,
  dx: usize,
  amax: usize,
): void {
  let vm = f32x4.splat(0);
  let sm: f32 = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const q = p + <usize>c * 40;
      const mu = load<f64>(q),
        rs = load<f64>(q + 8),
        k = load<f64>(q + 16),
        a = load<f64>(q + 24),
        b = load<f64>(q + 32);
      const vmu = f64x2.splat(mu),
        vrs = f64x2.splat(rs),
        vk = f64x2.splat(k),
        va = f64x2.splat(a),
        vb = f64x2.splat(b);
      const o = (<usize>n * C + c) * R;
      let r = 0;
      for (; r + 4 <= R; r += 4) {
        const i = o + r;
        let e0 = ld2<E>(e, i);
        let e1 = ld2<E>(e, i + 2);
        if (mask) {
          e0 = v128.and(e0, mask2(mask, i));
          e1 = v128.and(e1, mask2(mask, i + 2));
        }
        let h0 = f64x2.mul(f64x2.sub(ld2<X>(x, i), vmu), vrs);
        let h1 = f64x2.mul(f64x2.sub(ld2<X>(x, i + 2), vmu), vrs);
        if (xhat32) {
          h0 = round32(h0);
          h1 = round32(h1);
        }
        const d0 = f64x2.mul(vk, f64x2.sub(f64x2.sub(e0, va), f64x2.mul(h0, vb)));
        const d1 = f64x2.mul(vk, f64x2.sub(f64x2.sub(e1, va), f64x2.mul(h1, vb)));
        const v = demote4(d0, d1);
        if (amax) vm = maxAbs4(vm, v);
        v128.store(dx + (i << 2), v);
      }
      for (; r < R; r++) {
        const i = o + r;
        const ev: f64 = mask != 0 && load<u8>(mask + i) == 0 ? 0 : ld1<E>(e, i);
        let t = (ld1<X>(x, i) - mu) * rs;
        if (xhat32) t = <f64>(<f32>t);
        const v = <f32>(k * (ev - a - t * b));
        if (amax) sm = max(sm, abs(v));
        store<f32>(dx + (i << 2), v);
      }
    }
  if (amax) storeMax4(amax, vm, sm);
}
