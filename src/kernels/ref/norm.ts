// SPDX-License-Identifier: MIT
// Reference BatchNorm kernels: per-channel sums (exact on integers, in a fixed lane order on
// floats), the elementwise forward (float and integer) and the input gradient. See spec.ts.

import type { AnyArray } from '../spec.js';
import type { IntArray, MantArray } from '../../tensor/dtype.js';
import type { QuantStats } from '../../quant/stats.js';
import { flag_quantize } from './flag.js';
import { maxAbsOrNaN } from './layers.js';

const TWO32 = 4294967296;
const TWO16 = 65536;
/** Below this magnitude a float64 product of integers is exact. */
const EXACT = 9007199254740992; // 2^53
/** Carry the low word of an exact sum into the high word at least this often. */
const CARRY_EVERY = 1 << 16;

function isInt(a: AnyArray): boolean {
  return a instanceof Int8Array || a instanceof Int16Array || a instanceof Int32Array;
}

/**
 * An exact integer sum kept as hi * 2^32 + lo in float64 pieces: terms go to lo (each below
 * 2^53 in magnitude) and carry() moves whole multiples of 2^32 to hi.
 */
class ExactSum {
  hi = 0;
  lo = 0;
  carry(): void {
    const h = Math.floor(this.lo / TWO32);
    this.hi += h;
    this.lo -= h * TWO32;
  }
  /** Adds an exact integer |v| < 2^53: whole multiples of 2^32 to hi, the rest to lo. */
  private addSplit(v: number): void {
    if (v > -TWO32 && v < TWO32) {
      this.lo += v;
      return;
    }
    const h = Math.floor(v / TWO32);
    this.hi += h;
    this.lo += v - h * TWO32;
  }
  /** Adds the exact product x * y of integers |x|, |y| <= 2^31. */
  addProduct(x: number, y: number): void {
    const p = x * y;
    if (p > -EXACT && p < EXACT) {
      this.addSplit(p);
      return;
    }
    // x = xh 2^16 + xl, y = yh 2^16 + yl with 0 <= xl, yl < 2^16: the partial products and
    // mid below are exact in float64 (|mid| < 2^49).
    const xh = Math.floor(x / TWO16);
    const xl = x - xh * TWO16;
    const yh = Math.floor(y / TWO16);
    const yl = y - yh * TWO16;
    this.hi += xh * yh;
    this.addSplit((xh * yl + xl * yh) * TWO16 + xl * yl);
  }
}

/** Sums of integer a and a*b (exact), the fixed-order float path otherwise. */
export function bn_sums(
  a: AnyArray,
  b: AnyArray | null,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  out: Float64Array,
): void {
  const bb = b ?? a;
  if (isInt(a) && isInt(bb)) sumsExact(a, bb, mask, N, C, R, out);
  else sumsFloat(a, bb, mask, N, C, R, out);
}

function sumsExact(
  a: AnyArray,
  b: AnyArray,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  out: Float64Array,
): void {
  for (let c = 0; c < C; c++) {
    const sa = new ExactSum();
    const sab = new ExactSum();
    let since = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) {
        const av = mask && mask[o + r] === 0 ? 0 : a[o + r];
        sa.lo += av;
        sab.addProduct(av, b[o + r]);
        if (++since === CARRY_EVERY) {
          sa.carry();
          sab.carry();
          since = 0;
        }
      }
    }
    sa.carry();
    sab.carry();
    out[4 * c] = sa.hi;
    out[4 * c + 1] = sa.lo;
    out[4 * c + 2] = sab.hi;
    out[4 * c + 3] = sab.lo;
  }
}

function sumsFloat(
  a: AnyArray,
  b: AnyArray,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  out: Float64Array,
): void {
  const la = [0, 0, 0, 0];
  const lab = [0, 0, 0, 0];
  for (let c = 0; c < C; c++) {
    la.fill(0);
    lab.fill(0);
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) {
        const av = mask && mask[o + r] === 0 ? 0 : a[o + r];
        la[r & 3] += av;
        lab[r & 3] += av * b[o + r];
      }
    }
    out[4 * c] = 0;
    out[4 * c + 1] = la[0] + la[2] + (la[1] + la[3]);
    out[4 * c + 2] = 0;
    out[4 * c + 3] = lab[0] + lab[2] + (lab[1] + lab[3]);
  }
}

