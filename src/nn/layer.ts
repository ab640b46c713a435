// SPDX-License-Identifier: MIT
// The layer contract: forward saves what backward needs; backward(dy) returns dx and adds
// parameter gradients. Every tensor crossing the boundary of a parameterised layer passes one
// of its named quantization sites, bound from a scheme by `bindSites`.

import type { Param } from './param.js';
import type { RunContext } from './context.js';
import type { Quantizer, SiteContext } from '../quant/site.js';
import type { Rng } from '../quant/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { observedApply } from '../quant/observer.js';
import type { LayerCost } from './cost-types.js';

export interface BoundSite {
  readonly quantizer: Quantizer;
  /** Training's stream (stochastic rounding), checkpointed with the run. */
  readonly rng: Rng;
  /**
   * The generator of one evaluation batch (step, evalStep): test passes round from streams of
   * their own, so how often (or on how many images) a run is tested never moves training's.
   */
  readonly evalRng: (step: number, evalStep: number) => Rng;
}

export abstract class Layer {
  /** Kind of layer, e.g. `linear`; names in schemes and reports. */
  abstract readonly kind: string;
  /** Site names this layer quantizes at, e.g. ['A', 'W', 'E', 'G']. */
  readonly siteNames: readonly string[] = [];
  /** Quantizers bound by the scheme, by site name. */
  readonly sites = new Map<string, BoundSite>();
  /**
   * Prefix of the optimizer sites of this layer's parameters (BatchNorm: `BN.`, so its gamma
   * and beta resolve `BN.WU` before `WU`); empty for most layers.
   */
  readonly paramSitePrefix: string = '';
  /**
   * Whether backward must produce dx. A model's first layer reads data, whose gradient nobody
   * uses; layers that can skip that work (Conv2d) honour false and return zeros.
   */
  inputGrad = true;

  constructor(readonly name: string) {}

  abstract forward(x: Tensor, ctx: RunContext): Tensor;
  abstract backward(dy: Tensor, ctx: RunContext): Tensor;
  /** Shape of one output sample given one input sample's shape (no batch axis). */
  abstract outputShape(input: Shape): Shape;
  /**
   * What one training step of `batch` samples of per-sample shape `input` costs this layer,
   * from its configuration and the formats bound at its sites (nn/cost.ts): MACs by operand
   * types per pass, bytes saved for backward, workspace. Required, so the cost model cannot
   * leave a new layer out; ops/macs.ts counts the same MACs as they run.
   */
  abstract cost(input: Shape, batch: number): LayerCost;

  params(): Param[] {
    return [];
  }

  /** Non-trainable state saved in checkpoints (e.g. BatchNorm running statistics). */
  buffers(): Record<string, Float32Array> {
    return {};
  }

  /** Child layers (containers override). */
  children(): Layer[] {
    return [];
  }

  /**
   * Whether this layer can run `next` fused into its own pass (BatchNorm then ReLU) in this
   * context; never while `fusing(ctx)` is false. Containers ask before calling forwardWith.
   */
  fuses(_next: Layer, _ctx: RunContext): boolean {
    return false;
  }

  /** Forward of this layer and then `next` as one pass; only where fuses() said so. */
  forwardWith(next: Layer, _x: Tensor, _ctx: RunContext): Tensor {
    throw new Error(`${this.name} cannot fuse ${next.name}`);
  }

  /** Backward of a pair that forwardWith ran: dy of `next`'s output -> dx of this input. */
  backwardWith(next: Layer, dy: Tensor, ctx: RunContext): Tensor {
    return this.backward(next.backward(dy, ctx), ctx);
  }

  /** Passes x through the named site; a site the scheme left unbound passes x unchanged. */
  protected quant(site: string, x: Tensor, ctx: RunContext): Tensor {
    const s = this.sites.get(site);
    if (!s) return x;
    const rng = ctx.training ? s.rng : s.evalRng(ctx.step, ctx.evalStep ?? 0);
    const sc: SiteContext = {
      kernels: ctx.kernels,
      rng,
      step: ctx.step,
      epoch: ctx.epoch,
      training: ctx.training,
      evalStep: ctx.evalStep,
      telemetry: ctx.telemetry,
    };
    const obs = ctx.observer;
    if (obs) {
      return observedApply(
        obs,
        this.name,
        site,
        s.quantizer,
        rng,
        x,
        () => s.quantizer.apply(x, sc),
        ctx.training,
      );
    }
    return s.quantizer.apply(x, sc);
  }

  /**
   * The error entering a Conv2d/Linear backward: through E1 where the scheme binds it (WAGEUBN's
   * Q_E1 on a layer no BatchNorm follows, see schemes/bind.ts layerSiteNames), then E.
   */
  protected incomingError(dy: Tensor, ctx: RunContext): Tensor {
    return this.quant('E', this.quant('E1', dy, ctx), ctx);
  }

  /** Frees what forward saved for backward. */
  clearSaved(): void {}
}

/**
 * Whether layers may fuse passes: not while an observer records each layer's output and
 * error on its own (test vectors wrap every layer's forward and backward).
 */
export function fusing(ctx: RunContext): boolean {
  return !ctx.observer;
}

/** Every layer of a tree, depth first, containers included. */
export function allLayers(root: Layer): Layer[] {
  const out: Layer[] = [root];
  for (const c of root.children()) out.push(...allLayers(c));
  return out;
}

/** Layers that own quantization sites, in forward order. */
export function siteLayers(root: Layer): Layer[] {
  return allLayers(root).filter((l) => l.siteNames.length > 0);
}

/** Marks the first leaf layer of a model as reading data: its input gradient is not needed. */
export function skipDataInputGrad(root: Layer): void {
  let l = root;
  while (l.children().length) l = l.children()[0];
  l.inputGrad = false;
}
