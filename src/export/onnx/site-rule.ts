// SPDX-License-Identifier: MIT
// What a quantization site does to a tensor in evaluation, as a rule an ONNX graph can carry:
// float32 (nothing), or integer mantissas of `bits` bits at a power-of-two exponent, with a
// rounding and a clamp. Exponents that lowbit picks per tensor at run time (dfp) are marked
// dynamic; the exporter fixes them by calibration. Quantizers that round stochastically in
// evaluation, or pick their scale from the data in ways no static graph reproduces, have no
// rule: the exporter then stops with an error that names the site.

import { FormatQuantizer } from '../../quant/format-quantizer.js';
import { ClassifierQuantizer } from '../../quant/classifier.js';
import { DfpTrackedQuantizer } from '../../quant/dfp-tracked.js';
import { AdaptiveQuantizer } from '../../quant/adaptive.js';
import { DirectQuantizer } from '../../quant/wageubn.js';
import type { Quantizer } from '../../quant/site.js';

/** How out-of-range mantissas are treated. */
export type Clamp =
  | 'twos' // [-2^(b-1), 2^(b-1) - 1], lowbit's formats
  | 'symmetric' // [-(2^(b-1) - 1), 2^(b-1) - 1], WAGEUBN's clipped Q
  | 'none'; // no range limit (WAGEUBN's Q_A: the mantissa widens)

export type SiteRule =
  | { readonly kind: 'float' }
  | {
      readonly kind: 'int';
      readonly bits: number;
      /** A fixed exponent, or null when lowbit picks it per tensor from max |x| (dfp). */
      readonly exp: number | null;
      readonly rounding: 'nearest' | 'floor';
      readonly clamp: Clamp;
      /** Canonical description, for the model's metadata. */
      readonly name: string;
    };

/** Thrown when a site has no exact ONNX form; the message names the layer, site and why. */
export class ExportError extends Error {}

function intRule(
  where: string,
  q: Quantizer,
  bits: number,
  exp: number | null,
  rounding: string,
  clamp: Clamp,
): SiteRule {
  if (rounding !== 'nearest' && rounding !== 'floor') {
    throw new ExportError(
      `${where} rounds ${rounding}ally in evaluation (${q.description}): lowbit's own evaluation ` +
        `then depends on its random draws, so no deterministic ONNX graph reproduces it. Export a ` +
        `run whose forward sites (W, A) round to nearest.`,
    );
  }
  return { kind: 'int', bits, exp, rounding, clamp, name: q.description };
}

/** The evaluation rule of quantizer `q` at `where` (`layer.site`, for messages). */
export function siteRule(q: Quantizer, where: string): SiteRule {
  if (q instanceof ClassifierQuantizer) return siteRule(q.inner, where);
  if (q instanceof FormatQuantizer) {
    const f = q.format;
    switch (f.kind) {
      case 'float32':
        return { kind: 'float' };
      case 'fixed':
        return intRule(where, q, f.bits, f.exp, q.rounding, 'twos');
      case 'dfp':
        return intRule(where, q, f.bits, null, q.rounding, 'twos');
    }
  }
  if (q instanceof DfpTrackedQuantizer) {
    const e = q.exponent();
    if (e === null) {
      throw new ExportError(
        `${where} (${q.description}) never ran, so it has no exponent yet: train at least one step`,
      );
    }
    return intRule(where, q, q.p.bits, e, q.p.rounding, 'twos');
  }
  if (q instanceof AdaptiveQuantizer) {
    const st = q.saveState() as { n: number; exp: number | null };
    if (st.exp === null) {
      throw new ExportError(`${where} (${q.description}) never ran: train at least one step`);
    }
    return intRule(where, q, st.n, st.exp, q.p.rounding, 'twos');
  }
  if (q instanceof DirectQuantizer) {
    return intRule(where, q, q.k, -(q.k - 1), 'nearest', q.clip ? 'symmetric' : 'none');
  }
  throw new ExportError(
    `${where} uses ${q.description}, which has no exact ONNX form in evaluation (its scale ` +
      `follows each tensor's data in a way a static graph cannot reproduce)`,
  );
}

/** Smallest and largest mantissa of an integer rule (null: unbounded). */
export function mantissaRange(r: Extract<SiteRule, { kind: 'int' }>): [number, number] | null {
  const hi = 2 ** (r.bits - 1) - 1;
  switch (r.clamp) {
    case 'twos':
      return [-hi - 1, hi];
    case 'symmetric':
      return [-hi, hi];
    case 'none':
      return null;
  }
}
