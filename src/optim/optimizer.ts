// SPDX-License-Identifier: MIT
// The optimizer contract and the per-parameter quantization sites it owns:
//   U   the update (lr * step direction) before it is applied
//   WU  the stored parameter (the weights' storage format after an update)
//   M   momentum / first-moment state      V  Adam's second moment
//   ACC the lazy update's Kahan accumulator
// A site the scheme does not name is float32, which is plain float training.

import type { Param } from '../nn/param.js';
import type { Kernels } from '../kernels/spec.js';
import type { Quantizer, SiteContext, TelemetrySink } from '../quant/site.js';
import { observedApply, type StepObserver } from '../quant/observer.js';
import type { Rng } from '../quant/rng.js';
import { dequantize, floatTensor } from '../tensor/tensor.js';

export interface StepInfo {
  readonly kernels: Kernels;
  readonly step: number;
  readonly epoch: number;
  /** Learning rate for this step (schedules are applied by the caller). */
  readonly lr: number;
  readonly telemetry: TelemetrySink | null;
  /** Listener for the optimizer's site calls (test vectors); usually unset. */
  readonly observer?: StepObserver | null;
}

export interface Optimizer {
  readonly name: string;
  /** Applies one update from each parameter's `grad`; parameters without grad are skipped. */
  step(info: StepInfo): void;
  saveState(): OptimizerState;
  loadState(s: OptimizerState): void;
}

/** Serialisable optimizer state: per parameter, named float buffers, plus rng states. */
export interface OptimizerState {
  readonly buffers: Record<string, Record<string, number[]>>;
  readonly rngs: Record<string, number[]>;
  readonly steps: number;
}

/** A quantizer bound for one parameter's optimizer site, with its own generator. */
export interface ParamSite {
  readonly quantizer: Quantizer;
  readonly rng: Rng;
  /** True when the site is float32 (a pass-through), so the optimizer can skip the copy. */
  readonly isFloat: boolean;
  /** The site's name (U, WU, M, V, ACC), for observers; optional for hand-built sites. */
  readonly name?: string;
}

/** Quantizes `v` in place through a parameter site (values stay exact on the site's grid). */
export function quantizeInPlace(v: Float32Array, site: ParamSite, p: Param, info: StepInfo): void {
  if (site.isFloat) return;
  const ctx: SiteContext = {
    kernels: info.kernels,
    rng: site.rng,
    step: info.step,
    epoch: info.epoch,
    training: true,
    telemetry: info.telemetry,
  };
  const x = floatTensor(p.shape, v);
  const q = info.observer
    ? observedApply(
        info.observer,
        p.name,
        site.name ?? 'optimizer',
        site.quantizer,
        site.rng,
        x,
        () => site.quantizer.apply(x, ctx),
        true,
      )
    : site.quantizer.apply(x, ctx);
  v.set(dequantize(q));
}

/** A function giving, for a parameter and an optimizer site name, its bound site. */
export type ParamSiteFn = (p: Param, site: string) => ParamSite;
