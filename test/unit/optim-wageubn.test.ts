// SPDX-License-Identifier: MIT
// WAGEUBN's integer Momentum as the paper has it (Yang et al. eq. 19-23, Algorithm 2): the
// weights move by lr * Acc_i, the accumulator before Q_Acc, so a gradient of one k_GC step
// still reaches them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/nn/param.js';
import { WageubnMomentum, type WageubnMomentumOptions } from '../../src/optim/wageubn-momentum.js';
import type { ParamSite, StepInfo } from '../../src/optim/optimizer.js';
import { createQuantizer } from '../../src/quant/registry.js';
import '../../src/quant/wageubn.js';
import { makeRng } from '../../src/quant/rng.js';
import { refKernels } from '../../src/kernels/ref/index.js';

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
const wuSite = (): ParamSite => ({
  quantizer: createQuantizer({ quantizer: 'wageubn-direct', bits: 24, clip: true }, where),
  rng: makeRng(1),
  isFloat: false,
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
  const opt = new WageubnMomentum([p], wuSite, WIDTHS);
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
