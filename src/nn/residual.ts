// SPDX-License-Identifier: MIT
// ResNet basic block (He et al. 2016): conv3x3(stride) - BN - ReLU - conv3x3 - BN, plus a
// shortcut (identity, or a 1x1 strided conv + BN projection when the shape changes), then
// ReLU. The two branches meet in an exact add that aligns their exponents by shifting.
// Every conv and BN is a child layer with its own sites; names are `<block>.conv1` etc.

import { fusing, Layer } from './layer.js';
import type { Param } from './param.js';
import type { RunContext } from './context.js';
import { Conv2d } from './conv2d.js';
import { BatchNorm2d } from './batchnorm.js';
import { ReLU } from './relu.js';
import { addTensors } from './add.js';
import { heNormal } from './init.js';
import type { Rng } from '../quant/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { chainCost, sumCosts, type LayerCost } from './cost.js';

export class BasicBlock extends Layer {
  readonly kind = 'basicblock';
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu1: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  /** Projection shortcut (1x1 conv + BN), or null for identity. */
  readonly proj: { conv: Conv2d; bn: BatchNorm2d } | null;
  readonly relu: ReLU;
  /** The training forward ran bn1 + relu1 fused. */
  private fused = false;

  constructor(
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride: number,
    rng: Rng,
  ) {
    super(name);
    this.conv1 = new Conv2d(`${name}.conv1`, inChannels, outChannels, 3, rng, {
      stride,
      padding: 1,
      bias: false,
    });
    this.bn1 = new BatchNorm2d(`${name}.bn1`, outChannels);
    this.relu1 = new ReLU(`${name}.relu1`);
    this.conv2 = new Conv2d(`${name}.conv2`, outChannels, outChannels, 3, rng, {
      padding: 1,
      bias: false,
    });
    this.bn2 = new BatchNorm2d(`${name}.bn2`, outChannels);
    heNormal(this.conv1.weight.value, inChannels * 9, rng);
    heNormal(this.conv2.weight.value, outChannels * 9, rng);
    if (stride !== 1 || inChannels !== outChannels) {
      const conv = new Conv2d(`${name}.proj`, inChannels, outChannels, 1, rng, {
        stride,
        bias: false,
      });
      heNormal(conv.weight.value, inChannels, rng);
      this.proj = { conv, bn: new BatchNorm2d(`${name}.projbn`, outChannels) };
    } else this.proj = null;
    this.relu = new ReLU(`${name}.relu`);
  }

  override children(): Layer[] {
    const main = [this.conv1, this.bn1, this.relu1, this.conv2, this.bn2];
    return [...main, ...(this.proj ? [this.proj.conv, this.proj.bn] : []), this.relu];
  }

  override params(): Param[] {
    return this.children().flatMap((l) => l.params());
  }

  outputShape(input: Shape): Shape {
    return this.conv1.outputShape(input);
  }

  // The main path and the projection both read x; the exact add has no MACs; the last ReLU
  // reads the sum.
  cost(input: Shape, batch: number): LayerCost {
    const main = chainCost([this.conv1, this.bn1, this.relu1, this.conv2, this.bn2], input, batch);
    const proj = this.proj ? [chainCost([this.proj.conv, this.proj.bn], input, batch)] : [];
    const out = this.relu.cost(main.output, batch);
    return sumCosts(out.output, [main, ...proj, out]);
  }

  // x (N,C,H,W) -> (N,OC,H/s,W/s). bn1 + relu1 and the add + relu run as one pass each
  // (unless an observer records every layer on its own).
  forward(x: Tensor, ctx: RunContext): Tensor {
    const k = ctx.kernels;
    let h = this.conv1.forward(x, ctx);
    const f = this.bn1.fuses(this.relu1, ctx);
    if (ctx.training) this.fused = f;
    h = f
      ? this.bn1.forwardWith(this.relu1, h, ctx)
      : this.relu1.forward(this.bn1.forward(h, ctx), ctx);
    h = this.bn2.forward(this.conv2.forward(h, ctx), ctx);
    const s = this.proj ? this.proj.bn.forward(this.proj.conv.forward(x, ctx), ctx) : x;
    if (fusing(ctx)) return addTensors(k, h, s, this.name, ctx, this.relu);
    return this.relu.forward(addTensors(k, h, s, this.name, ctx), ctx);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const e = this.relu.backward(dy, ctx);
    let dm = this.conv2.backward(this.bn2.backward(e, ctx), ctx);
    dm = this.fused
      ? this.bn1.backwardWith(this.relu1, dm, ctx)
      : this.bn1.backward(this.relu1.backward(dm, ctx), ctx);
    dm = this.conv1.backward(dm, ctx);
    const ds = this.proj ? this.proj.conv.backward(this.proj.bn.backward(e, ctx), ctx) : e;
    return addTensors(ctx.kernels, dm, ds, this.name, ctx);
  }

  override clearSaved(): void {
    for (const l of this.children()) l.clearSaved();
  }
}
