// SPDX-License-Identifier: MIT
// Park et al. sec. 4.4 in the optimizer, with the built-in GAN schemes' own sites: DCGAN's
// weights (N(0, 0.02), thousands per layer) stored in INT8 (int8w16) sit on a grid of about
// 2^-10, while Adam (beta1 0.5, lr 2e-4) moves each weight by at most lr per step, less than
// half a grid step: plain INT8 W rounds every update away, so the weights never leave their
// first rounding (why the paper's INT8 GAN "failed to produce images"); with the lazy update
// (int8w16-lazy: Kahan with an INT16 accumulator) they follow float32 Adam's trajectory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/nn/param.js';
import { Adam, type AdamSites } from '../../src/optim/adam.js';
import type { ParamSite, StepInfo } from '../../src/optim/optimizer.js';
import { FormatQuantizer } from '../../src/quant/format-quantizer.js';
import { parseFormat } from '../../src/format/format.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { GAN_BETA1 } from '../../src/train/gan.js';
import '../../src/schemes/files.js';

const N = 4096; // a DCGAN layer's weights (g_convt2 has 32768)
const LR = 0.0002; // the park-gan experiment's rate (the paper: 1e-4)
const STEPS = 60;

function site(format: string): ParamSite {
  const f = parseFormat(format);
  const quantizer = new FormatQuantizer(f, 'nearest', {
    layer: 'l',
    site: 'S',
    layerIndex: 0,
    layerCount: 1,
  });
  return { quantizer, rng: makeRng(5), isFloat: f.kind === 'float32' };
}

/** Adam's sites of a weight under a built-in scheme (float32 where it names none). */
function schemeSites(name: string): { sites: AdamSites; lazy: boolean } {
  const s = loadScheme(name);
  const at = (k: string) =>
    site((s.sites as Record<string, { format?: string }>)[k]?.format ?? 'float32');
  return {
    sites: { U: at('U'), WU: at('WU'), M: at('M'), V: at('V'), ACC: at('ACC') },
    lazy: s.optimizer.lazy ?? false,
  };
}

/** Weights after each step under `scheme`: DCGAN's init, gradients with a per-weight drift. */
function train(scheme: string): { start: Float32Array; first: Float32Array; end: Float32Array } {
  const rng = makeRng(11);
  const start = new Float32Array(N);
  const drift = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    start[i] = 0.02 * randNormal(rng);
    drift[i] = randNormal(rng);
  }
  const p = new Param('w', 'l', 'weight', [N], start.slice());
  const { sites, lazy } = schemeSites(scheme);
  const opt = new Adam([p], () => sites, {
    beta1: GAN_BETA1,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    lazy,
  });
  const noise = makeRng(12);
  let first = start;
  for (let s = 0; s < STEPS; s++) {
    const g = new Float32Array(N);
    for (let i = 0; i < N; i++) g[i] = 1e-3 * (drift[i] + randNormal(noise));
    p.grad = g;
    const info: StepInfo = { kernels: refKernels, step: s, epoch: 0, lr: LR, telemetry: null };
    opt.step(info);
    if (s === 0) first = p.value.slice();
  }
  return { start, first, end: p.value.slice() };
}

test('the GAN schemes store weights in INT8 and Adam state in INT16; only int8w16-lazy is lazy', () => {
  for (const name of ['int8w16', 'int8w16-lazy']) {
    const s = loadScheme(name).sites as Record<string, { format: string }>;
    assert.equal(s.W.format, 'dfp<8>', `${name} W`);
    assert.equal(s.WU.format, 'dfp<8>', `${name} WU`);
    for (const k of ['A', 'E', 'G', 'U', 'M', 'V'])
      assert.equal(s[k].format, 'dfp<16>', `${name} ${k}`);
  }
  assert.equal(loadScheme('int8w16').optimizer.lazy ?? false, false);
  assert.equal(loadScheme('int8w16-lazy').optimizer.lazy, true);
  assert.equal(loadScheme('int8w16-lazy').sites.ACC?.format, 'dfp<16>');
});

test('int8w16: every Adam update of a DCGAN weight is lost below the INT8 grid; lazy keeps them', () => {
  const fp = train('fp32');
  const plain = train('int8w16');
  const lazy = train('int8w16-lazy');
  let moved = 0;
  let fpMove = 0;
  let lazyErr = 0;
  let plainErr = 0;
  for (let i = 0; i < N; i++) {
    const d = fp.end[i] - fp.start[i];
    fpMove += Math.abs(d);
    if (lazy.end[i] !== lazy.first[i]) moved++;
    lazyErr += Math.abs(lazy.end[i] - fp.end[i]);
    plainErr += Math.abs(plain.end[i] - fp.end[i]);
  }
  // float32 Adam moves the weights by several grid steps (about lr per step for the drift).
  assert.ok(fpMove / N > 3e-3, `fp32 mean move ${fpMove / N}`);
  // Plain INT8 W: after its first rounding to the grid no weight ever changes again.
  assert.deepEqual(Array.from(plain.end), Array.from(plain.first), 'plain INT8 W moved a weight');
  // Lazy: most weights move, and they end within half a grid step of float32's on average.
  assert.ok(moved > 0.9 * N, `lazy moved ${moved} of ${N}`);
  assert.ok(lazyErr / N < 0.2 * (fpMove / N), `lazy error ${lazyErr / N} vs move ${fpMove / N}`);
  assert.ok(plainErr / N > 0.8 * (fpMove / N), `plain error ${plainErr / N}`);
});
