// SPDX-License-Identifier: MIT
// The per-layer-kind timer: it sees every layer kind, site quantizer and the optimizer of a
// real training step, attributes nested time exclusively (nothing counted twice), and leaves
// no trace once uninstalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/register.js';
import { installLayerTimer, OPTIMIZER_KIND, SITES_KIND } from '../../src/train/layer-timer.js';
import { Layer, allLayers } from '../../src/nn/layer.js';
import type { RunContext } from '../../src/nn/context.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng } from '../../src/quant/rng.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { makeOptimizer, paramSites } from '../../src/schemes/optimizer.js';
import { softmaxCrossEntropy } from '../../src/nn/loss.js';
import { floatTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { Shape } from '../../src/tensor/shape.js';
import { noCost, type LayerCost } from '../../src/nn/cost.js';

const ctx: RunContext = {
  kernels: refKernels,
  step: 0,
  epoch: 0,
  training: true,
  telemetry: null,
};

function busy(ms: number): void {
  const t = performance.now();
  while (performance.now() - t < ms);
}

/** A layer that spends `ms` of its own in forward, around its children's forward. */
class Busy extends Layer {
  readonly kind: string;
  constructor(
    name: string,
    kind: string,
    readonly ms: number,
    readonly inner: Layer[] = [],
  ) {
    super(name);
    this.kind = kind;
  }
  override children(): Layer[] {
    return this.inner;
  }
  forward(x: Tensor, c: RunContext): Tensor {
    busy(this.ms);
    for (const l of this.inner) l.forward(x, c);
    return x;
  }
  backward(dy: Tensor): Tensor {
    return dy;
  }
  cost(s: Shape): LayerCost {
    return noCost(s);
  }
  outputShape(s: Shape): Shape {
    return s;
  }
}

test('layer timer: nested time is exclusive, so kinds never add up to more than the wall time', () => {
  const model = new Busy('outer', 'outer', 10, [new Busy('inner', 'inner', 20)]);
  const timer = installLayerTimer(model);
  const t0 = performance.now();
  model.forward(floatTensor([1], new Float32Array(1)), ctx);
  const wall = performance.now() - t0;
  const { ms, calls } = timer.times();
  assert.ok(ms.inner >= 20, `inner ${ms.inner} ms`);
  assert.ok(ms.outer >= 10, `outer ${ms.outer} ms`);
  assert.ok(ms.outer < wall - 20 + 1e-6, `outer ${ms.outer} ms includes the inner layer's time`);
  assert.ok(timer.totalMs() <= wall + 1e-6, `total ${timer.totalMs()} > wall ${wall}`);
  assert.deepEqual(calls, { outer: 1, inner: 1 });
  timer.reset();
  assert.deepEqual(timer.times().ms, {});
});

test('layer timer: a LeNet-5 fixed8 step is seen per layer kind, site and optimizer; uninstall restores', () => {
  const model = lenet5([1, 12, 12], 3, makeRng(1));
  const scheme = loadScheme('fixed8');
  bindScheme(model, scheme, 1);
  const opt = makeOptimizer(
    'sgd',
    model.params(),
    paramSites(model, scheme, 1),
    { momentum: 0.9, weightDecay: 0, lazy: false },
    scheme,
  );
  const layers = allLayers(model);
  const timer = installLayerTimer(model, opt);
  assert.ok(layers.every((l) => Object.prototype.hasOwnProperty.call(l, 'forward')));
  const x = floatTensor(
    [4, 1, 12, 12],
    Float32Array.from({ length: 4 * 144 }, (_, i) => i % 7),
  );
  const l = softmaxCrossEntropy(model.forward(x, ctx), Int32Array.of(0, 1, 2, 0));
  model.backward(l.grad, ctx);
  opt.step({ kernels: refKernels, step: 0, epoch: 0, lr: 0.01, telemetry: null });
  const { calls, ms } = timer.times();
  // forward + backward per layer of each kind
  assert.equal(calls.conv2d, 4);
  assert.equal(calls.linear, 6);
  // relu1 and relu2 run pooled first: their forwardWith and backwardWith count too.
  assert.equal(calls.relu, 12);
  assert.equal(calls.maxpool2d, 4);
  assert.equal(calls.sequential, 2);
  assert.equal(calls[OPTIMIZER_KIND], 1);
  // A, W, E, G on five layers, each once per step (fc3's G among them)
  assert.ok(calls[SITES_KIND] >= 15, `sites called ${calls[SITES_KIND]} times`);
  for (const [k, v] of Object.entries(ms)) assert.ok(v >= 0, `${k}: ${v} ms`);
  timer.uninstall();
  assert.ok(layers.every((l) => !Object.prototype.hasOwnProperty.call(l, 'forward')));
  assert.ok(!Object.prototype.hasOwnProperty.call(opt, 'step'));
});
