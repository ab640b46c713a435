// SPDX-License-Identifier: MIT
// A step observer: an optional listener that the quantization sites, the integer GEMMs and the
// optimizer call when (and only when) one is set on the run context. Recording hardware test
// vectors and calibrating an exported model's exponents use it; training leaves it unset, so
// it costs one null check per site call and per GEMM.

import type { GemmObserver } from '../kernels/step-array.js';

export type { GemmEvent } from '../kernels/step-array.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from './rng.js';
import type { Quantizer } from './site.js';

/** One call of a quantization site. */
export interface SiteEvent {
  /** Layer name (a layer site) or parameter name (an optimizer site, e.g. `fc1.weight`). */
  readonly layer: string;
  readonly site: string;
  readonly quantizer: Quantizer;
  /** The site's generator, and its state before the call (the draws are what follows it). */
  readonly rng: Rng;
  readonly rngBefore: readonly number[];
  /** A copy of the input taken before the call, and the output as returned. */
  readonly input: Tensor;
  readonly output: Tensor;
  readonly training: boolean;
}

export interface StepObserver extends GemmObserver {
  site?(e: SiteEvent): void;
}

/** A copy of a tensor's storage (the original may live in a step workspace that is reused). */
export function copyTensor(t: Tensor): Tensor {
  return t.kind === 'float'
    ? { kind: 'float', shape: [...t.shape], data: t.data.slice() }
    : { kind: 'fixed', shape: [...t.shape], mant: t.mant.slice(), exp: t.exp, bits: t.bits };
}

/** Runs a quantizer and reports the call to `obs`. */
export function observedApply(
  obs: StepObserver,
  layer: string,
  site: string,
  quantizer: Quantizer,
  rng: Rng,
  x: Tensor,
  apply: () => Tensor,
  training: boolean,
): Tensor {
  if (!obs.site) return apply();
  const input = copyTensor(x);
  const rngBefore = rng.state();
  const output = apply();
  obs.site({ layer, site, quantizer, rng, rngBefore, input, output, training });
  return output;
}