export function bn_forward(
  x: AnyArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  xhat32: boolean,
  relu: boolean,
  mask: Int8Array | null,
  y: Float32Array,
): number {
  const f = xhat32 ? Math.fround : (t: number) => t;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const mu = p[4 * c];
      const rs = p[4 * c + 1];
      const g = p[4 * c + 2];
      const b = p[4 * c + 3];
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) y[o + r] = g * f((x[o + r] - mu) * rs) + b;
      if (relu) reluRun(y, o, R, mask);
    }
  return maxAbsOrNaN(y, N * C * R);
}

/** y[o, o+R) = y > 0 ? y : 0, mask = y > 0. */
function reluRun(
  y: Float32Array | Int32Array | Float64Array,
  o: number,
  R: number,
  mask: Int8Array | null,
): void {
  for (let r = o; r < o + R; r++) {
    const pos = y[r] > 0;
    if (!pos) y[r] = 0;
    if (mask) mask[r] = pos ? 1 : 0;
  }
}

export function bn_affine_int(
  x: MantArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  relu: boolean,
  mask: Int8Array | null,
  y: Int32Array | Float64Array,
): void {
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const g = p[2 * c];
      const b = p[2 * c + 1];
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) y[o + r] = g * x[o + r] + b;
      if (relu) reluRun(y, o, R, mask);
    }
}

/** bn_affine_int, returning max |y| for Int32Array y (NaN for Float64Array y). */
export function bn_affine_int_max(
  x: MantArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  relu: boolean,
  mask: Int8Array | null,
  y: Int32Array | Float64Array,
): number {
  bn_affine_int(x, N, C, R, p, relu, mask, y);
  if (!(y instanceof Int32Array)) return NaN;
  let m = 0;
  for (let i = 0; i < N * C * R; i++) m = Math.max(m, Math.abs(y[i]));
  return m;
}

const TWO31 = 2 ** 31;

/** See Kernels.bn_xhat_int. */
export function bn_xhat_int(
  x: AnyArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  scale: number,
  out: Int32Array,
): number {
  let m = 0;
  let nan = false;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const mu = p[2 * c];
      const rs = p[2 * c + 1];
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) {
        const v = Math.floor(Math.fround((x[o + r] - mu) * rs) * scale + 0.5);
        if (v !== v) nan = true;
        else m = Math.max(m, Math.abs(v));
        out[o + r] = v !== v ? 0 : Math.max(-TWO31, Math.min(TWO31 - 1, v));
      }
    }
  return nan ? NaN : Math.min(m, TWO31);
}

/** bn_backward's max |dx| without dx (a scratch array here). */
export function bn_backward_max(
  e: AnyArray,
  x: AnyArray,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  xhat32: boolean,
): number {
  return bn_backward(e, x, mask, N, C, R, p, xhat32, new Float32Array(N * C * R));
}

/** flag_quantize of bn_backward's float32 dx (a scratch array here). */
export function bn_backward_flag(
  e: AnyArray,
  x: AnyArray,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  xhat32: boolean,
  scExp: number,
  k: number,
  out: IntArray,
): QuantStats {
  const dx = new Float32Array(N * C * R);
  bn_backward(e, x, mask, N, C, R, p, xhat32, dx);
  return flag_quantize(dx, 0, scExp, k, out);
}

export function bn_backward(
  e: AnyArray,
  x: AnyArray,
  mask: Int8Array | null,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  xhat32: boolean,
  dx: Float32Array,
): number {
  const f = xhat32 ? Math.fround : (t: number) => t;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const mu = p[5 * c];
      const rs = p[5 * c + 1];
      const k = p[5 * c + 2];
      const a = p[5 * c + 3];
      const b = p[5 * c + 4];
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) {
        const ev = mask && mask[o + r] === 0 ? 0 : e[o + r];
        dx[o + r] = k * (ev - a - f((x[o + r] - mu) * rs) * b);
      }
    }
  return maxAbsOrNaN(dx, N * C * R);
}
