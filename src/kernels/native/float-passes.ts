// SPDX-License-Identifier: MIT
// The addon's float passes (native/src/bind-float-passes.cc): Adam's arithmetic, the
// float64 axpy and row sums, and average pooling, each one portable C++ loop in the
// reference's operation order (the same bits as ref and wasm).

import type { AccArray, AnyArray, Kernels, PoolGeom } from '../spec.js';
import { checkLen } from '../ref/optim.js';

export interface NativeFloatPasses {
  adamMoments(
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    theta: Float32Array,
    b1: number,
    b2: number,
    decay: number,
  ): void;
  adamUpdate(
    u: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    c1: number,
    c2: number,
    eps: number,
    bound: number,
  ): void;
  axpyF64(src: AccArray, scale: number, c: Float64Array): void;
  sumRowsF64(src: Float32Array, rows: number, cols: number, out: Float64Array): void;
  /** geom: [P, H, W, KH, KW, SH, SW, OH, OW]. */
  avgpool(x: AnyArray, geom: Int32Array, scale: number, y: Int32Array | Float32Array): void;
  avgpoolBackward(
    dy: AnyArray,
    geom: Int32Array,
    scale: number,
    dx: Int32Array | Float32Array,
  ): void;
}

export const FLOAT_PASS_FUNCTIONS: readonly (keyof NativeFloatPasses)[] = [
  'adamMoments',
  'adamUpdate',
  'axpyF64',
  'sumRowsF64',
  'avgpool',
  'avgpoolBackward',
];

const poolGeom = new Int32Array(9);

function geomOf(g: PoolGeom): Int32Array {
  poolGeom.set([g.P, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.OH, g.OW]);
  return poolGeom;
}

const isInt = (a: AnyArray): boolean =>
  a instanceof Int8Array || a instanceof Int16Array || a instanceof Int32Array;

/**
 * The Kernels entries of these passes. Integer pooling sums go native only from integer
 * operands (the spec's case; the reference's float-into-Int32Array stores stay on `base`).
 */
export function floatPassKernels(
  k: NativeFloatPasses,
  base: Kernels,
): Pick<
  Kernels,
  | 'adam_moments_f32'
  | 'adam_update_f32'
  | 'axpy_f64'
  | 'sum_rows_f64'
  | 'avgpool'
  | 'avgpool_backward'
> {
  return {
    adam_moments_f32(m, v, g, theta, b1, b2, decay) {
      checkLen('adam_moments_f32', m.length, v, g, theta);
      k.adamMoments(m, v, g, theta, b1, b2, decay);
    },
    adam_update_f32(u, m, v, lr, c1, c2, eps, bound) {
      checkLen('adam_update_f32', u.length, m, v);
      k.adamUpdate(u, m, v, lr, c1, c2, eps, bound);
    },
    axpy_f64: (src, scale, c) => k.axpyF64(src, scale, c),
    sum_rows_f64: (src, rows, cols, out) => k.sumRowsF64(src, rows, cols, out),
    avgpool(x, g, scale, y) {
      if (y instanceof Int32Array && !isInt(x)) return base.avgpool(x, g, scale, y);
      k.avgpool(x, geomOf(g), scale, y);
    },
    avgpool_backward(dy, g, scale, dx) {
      if (dx instanceof Int32Array && !isInt(dy)) return base.avgpool_backward(dy, g, scale, dx);
      k.avgpoolBackward(dy, geomOf(g), scale, dx);
    },
  };
}
