// SPDX-License-Identifier: MIT
// WAGEUBN's integer Momentum as the paper has it (Yang et al. eq. 19-23, Algorithm 2): the
// weights move by lr * Acc_i, the accumulator before Q_Acc, so a gradient of one k_GC step
// still reaches them; Q_Acc rounds ties to even, so zero-mean gradients cause no drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/nn/param.js';
import { WageubnMomentum, type WageubnMomentumOptions } from '../../src/optim/wageubn-momentum.js';
import type { ParamSite, StepInfo } from '../../src/optim/optimizer.js';
import { createQuantizer } from '../../src/quant/registry.js';
import '../../src/quant/wageubn.js';
import { makeRng } from '../../src/quant/rng.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeOptimizer, paramSites } from '../../src/schemes/optimizer.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import '../../src/schemes/files.js';
import type { SchemeSpec } from '../../src/schemes/schema.js';
import { Linear } from '../../src/nn/linear.js';
import { Sequential } from '../../src/nn/sequential.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WIDTHS: WageubnMomentumOptions = {
  kMom: 3,
  kAcc: 13,
  kLr: 10,
  kGC: 15,
  kWU: 24,
  momentum: 0.9,
  weightDecay: 0,
  msraInit: false,
};

const where = { layer: 'l', site: 'WU', layerIndex: 0, layerCount: 1 };
const direct = (spec: Record<string, unknown>): ParamSite => ({
  quantizer: createQuantizer({ quantizer: 'wageubn-direct', ...spec }, where),
  rng: makeRng(1),
  isFloat: false,
});
const sites = () => ({
  WU: direct({ bits: 24, clip: true }),
  ACC: direct({ bits: 13, rounding: 'nearest-even' }),
});
const info = (step: number, lr: number): StepInfo => ({
  kernels: refKernels,
  step,
  epoch: 0,
  lr,
  telemetry: null,
});

test('WAGEUBN momentum: a gradient of one k_GC step, up or down, moves the weight (eq. 22 uses Acc_i)', () => {
  const start = [0.25, -0.5];
  const p = new Param('w', 'l', 'weight', [2], Float32Array.from(start));
  const opt = new WageubnMomentum([p], sites, WIDTHS);
  const lr = opt.learningRate(0.01); // 5 * 2^-9
  const g = 2 ** -(WIDTHS.kGC - 1); // one step of the gradient grid: below Q_Acc's 2^-12
  p.grad = Float32Array.from([g, -g]);
  opt.step(info(0, 0.01));
  // Q(+-2^-14, 13) = 0: updating with the quantized accumulator would leave both unchanged.
  assert.equal(p.value[0], start[0] - lr * g, 'a positive gradient lowers the weight');
  assert.equal(p.value[1], start[1] + lr * g, 'a negative gradient raises the weight');
  // The update lr * Acc_i lies on the k_WU grid (eq. 23): nothing was rounded away.
  for (const v of p.value) assert.ok(Number.isInteger(v * 2 ** (WIDTHS.kWU - 1)));
});

/**
 * Trains the middle layer of a 3-layer model (first and last stay float in WAGEUBN) for
 * `steps` steps on zero-mean gradients: weights in pairs (w, -w) get gradients (g, -g) of
 * random multiples of 2^-14 (the CQ grid). Returns the weights and their starting values.
 */
function pairedRun(scheme: SchemeSpec, steps: number): { w: Float32Array; w0: Float32Array } {
  const rng = makeRng(5);
  const b = new Linear('b', 32, 32, rng);
  const model = new Sequential('m', [new Linear('a', 4, 32, rng), b, new Linear('c', 32, 4, rng)]);
  const opt = makeOptimizer(
    'sgd',
    model.params(),
    paramSites(model, scheme, 1),
    { momentum: 0.9, weightDecay: 0, lazy: false },
    scheme,
  );
  const w = b.weight.value;
  for (let i = 0; i < w.length; i += 2) w[i + 1] = -w[i];
  const w0 = w.slice();
  const grng = makeRng(9);
  for (let s = 0; s < steps; s++) {
    const g = new Float32Array(w.length);
    for (let i = 0; i < w.length; i += 2) {
      g[i] = (Math.floor(grng.nextFloat() * 129) - 64) * 2 ** -14;
      g[i + 1] = -g[i];
    }
    b.weight.grad = g;
    opt.step(info(s, 0.01));
  }
  return { w, w0 };
}

const sum = (v: Float32Array): number => v.reduce((a, x) => a + x, 0);

test('WAGEUBN momentum of the wageubn8 scheme: zero-mean gradients give no drift (Q_Acc ties to even)', () => {
  const { w, w0 } = pairedRun(loadScheme('wageubn8'), 100);
  assert.notDeepEqual(w, w0, 'the weights trained');
  for (let i = 0; i < w.length; i += 2)
    assert.equal(w[i], -w[i + 1], `pair ${i / 2}: ${w[i]} vs ${w[i + 1]} (biased rounding)`);
  assert.equal(sum(w), 0);
  assert.equal(sum(w0), 0);
});

test('WAGEUBN momentum with Q_Acc rounding half up drifts down under zero-mean gradients', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-wageubn-'));
  const file = join(dir, 'half-up.json');
  const acc = { quantizer: 'wageubn-direct', bits: 13 };
  writeFileSync(
    file,
    JSON.stringify({ name: 'half-up', extends: 'wageubn8', sites: { ACC: acc } }),
  );
  const { w, w0 } = pairedRun(loadScheme(file), 100);
  // Ties all go up, so Acc_q is biased up and the weights move down on average.
  assert.ok(sum(w) < sum(w0), `sum ${sum(w)} did not drift below ${sum(w0)}`);
});
