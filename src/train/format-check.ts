// SPDX-License-Identifier: MIT
// A check run before training: a weight site with a fixed format whose range misses the
// weights (fixed<8,100> saturates every weight near 1e-28, fixed<8,-20> rounds them all to 0)
// trains nothing useful, so the run says so at once rather than after hours of flat loss.

import { FormatQuantizer } from '../quant/format-quantizer.js';
import { quantizeWithStats } from '../quant/quantize.js';
import { siteLayers, type Layer } from '../nn/layer.js';

/** A width-`bits` fixed format whose range just covers `maxAbs`: fixed<bits, frac>. */
function fittingFixed(bits: number, maxAbs: number): string {
  const intBits = Math.ceil(Math.log2(maxAbs * (1 + Number.EPSILON))) + 1;
  return `fixed<${bits},${bits - intBits}>`;
}

/**
 * Warnings for weight sites whose fixed format cannot hold the current weights: more than
 * half of the nonzero weights saturate, or every one rounds to 0. Empty when all is well.
 */
export function formatWarnings(model: Layer): string[] {
  const out: string[] = [];
  for (const l of siteLayers(model)) {
    const q = l.sites.get('W')?.quantizer;
    if (!(q instanceof FormatQuantizer) || q.format.kind !== 'fixed') continue;
    const f = q.format;
    for (const p of l.params()) {
      if (p.role !== 'weight') continue;
      let nonzero = 0;
      let max = 0;
      for (const v of p.value) {
        if (v !== 0) nonzero++;
        max = Math.max(max, Math.abs(v));
      }
      if (nonzero === 0) continue;
      const { stats } = quantizeWithStats(p.value, f);
      const what =
        stats.underflow === nonzero
          ? 'rounds every weight to 0'
          : stats.saturated * 2 > nonzero
            ? `saturates ${Math.round((100 * stats.saturated) / nonzero)}% of the weights`
            : null;
      if (!what) continue;
      out.push(
        `${l.name}.W: ${f.name} ${what} (its range is ${f.min.toExponential(2)} .. ` +
          `${f.max.toExponential(2)} in steps of ${f.step.toExponential(2)}; the weights reach ` +
          `${max.toExponential(2)}): use ${fittingFixed(f.bits, max)} or dfp<${f.bits}>, ` +
          `which picks the exponent from the data`,
      );
    }
  }
  return out;
}
