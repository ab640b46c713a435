// SPDX-License-Identifier: MIT
// Park et al. 2018, sec. 3: the bit-width of the last FC layer (the classifier before softmax)
// from the number of classes (eq. 5), and the quantizer kind `dfp-classifier` that applies it.

import { z } from 'zod';
import { dynamicFixed } from '../format/format.js';
import { FormatQuantizer } from './format-quantizer.js';
import { registerQuantizer } from './registry.js';
import type { Quantizer, SiteContext, SiteWhere } from './site.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Eq. 5: bitwidth > log2(|class| - 1) + 2/alpha, the smallest such integer.
 * The paper prints the second term as log2(2/alpha), but its own worked figure for ImageNet
 * ("13.97 = log2(1000) + 4" with alpha = 0.5, hence INT16 for AlexNet's classifier) adds
 * 2/alpha; we follow the figure the paper applied: 1000 classes -> 14 bits, 10 -> 8 bits.
 */
export function classifierBits(numClasses: number, alpha = 0.5): number {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new RangeError(`number of classes must be an integer >= 2, got ${numClasses}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const bound = Math.log2(numClasses - 1) + 2 / alpha;
  return Math.floor(bound) + 1;
}

const params = z.strictObject({
  alpha: z.number().gt(0).lt(1).default(0.5),
  /** Never narrower than this (the rest of the network's width). */
  minBits: z.number().int().min(2).max(32).default(8),
  rounding: z.enum(['nearest', 'stochastic', 'floor']).default('nearest'),
  /** Used when the layer's class count is unknown (e.g. an optimizer site). */
  classes: z.number().int().min(2).optional(),
});

/** dfp<b> with b = max(minBits, eq. 5 bits) from the layer's output features. */
export class ClassifierQuantizer implements Quantizer {
  readonly description: string;
  readonly inner: FormatQuantizer;
  readonly eqBits: number;
  constructor(
    readonly classes: number,
    readonly alpha: number,
    minBits: number,
    rounding: 'nearest' | 'stochastic' | 'floor',
    where: SiteWhere,
  ) {
    this.eqBits = classifierBits(classes, alpha);
    const b = Math.max(minBits, this.eqBits);
    this.inner = new FormatQuantizer(dynamicFixed(b), rounding, where);
    this.description = `dfp<${b}> ${rounding} (Park eq. 5: ${classes} classes, alpha=${alpha} -> ${this.eqBits} bits)`;
  }
  bits(): number {
    return this.inner.bits();
  }
  apply(x: Tensor, ctx: SiteContext): Tensor {
    return this.inner.apply(x, ctx);
  }
  saveState(): unknown {
    return null;
  }
  loadState(): void {}
}

registerQuantizer({
  name: 'dfp-classifier',
  summary:
    "dynamic fixed point whose width follows Park et al. eq. 5 from the layer's number of classes",
  params,
  create: (p, where) => {
    const classes = where.outFeatures ?? p.classes;
    if (classes === undefined) {
      throw new Error(
        `${where.layer}.${where.site}: dfp-classifier needs the number of classes: put it on the ` +
          `classifier layer (layers.last), or give "classes"`,
      );
    }
    return new ClassifierQuantizer(classes, p.alpha, p.minBits, p.rounding, where);
  },
});
