// SPDX-License-Identifier: MIT
// What the optimizers share to run their updates as kernels (src/kernels/spec.ts, the
// optimizer kernels): staging a parameter's arrays in the kernels' step workspace, so every
// kernel of its update works in place without copies, and rounding onto a site's grid.

import type { Param } from '../nn/param.js';
import { stepArray, type StepScope } from '../kernels/step-array.js';
import type { IntFormat } from '../format/format.js';
import { FormatQuantizer } from '../quant/format-quantizer.js';
import { ClassifierQuantizer } from '../quant/classifier.js';
import { exponentFor } from '../quant/quantize.js';
import type { Rounding } from '../quant/rounding.js';
import { quantizeInPlace, type ParamSite, type StepInfo } from './optimizer.js';

/**
 * A parameter's arrays for one update: on a backend with a step workspace, copies there
 * (`stage`) or uninitialised room (`scratch`) that `unstage` copies back; elsewhere the arrays
 * themselves. Valid for the step of `info` only.
 */
export class Staging {
  private readonly scope: StepScope | null;

  constructor(info: StepInfo) {
    // The native addon's optimizer kernels work on the arrays where they are: staging there
    // would only copy every parameter's arrays in and back out (the step workspace is the
    // WebAssembly kernels' memory, which their calls would otherwise copy into).
    this.scope =
      info.kernels.stepArray && info.kernels.name !== 'native'
        ? { kernels: info.kernels, step: info.step, training: true }
        : null;
  }

  /** `a` itself, or a resident copy of it. */
  stage<T extends Float32Array | Float64Array>(a: T): T {
    if (!this.scope) return a;
    const w = (
      a instanceof Float64Array
        ? stepArray(this.scope, 'float64', a.length, false)
        : stepArray(this.scope, 'float32', a.length, false)
    ) as T;
    w.set(a);
    return w;
  }

  /** Room for a scratch array of `like`'s size (contents undefined): `like` itself without a workspace. */
  scratch(like: Float32Array): Float32Array {
    return this.scope ? stepArray(this.scope, 'float32', like.length, false) : like;
  }

  /** Copies a staged array back into the original (nothing when they are the same). */
  unstage<T extends Float32Array | Float64Array>(original: T, staged: T): void {
    if (staged !== original) original.set(staged);
  }
}

/** The fixed-point grid of a site the kernels can round onto directly, or null. */
function gridOf(site: ParamSite): { format: IntFormat; rounding: Rounding } | null {
  const q = site.quantizer instanceof ClassifierQuantizer ? site.quantizer.inner : site.quantizer;
  if (!(q instanceof FormatQuantizer) || q.format.kind === 'float32') return null;
  return { format: q.format, rounding: q.rounding };
}

/**
 * Quantizes `v` in place through a parameter site, as quantizeInPlace does: for a format site
 * (fixed or dynamic fixed point) with the round_to_grid kernel, the exponent from max |v|
 * when dynamic; any other quantizer, or a step with telemetry or an observer (which record
 * each site call), through the quantizer itself. Both give the same values and draws.
 */
export function roundAtSite(v: Float32Array, site: ParamSite, p: Param, info: StepInfo): void {
  if (site.isFloat) return;
  const grid = gridOf(site);
  if (!grid || info.telemetry || info.observer) {
    quantizeInPlace(v, site, p, info);
    return;
  }
  const { format: f, rounding } = grid;
  const k = info.kernels;
  const exp = exponentFor(f, f.kind === 'dfp' ? k.maxAbs(v) : 0);
  k.round_to_grid_f32(v, exp, f.bits, rounding, rounding === 'stochastic' ? site.rng : null);
}
