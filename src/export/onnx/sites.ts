// SPDX-License-Identifier: MIT
// Applying a layer's quantization sites while exporting: to graph values (the activation
// sites, as rounding nodes) and to constants (weights, BatchNorm statistics and parameters,
// quantized here by the layer's own quantizer in evaluation mode, so they are lowbit's bits).

import type { Layer } from '../../nn/layer.js';
import { refKernels } from '../../kernels/ref/index.js';
import { floatTensor } from '../../tensor/tensor.js';
import type { Shape } from '../../tensor/shape.js';
import type { MantArray } from '../../tensor/dtype.js';
import type { GraphBuilder, Scale, Val } from './graph.js';
import { ExportError, siteRule } from './site-rule.js';

/**
 * How sites whose exponent lowbit picks per tensor (dfp) are exported: `dynamic` computes it in
 * the graph from each tensor's max |x| as lowbit does (the same bits as lowbit's evaluation,
 * batch for batch); `calibrated` fixes it to a calibrated constant (a static QDQ model).
 */
export type ExponentMode = 'dynamic' | 'calibrated';

export interface EmitContext {
  readonly g: GraphBuilder;
  readonly exponents: ExponentMode;
  /** Calibrated exponents by `layer/site` (for `calibrated`). */
  readonly calibrated: ReadonlyMap<string, number>;
}

/** Passes a graph value through `layer`'s site; an unbound or float32 site leaves it float. */
export function siteOnValue(layer: Layer, site: string, x: Val, ec: EmitContext): Val {
  const s = layer.sites.get(site);
  if (!s) return x;
  const rule = siteRule(s.quantizer, `${layer.name}.${site}`);
  if (rule.kind === 'float') return { ...x, fixed: false, scale: undefined };
  const base = `${layer.name}/${site}`;
  let scale: Scale;
  if (rule.exp !== null) scale = { exp: rule.exp };
  else if (ec.exponents === 'dynamic') scale = ec.g.dynamicScale(x.name, rule.bits, base);
  else {
    const exp = ec.calibrated.get(base);
    if (exp === undefined) {
      throw new ExportError(
        `${layer.name}.${site} (${rule.name}) picks its exponent per tensor and was not calibrated: ` +
          `give calibration data, or export with dynamic exponents`,
      );
    }
    scale = { exp };
  }
  return { name: ec.g.quantize(x.name, rule, scale, base), shape: x.shape, fixed: true, scale };
}

/** A constant after `layer`'s site: its values, and mantissas + exponent when fixed-point. */
export type Quantized =
  | { readonly fixed: false; readonly values: Float32Array }
  | {
      readonly fixed: true;
      readonly values: Float32Array;
      readonly mant: MantArray;
      readonly exp: number;
    };

/** Runs `layer`'s site on a constant tensor, as lowbit's evaluation does. */
export function siteOnConstant(
  layer: Layer,
  site: string,
  input: ArrayLike<number>,
  shape: Shape,
): Quantized {
  const x = floatTensor(shape, Float32Array.from(input));
  const s = layer.sites.get(site);
  if (!s) return { fixed: false, values: x.data };
  // Checks the site is deterministic in evaluation (throws an ExportError otherwise).
  siteRule(s.quantizer, `${layer.name}.${site}`);
  const t = s.quantizer.apply(x, {
    kernels: refKernels,
    rng: s.evalRng(-1, -1),
    step: -1,
    epoch: -1,
    training: false,
    telemetry: null,
  });
  if (t.kind === 'float') return { fixed: false, values: t.data };
  const values = new Float32Array(t.mant.length);
  const sc = 2 ** t.exp;
  for (let i = 0; i < values.length; i++) values[i] = t.mant[i] * sc;
  return { fixed: true, values, mant: t.mant, exp: t.exp };
}

/** A constant as a graph input: integer mantissas + DequantizeLinear, or float32 values. */
export function constantValue(
  g: GraphBuilder,
  base: string,
  dims: readonly number[],
  q: Quantized,
): string {
  return q.fixed ? g.intWeights(base, dims, q.mant, q.exp) : g.constant(base, dims, q.values);
}
