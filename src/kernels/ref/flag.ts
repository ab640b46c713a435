// SPDX-License-Identifier: MIT
// Reference kernels for WAGEUBN's quantizers over whole tensors: the flag quantization of
// eq. 16 (src/format/flag.ts gives it per value), and the [min, max] range that sizes the
// unclipped direct quantizer's mantissas.

import { roundNearest } from '../../quant/rounding.js';
import type { IntArray } from '../../tensor/dtype.js';
import type { AnyArray } from '../spec.js';
import type { QuantStats } from '../../quant/stats.js';
import { maxAbs } from '../../quant/quantize.js';

// x (n) any kind, value x * 2^xExp -> out (n) mantissas on the grid 2^(scExp - (k-1))
export function flag_quantize(
  x: AnyArray,
  xExp: number,
  scExp: number,
  k: number,
  out: IntArray,
): QuantStats {
  const n = x.length;
  if (out.length < n) throw new RangeError(`flag_quantize: out holds ${out.length} of ${n}`);
  const pre = 2 ** xExp;
  const post = 2 ** -scExp;
  const half = 2 ** (k - 1);
  const top = half - 1;
  let saturated = 0;
  let underflow = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i] * pre;
    const u = v * post;
    let m: number;
    if (Math.abs(u) >= 1) {
      // the large case: whole multiples of Sc, at most 2^(k-1) - 1 of them
      const r = roundNearest(u);
      const c = r > top ? top : r < -top ? -top : r;
      if (c !== r) saturated++;
      m = c * half;
    } else m = roundNearest(u * half);
    if (m === 0 && v !== 0) underflow++;
    out[i] = m;
  }
  return { count: n, saturated, underflow };
}

/** [min, max] of the elements and 0; NaN or Infinity throws maxAbs's message. */
export function minMax(x: AnyArray): [number, number] {
  let mn = 0;
  let mx = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < mn) mn = v;
    else if (v > mx) mx = v;
    else if (!(v === v)) maxAbs(x);
  }
  if (mn === -Infinity || mx === Infinity) maxAbs(x);
  return [mn, mx];
}
