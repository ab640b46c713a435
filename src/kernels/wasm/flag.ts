// SPDX-License-Identifier: MIT
// Wrapper of the WAGEUBN flag quantization kernel (assembly/flag.ts): a resident x or out is
// used in place, others are copied in and out.

import type { IntArray } from '../../tensor/dtype.js';
import type { QuantStats } from '../../quant/stats.js';
import type { AnyArray } from '../spec.js';
import { elemKind } from './codes.js';
import type { WasmContext } from './context.js';

export function flagQuantizeWasm(
  ctx: WasmContext,
  x: AnyArray,
  xExp: number,
  scExp: number,
  k: number,
  out: IntArray,
): QuantStats {
  const n = x.length;
  if (out.length < n) throw new RangeError(`flag_quantize: out holds ${out.length} of ${n}`);
  const ar = ctx.arena;
  ar.reset();
  const ps = ar.alloc(8);
  const px = ar.copyIn(x);
  const po = ar.outAt(out, n * out.BYTES_PER_ELEMENT);
  ctx.ex.flag_quantize(
    px,
    elemKind(x),
    n,
    2 ** xExp,
    2 ** -scExp,
    2 ** (k - 1),
    po,
    elemKind(out),
    ps,
  );
  ar.get(po, out, n, out.BYTES_PER_ELEMENT);
  const counts = new Int32Array(2);
  ar.get(ps, counts, 2, 4);
  return { count: n, saturated: counts[0], underflow: counts[1] };
}
