// SPDX-License-Identifier: MIT
// Wrapper of the WAGEUBN flag quantization kernel (assembly/flag.ts): a resident x or out is
// used in place, others are copied in and out. Element-wise, so large tensors run on the worker
// threads in ranges (elementwise-split.ts).

import type { IntArray } from '../../tensor/dtype.js';
import type { QuantStats } from '../../quant/stats.js';
import type { AnyArray } from '../spec.js';
import { elemKind } from './codes.js';
import type { WasmContext } from './context.js';
import { elementRanges, sumCounts } from './elementwise-split.js';
import type { ArgsOf } from './exports.js';
import { runParts } from './gemm-split.js';

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
  const ranges = elementRanges(ctx, n);
  const ps = ar.alloc(8 * ranges.length);
  const px = ar.copyIn(x);
  const po = ar.outAt(out, n * out.BYTES_PER_ELEMENT);
  const [ex, eo] = [x.BYTES_PER_ELEMENT, out.BYTES_PER_ELEMENT];
  const args = ranges.map((r, i): ArgsOf<'flag_quantize'> => [
    px + r.start * ex,
    elemKind(x),
    r.count,
    2 ** xExp,
    2 ** -scExp,
    2 ** (k - 1),
    po + r.start * eo,
    elemKind(out),
    ps + 8 * i,
  ]);
  runParts(ctx, 'flag_quantize', args, (a) => ctx.ex.flag_quantize(...a));
  ar.get(po, out, n, eo);
  const [saturated, underflow] = sumCounts(ctx, ps, ranges.length);
  return { count: n, saturated, underflow };
}
