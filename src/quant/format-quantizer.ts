// SPDX-License-Identifier: MIT
// The built-in `format` quantizer: a number format (float32, fixed<b,f>, dfp<b>) plus a
// rounding mode. dfp picks each tensor's exponent from its current max |x|.

import { z } from 'zod';
import { checkFormat, parseFormat, formatBits, type Format } from '../format/format.js';
import { intDTypeFor } from '../tensor/dtype.js';
import { stepArray } from '../kernels/step-array.js';
import {
  fixedTensor,
  floatTensor,
  toFloat,
  type FixedTensor,
  type Tensor,
} from '../tensor/tensor.js';
import { exponentFor } from './quantize.js';
import { checkRounding, ROUNDINGS, type Rounding } from './rounding.js';
import { registerQuantizer } from './registry.js';
import type { Quantizer, SiteContext, SiteWhere } from './site.js';

const formatName = z.string().refine(
  (s) => {
    try {
      parseFormat(s);
      return true;
    } catch {
      return false;
    }
  },
  {
    message: 'not a number format: write float32, fixed<bits,frac> or dfp<bits> with bits in 2..32',
  },
);

const params = z.strictObject({
  format: formatName,
  rounding: z.enum(ROUNDINGS as [Rounding, ...Rounding[]]).default('nearest'),
});

/**
 * Whether requantizing x to exponent `exp` and `bits` bits returns its mantissas unchanged: the
 * same exponent, a storage type within the format's range, and a rounding that draws nothing
 * (stochastic rounding takes one word per element even on an exact shift, to keep its stream).
 * dfp<8> at a site after another dfp<8> at the same exponent (Park et al.'s E1 after E, BN.x
 * after A): the copy took 4 ms per 524k elements as a requantize on wasm.
 */
function unchanged(x: FixedTensor, exp: number, bits: number, rounding: Rounding): boolean {
  if (x.exp !== exp || rounding === 'stochastic') return false;
  // The storage type's bits: int8 and int16 mantissas fit a format of at least that many
  // (int32 and float64 storage hold no such promise).
  const m = x.mant;
  const stored = m instanceof Int8Array ? 8 : m instanceof Int16Array ? 16 : Infinity;
  return stored <= bits;
}

/**
 * A float32 site's output: x itself, or its values as dequantize gives them (float32(m * 2^exp),
 * the product in float64) through the kernels' scale_to_f32 into a step array; dequantize's
 * own loop (its checks) for float64 mantissas and exponents past 96. WAGEUBN's float32 sites
 * over int16 mantissas took ~2 ms of a ResNet-20 step in JavaScript.
 */
function valuesOf(x: Tensor, ctx: SiteContext): Tensor {
  if (x.kind === 'float' || x.mant instanceof Float64Array || x.exp > 96) return toFloat(x);
  const out = stepArray(ctx, 'float32', x.mant.length, false);
  ctx.kernels.scale_to_f32(x.mant, 2 ** x.exp, out);
  return floatTensor(x.shape, out);
}

/** Quantizes any tensor to `format` with `rounding`; records what it did. */
export class FormatQuantizer implements Quantizer {
  readonly description: string;
  readonly float32: boolean;
  constructor(
    readonly format: Format,
    readonly rounding: Rounding,
    readonly where: SiteWhere,
  ) {
    // Built by hand (the API) as well as from schemes: the same checks as quantize().
    checkFormat(format, `${where.layer}.${where.site} format`);
    checkRounding(rounding);
    this.description = format.kind === 'float32' ? 'float32' : `${format.name} ${rounding}`;
    this.float32 = format.kind === 'float32';
  }

  bits(): number {
    return formatBits(this.format);
  }

  apply(x: Tensor, ctx: SiteContext): Tensor {
    const f = this.format;
    const k = ctx.kernels;
    let out: Tensor;
    let stats = { count: 0, saturated: 0, underflow: 0 };
    if (f.kind === 'float32') {
      out = valuesOf(x, ctx);
    } else {
      const n = x.kind === 'float' ? x.data.length : x.mant.length;
      // A step's tensor: in the kernels' workspace when training (no copies into kernels).
      const mant = stepArray(ctx, intDTypeFor(f.bits), n, false);
      const rng = this.rounding === 'stochastic' ? ctx.rng : null;
      let exp: number;
      if (x.kind === 'float') {
        // The producer's max |x| (BatchNorm's kernels return it) spares the scan.
        exp = exponentFor(f, f.kind === 'dfp' ? (x.maxAbs ?? k.maxAbs(x.data)) : 0);
        stats = k.quantize(x.data, exp, f.bits, this.rounding, rng, mant);
      } else {
        // Likewise a mantissa max its producer returned (ReLU's backward).
        exp = exponentFor(f, f.kind === 'dfp' ? (x.mantMax ?? k.maxAbs(x.mant)) * 2 ** x.exp : 0);
        if (unchanged(x, exp, f.bits, this.rounding)) {
          // The kernel would return every mantissa as it is: a copy.
          mant.set(x.mant);
          stats = { count: n, saturated: 0, underflow: 0 };
        } else stats = k.requantize(x.mant, x.exp, exp, f.bits, this.rounding, rng, mant);
      }
      out = fixedTensor(x.shape, mant, exp, f.bits);
    }
    const t = ctx.telemetry;
    if (t) {
      t.record({
        layer: this.where.layer,
        site: this.where.site,
        exp: out.kind === 'fixed' ? out.exp : NaN,
        bits: this.bits(),
        ...stats,
        count: stats.count || (out.kind === 'float' ? out.data.length : out.mant.length),
        ...(t.wantsValues ? { input: x, output: out } : {}),
      });
    }
    return out;
  }

  saveState(): unknown {
    return null;
  }

  loadState(): void {}
}

registerQuantizer({
  name: 'format',
  summary: 'a number format (float32, fixed<b,f>, dfp<b>) with nearest/stochastic/floor rounding',
  params,
  create: (p, where) => new FormatQuantizer(parseFormat(p.format), p.rounding, where),
});
