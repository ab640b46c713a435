// SPDX-License-Identifier: MIT
// Reference elementwise and layout kernels of the layers: ReLU forward/backward and the
// outer-axes swap (with bias) between the GEMM layout and NCHW.

import type { AnyArray } from '../spec.js';

export function relu<T extends AnyArray>(x: T, y: T, mask?: Int8Array | null): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  if (mask) for (let i = 0; i < x.length; i++) mask[i] = x[i] > 0 ? 1 : 0;
}

export function relu_backward<T extends AnyArray>(m: AnyArray, dy: T, dx: T): void {
  for (let i = 0; i < m.length; i++) dx[i] = m[i] > 0 ? dy[i] : 0;
}

/** relu_backward, returning max |dx| (NaN if dx holds NaN or an infinity). */
export function relu_backward_max<T extends AnyArray>(m: AnyArray, dy: T, dx: T): number {
  relu_backward(m, dy, dx);
  return maxAbsOrNaN(dx, m.length);
}

/** out (B, A, R) = src (A, B, R) (+ bias[a]); see Kernels.swap_outer. */
export function swap_outer<T extends AnyArray>(
  src: T,
  A: number,
  B: number,
  R: number,
  bias: ArrayLike<number> | null,
  out: T,
): void {
  for (let a = 0; a < A; a++) {
    const ba = bias ? bias[a] : 0;
    for (let b = 0; b < B; b++) {
      const s = (a * B + b) * R;
      const d = (b * A + a) * R;
      // The typed-array store rounds a float32 sum once, like a float32 add.
      if (bias) for (let r = 0; r < R; r++) out[d + r] = src[s + r] + ba;
      else for (let r = 0; r < R; r++) out[d + r] = src[s + r];
    }
  }
}

/** out = a * ka + b * kb (float32 out: f32(f32(a ka) + f32(b kb))); see Kernels.add_scaled. */
export function add_scaled(
  a: AnyArray,
  ka: number,
  b: AnyArray,
  kb: number,
  relu: boolean,
  mask: Int8Array | null,
  out: Int32Array | Float64Array | Float32Array,
): number {
  const n = a.length;
  if (out instanceof Float32Array)
    for (let i = 0; i < n; i++) out[i] = Math.fround(a[i] * ka) + Math.fround(b[i] * kb);
  else for (let i = 0; i < n; i++) out[i] = a[i] * ka + b[i] * kb;
  if (relu)
    for (let i = 0; i < n; i++) {
      const pos = out[i] > 0;
      if (!pos) out[i] = 0;
      if (mask) mask[i] = pos ? 1 : 0;
    }
  return out instanceof Float64Array ? NaN : maxAbsOrNaN(out, n);
}

/** max |y[0, n)| (0 for none), or NaN if one is NaN or infinite: the kernels' amax result. */
export function maxAbsOrNaN(y: ArrayLike<number>, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(y[i]);
    if (a > m) m = a;
    else if (Number.isNaN(a)) return NaN;
  }
  return Number.isFinite(m) ? m : NaN;
}
