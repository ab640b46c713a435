// SPDX-License-Identifier: MIT
// The context of one forward/backward pass: kernels, step counters, telemetry.

import type { Kernels } from '../kernels/spec.js';
import type { TelemetrySink } from '../quant/site.js';
import type { StepObserver } from '../quant/observer.js';

export interface RunContext {
  readonly kernels: Kernels;
  /** Global step (0-based) and epoch; -1 outside training. */
  readonly step: number;
  readonly epoch: number;
  /** Training mode: layers save what backward needs; BatchNorm uses batch statistics. */
  readonly training: boolean;
  /** One evaluation batch's workspace id (kernels/step-array.ts StepScope.evalStep). */
  readonly evalStep?: number;
  readonly telemetry: TelemetrySink | null;
  /** Listener for site calls and integer GEMMs (test vectors, calibration); usually unset. */
  readonly observer?: StepObserver | null;
}
