// SPDX-License-Identifier: MIT
// The scheme file format, validated with zod. A scheme is data: which quantizer each site
// uses, per-layer overrides, and how the optimizer keeps its state.
//
// {
//   "name": "my-scheme",
//   "extends": "fixed8",                    // optional: start from another scheme
//   "description": "...",
//   "sites": { "W": { "format": "dfp<8>", "rounding": "nearest" }, ... },
//   "layers": { "first": { "A": { "format": "float32" } }, "last": {...}, "fc2": {...} },
//   "optimizer": { "lazy": false }
// }
// Sites: W, A, E, G (layers); U (the update), WU (stored weights), M (momentum), V (Adam's
// second moment), ACC (lazy-update accumulator); BatchNorm's BN.* and split errors E1, E2
// (sites.ts lists them; any other name is an error). A site a scheme does not name stays float32.

import { z } from 'zod';
import { checkSiteSpec, type SiteSpec } from '../quant/registry.js';
import { budgetErrors, siteBudgetErrors, WAGEUBN_WIDTHS } from '../optim/wageubn-budget.js';
import { unknownSiteError } from './sites.js';

const siteSpec = z
  .looseObject({ quantizer: z.string().optional() })
  .superRefine((spec, ctx) => {
    const err = checkSiteSpec(spec);
    if (err) ctx.addIssue({ code: 'custom', message: err });
  })
  .transform((s): SiteSpec => s);

// Keys are checked on the table (zod reports a bad record key only as "Invalid key").
export const siteTable = z.record(z.string(), siteSpec).superRefine((table, ctx) => {
  for (const name of Object.keys(table)) {
    const err = unknownSiteError(name);
    if (err) ctx.addIssue({ code: 'custom', message: err, path: [name] });
  }
});

/** WAGEUBN's integer Momentum optimizer (Yang et al. eq. 19-23) and its widths. */
export const wageubnOptimizerSpec = z
  .strictObject({
    kMom: z.number().int().min(1).max(16).default(WAGEUBN_WIDTHS.kMom),
    kAcc: z.number().int().min(2).max(31).default(WAGEUBN_WIDTHS.kAcc),
    kLr: z.number().int().min(2).max(31).default(WAGEUBN_WIDTHS.kLr),
    kGC: z.number().int().min(2).max(31).default(WAGEUBN_WIDTHS.kGC),
    kWU: z.number().int().min(2).max(31).default(WAGEUBN_WIDTHS.kWU),
    /** Re-initialise weights with the discrete MSRA init of eq. 8 when the optimizer is built. */
    msraInit: z.boolean().default(true),
  })
  .superRefine((w, ctx) => {
    for (const message of budgetErrors(w)) ctx.addIssue({ code: 'custom', message });
  });

export const optimizerSpec = z.strictObject({
  /** Park et al.'s lazy update (Kahan summation of updates too small for the weights). */
  lazy: z.boolean().optional(),
  /** Present: WAGEUBN's quantized Momentum replaces the run's SGD (see src/optim/wageubn-momentum.ts). */
  wageubn: wageubnOptimizerSpec.optional(),
});

export const schemeSpec = z
  .strictObject({
    name: z.string().min(1),
    extends: z.string().optional(),
    description: z.string().default(''),
    sites: siteTable.default({}),
    /** Keys: "first", "last" (among layers with sites) or a layer name such as "conv1". */
    layers: z.record(z.string(), siteTable).default({}),
    optimizer: optimizerSpec.default({}),
  })
  .superRefine((s, ctx) => {
    // Widths of sites named in this same file must fit the optimizer's budget (eq. 21/23);
    // after `extends` the optimizer factory checks the merged scheme again.
    const w = s.optimizer.wageubn;
    if (!w) return;
    for (const message of siteBudgetErrors(w, s.sites)) ctx.addIssue({ code: 'custom', message });
  });

export type SchemeSpec = z.output<typeof schemeSpec>;
export type SchemeInput = z.input<typeof schemeSpec>;

/** Validates a parsed JSON value as a scheme; errors name the file and the bad key. */
export function parseScheme(value: unknown, source: string): SchemeSpec {
  const r = schemeSpec.safeParse(value);
  if (!r.success) {
    throw new Error(`invalid scheme ${source}:\n${z.prettifyError(r.error)}`);
  }
  return r.data;
}
