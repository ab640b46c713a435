// SPDX-License-Identifier: MIT
// Telemetry helper shared by the papers' quantizers: one SiteRecord per call.

import type { Tensor } from '../tensor/tensor.js';
import type { SiteContext, SiteRecord, SiteWhere } from './site.js';
import type { QuantStats } from './stats.js';

export function recordSite(
  where: SiteWhere,
  ctx: SiteContext,
  exp: number,
  bits: number,
  stats: QuantStats,
  x: Tensor,
  out: Tensor,
  extra: Partial<Pick<SiteRecord, 'diff' | 'adjusted'>> = {},
): void {
  const t = ctx.telemetry;
  if (!t) return;
  t.record({
    layer: where.layer,
    site: where.site,
    exp,
    bits,
    ...stats,
    ...extra,
    ...(t.wantsValues ? { input: x, output: out } : {}),
  });
}

/** Values of a tensor as float64 (exact for fixed-point) without copying float input. */
export function valuesOf(x: Tensor): ArrayLike<number> & { length: number } {
  if (x.kind === 'float') return x.data;
  const out = new Float64Array(x.mant.length);
  const s = 2 ** x.exp;
  for (let i = 0; i < out.length; i++) out[i] = x.mant[i] * s;
  return out;
}
