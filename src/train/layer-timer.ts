// SPDX-License-Identifier: MIT
// A per-layer-kind profiler for training steps: it wraps the forward/backward methods of each
// layer instance, the quantizers bound at layer sites and the optimizer's step with timing
// wrappers, installed only when asked (an uninstrumented run has no timing code at all).
// Times are exclusive: a container's time excludes its children's, a layer's excludes the
// quantizers it calls, so the kinds add up to the instrumented share of a step.

import { allLayers, type Layer } from '../nn/layer.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Quantizer } from '../quant/site.js';

/**
 * Methods through which layers are driven (attention takes two inputs: attend*; a layer that
 * fuses the next one, BatchNorm then ReLU, runs both through *With, counted as its own kind).
 */
const LAYER_METHODS = [
  'forward',
  'backward',
  'forwardWith',
  'backwardWith',
  'attend',
  'attendBackward',
] as const;

/** The kind under which the quantizers at layer sites are counted. */
export const SITES_KIND = 'sites';
/** The kind under which the optimizer's step (its state and update sites included) counts. */
export const OPTIMIZER_KIND = 'optimizer';

export interface LayerTimes {
  /** Exclusive milliseconds per kind since the last reset. */
  readonly ms: Record<string, number>;
  /** Calls per kind since the last reset. */
  readonly calls: Record<string, number>;
}

type AnyFn = (...args: unknown[]) => unknown;

export class LayerTimer {
  private ms = new Map<string, number>();
  private calls = new Map<string, number>();
  /** Time spent in children of each open frame (a stack of nested timed calls). */
  private readonly childMs: number[] = [];
  private readonly restore: (() => void)[] = [];

  /** Zeroes the totals (e.g. after warm-up steps). */
  reset(): void {
    this.ms = new Map();
    this.calls = new Map();
  }

  times(): LayerTimes {
    return { ms: Object.fromEntries(this.ms), calls: Object.fromEntries(this.calls) };
  }

  /** Total exclusive milliseconds over every kind. */
  totalMs(): number {
    let s = 0;
    for (const v of this.ms.values()) s += v;
    return s;
  }

  /** Replaces `obj[key]` by a timed call counted under `kind`. */
  wrap(obj: object, key: string, kind: string): void {
    const rec = obj as Record<string, unknown>;
    const orig = rec[key];
    if (typeof orig !== 'function') return;
    const fn = orig as AnyFn;
    const had = Object.prototype.hasOwnProperty.call(obj, key);
    const stack = this.childMs;
    const timed = (...args: unknown[]): unknown => {
      const t0 = performance.now();
      stack.push(0);
      try {
        return fn.apply(obj, args);
      } finally {
        const dt = performance.now() - t0;
        const inner = stack.pop()!;
        if (stack.length) stack[stack.length - 1] += dt;
        this.ms.set(kind, (this.ms.get(kind) ?? 0) + dt - inner);
        this.calls.set(kind, (this.calls.get(kind) ?? 0) + 1);
      }
    };
    rec[key] = timed;
    this.restore.push(() => {
      if (had) rec[key] = orig;
      else delete rec[key];
    });
  }

  /** Puts every wrapped method back. */
  uninstall(): void {
    while (this.restore.length) this.restore.pop()!();
  }
}

/**
 * Instruments a model (every layer, containers included, by its `kind`; the quantizers of its
 * bound sites as `sites`) and, when given, the optimizer's `step` as `optimizer`.
 */
export function installLayerTimer(model: Layer, optimizer?: Optimizer): LayerTimer {
  const timer = new LayerTimer();
  const quantizers = new Set<Quantizer>();
  for (const l of allLayers(model)) {
    for (const m of LAYER_METHODS) timer.wrap(l, m, l.kind);
    for (const s of l.sites.values()) quantizers.add(s.quantizer);
  }
  // A quantizer may serve several sites: wrap each instance once.
  for (const q of quantizers) timer.wrap(q, 'apply', SITES_KIND);
  if (optimizer) timer.wrap(optimizer, 'step', OPTIMIZER_KIND);
  return timer;
}
