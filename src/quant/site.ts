// SPDX-License-Identifier: MIT
// Quantization sites: the named points (W, A, E, G, U, BN.*, ...) where a tensor is
// (re)quantized. A scheme resolves, per layer and site, a Quantizer; the layer calls it and
// the quantizer reports what it did to telemetry.

import type { Kernels } from '../kernels/spec.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import type { IntArray } from '../tensor/dtype.js';
import type { Rng } from './rng.js';
import type { QuantStats } from './stats.js';

/** What a quantizer did at one call, for telemetry and reports. */
export interface SiteRecord extends QuantStats {
  readonly layer: string;
  readonly site: string;
  /** Exponent chosen (NaN for float32 sites). */
  readonly exp: number;
  /** Mantissa bit-width used (32 for float32 sites). */
  readonly bits: number;
  /** The input tensor, only when the sink asked for values (histograms). */
  readonly input?: Tensor;
  readonly output?: Tensor;
  /** QEM measure of this call (Zhang et al. eq. 2), when the quantizer computed it. */
  readonly diff?: number;
  /** True when an adaptive quantizer re-chose its parameters at this call. */
  readonly adjusted?: boolean;
}

export interface TelemetrySink {
  /** True when the sink wants the tensors themselves (costly; off by default). */
  readonly wantsValues: boolean;
  record(r: SiteRecord): void;
}

/** Everything a quantizer may use besides its input. */
export interface SiteContext {
  readonly kernels: Kernels;
  /** The generator of this site (each site owns a stream, so adding a site elsewhere does not
   * shift this one's draws). */
  readonly rng: Rng;
  /** Global training step (0-based) and epoch (0-based); -1 outside training. */
  readonly step: number;
  readonly epoch: number;
  /** True in training mode (some quantizers adapt only then). */
  readonly training: boolean;
  /** One evaluation batch's workspace id (kernels/step-array.ts StepScope.evalStep). */
  readonly evalStep?: number;
  readonly telemetry: TelemetrySink | null;
}

/** Where a quantizer sits: used for messages, overrides and telemetry. */
export interface SiteWhere {
  readonly layer: string;
  readonly site: string;
  /** Index of the layer among the model's parameterised layers, and their count. */
  readonly layerIndex: number;
  readonly layerCount: number;
  /** Output features of the layer (a classifier's number of classes), when it has them. */
  readonly outFeatures?: number;
}

export interface Quantizer {
  /** One line for `lowbit schemes --show`: e.g. `dfp<8> stochastic`. */
  readonly description: string;
  /** Mantissa width it produces now (32 for float32); adaptive quantizers change it. */
  bits(): number;
  /** Quantizes x; returns a FixedTensor, or x itself for a float32 site. */
  apply(x: Tensor, ctx: SiteContext): Tensor;
  /**
   * True for a float32 site: apply returns a float input itself and a fixed-point input as its
   * float32 values, with no random draws and no state, so a layer may skip the call when no
   * telemetry is recorded and the values are exact in float32.
   */
  readonly float32?: boolean;
  /** Serialisable state (for checkpoints); stateless quantizers return null. */
  saveState(): unknown;
  loadState(s: unknown): void;
  /**
   * Optional: the quantizer as plain rounding of float values onto a grid, for a producer that
   * writes the rounded mantissas itself (BatchNorm's x-hat, Kernels.bn_xhat_int); null where
   * it is not (now). Only for calls nothing records (no telemetry, no observer).
   */
  roundingGrid?(): RoundingGrid | null;
  /**
   * Optional: the quantizer as WAGEUBN's flag quantization scaled from max |x| alone, for a
   * producer that flag-quantizes values it computes without storing them (BatchNorm's E2,
   * Kernels.bn_backward_flag): for float values of max |x| = maxAbs, Kernels.flag_quantize's
   * arguments and the tensor apply() returns; null where apply() would not flag-quantize them
   * (all zero). Only for calls nothing records.
   */
  flagGrid?(maxAbs: number): FlagGrid | null;
}

/** What Quantizer.flagGrid describes: apply() as flag_quantize(x, 0, scExp, k, out). */
export interface FlagGrid {
  readonly scExp: number;
  readonly k: number;
  /** The storage of out. */
  readonly dtype: 'int8' | 'int16' | 'int32';
  /** apply()'s tensor for the flag mantissas `mant` of float values of the shape. */
  finish(shape: Shape, mant: IntArray): Tensor;
}

/** What Quantizer.roundingGrid describes: apply() on float values v as int32 mantissas. */
export interface RoundingGrid {
  /** The mantissas are floor(v * 2^-exp + 1/2) (round half up). */
  readonly exp: number;
  /**
   * The tensor apply() returns for values whose mantissas (computed as above) are `mant`, with
   * max |mant| = `maxMant`; null where apply() would store them otherwise or refuse them (the
   * producer then calls apply() on the float values).
   */
  finish(shape: Shape, mant: Int32Array, maxMant: number): Tensor | null;
}

/**
 * Role sites and the generic site each stands in for. A layer that passes several distinct
 * tensors through one kind of site gives each its own role site, so stateful quantizers
 * (dfp-tracked, adaptive) track one tensor each: the LSTM's input and recurrent GEMMs (`Ax`
 * input x, `Ah` each step's h_{t-1}, `Wx`/`Wh` weights, `Ex` the stacked gate errors for the
 * input GEMMs, `Eh` each step's gate error for the recurrent GEMMs, `Gx`/`Gh` weight
 * gradients) and attention (`Aq` queries, `Ak` keys/values, `Av` values where they are apart from
 * the keys (multi-head attention), `Ap` the attention weights, `Es`
 * the score error). BatchNorm's parameters take their optimizer sites as `BN.U`, `BN.WU`, ...
 * A scheme may name a role site; where it names only the generic one, the role site is bound
 * to that spec, with its own state and generator.
 */
export const ROLE_SITES: Readonly<Record<string, string>> = {
  Ax: 'A',
  Ah: 'A',
  Wx: 'W',
  Wh: 'W',
  Ex: 'E',
  Eh: 'E',
  Gx: 'G',
  Gh: 'G',
  Aq: 'A',
  Ak: 'A',
  Av: 'A',
  Ap: 'A',
  Es: 'E',
  'BN.U': 'U',
  'BN.WU': 'WU',
  'BN.M': 'M',
  'BN.V': 'V',
  'BN.ACC': 'ACC',
};

/** The generic site a role site stands in for (the site itself when it is not a role). */
export function genericSite(site: string): string {
  return ROLE_SITES[site] ?? site;
}
