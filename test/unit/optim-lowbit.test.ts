// Low-precision optimizers: the lazy update keeps what plain INT8 SGD loses (Park Alg. 1),
// WAGEUBN's integer Momentum step by hand (eq. 19-22) and its bit budget (eq. 21/23), Adam.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Param } from '../../src/nn/param.js';
import { Sgd, type SgdSites } from '../../src/optim/sgd.js';
import { Adam } from '../../src/optim/adam.js';
import { WageubnMomentum } from '../../src/optim/wageubn-momentum.js';
import { makeOptimizer } from '../../src/schemes/optimizer.js';
import type { ParamSite, StepInfo } from '../../src/optim/optimizer.js';
import { FormatQuantizer } from '../../src/quant/format-quantizer.js';
import { parseFormat } from '../../src/format/format.js';
import { makeRng } from '../../src/quant/rng.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import '../../src/schemes/files.js';

const info = (step: number, lr: number): StepInfo => ({
  kernels: refKernels,
  step,
  epoch: 0,
  lr,
  telemetry: null,
});
function site(format: string): ParamSite {
  const f = parseFormat(format);
  return {
    quantizer: new FormatQuantizer(f, 'nearest', {
      layer: 'l',
      site: 'S',
      layerIndex: 0,
      layerCount: 1,
    }),
    rng: makeRng(3),
    isFloat: f.kind === 'float32',
  };
}
const int8Sites = (lazy: boolean): SgdSites => ({
  U: site(lazy ? 'dfp<16>' : 'dfp<8>'),
  WU: site('dfp<8>'),
  M: site('float32'),
  ACC: site('dfp<16>'),
});

test('lazy update: plain INT8 SGD leaves the weights unchanged, the Kahan update moves them', () => {
  const start = [1, 0.5, -0.25, 0.75]; // dfp<8>: exponent -6, step 1/64
  const lr = 1e-3; // update 0.001 < half a step: rounds away in plain INT8
  const run = (lazy: boolean) => {
    const p = new Param('w', 'l', 'weight', [4], Float32Array.from(start));
    const opt = new Sgd([p], () => int8Sites(lazy), { momentum: 0, weightDecay: 0, lazy });
    for (let s = 0; s < 20; s++) {
      p.grad = new Float32Array(4).fill(1);
      opt.step(info(s, lr));
    }
    return { p, acc: lazy ? opt.saveState().buffers.w.acc : null };
  };
  assert.deepEqual(Array.from(run(false).p.value), start, 'plain INT8 lost every update');
  const { p, acc } = run(true);
  assert.ok(acc);
  for (let i = 0; i < 4; i++) {
    assert.notEqual(p.value[i], start[i], `lazy moved w[${i}]`);
    // Kahan invariant: theta - acc equals the exact sum of updates (to acc's 16-bit grid)
    const exact = start[i] - 20 * lr;
    assert.ok(
      Math.abs(p.value[i] - acc[i] - exact) < 1e-4,
      `w[${i}] ${p.value[i]} - acc ${acc[i]} vs ${exact}`,
    );
  }
});

test('WAGEUBN momentum (eq. 19-22): two steps by hand', () => {
  const p = new Param('w', 'l', 'weight', [2], Float32Array.from([0.5, -0.25]));
  const opt = new WageubnMomentum([p], () => ({ WU: site('dfp<24>'), ACC: site('float32') }), {
    kMom: 3,
    kAcc: 13,
    kLr: 10,
    kGC: 15,
    kWU: 24,
    momentum: 0.9,
    weightDecay: 0,
    msraInit: false,
  });
  assert.equal(opt.momentumQ, 0.75); // floor(0.9 * 4) / 4
  assert.equal(opt.learningRate(0.01), 5 / 512); // Q(0.01, 10)
  const g = () => Float32Array.from([2 ** -10, -3 * 2 ** -14]);
  p.grad = g();
  opt.step(info(0, 0.01));
  // Acc_1 = g; theta -= lr Acc_1 (eq. 22 uses Acc before Q_Acc): -3 * 2^-14 moves w[1] by
  // 15 * 2^-23, all of it, not the 2^-12 that Q_Acc keeps.
  assert.deepEqual(Array.from(p.value), [0.5 - 5 * 2 ** -19, -0.25 + 15 * 2 ** -23]);
  // Acc_q = Q(Acc_1, 13) = [2^-10, -2^-12] (-0.75 * 2^-12 rounds to -1)
  assert.deepEqual(opt.saveState().buffers.w.acc, [2 ** -10, -(2 ** -12)]);
  p.grad = g();
  opt.step(info(1, 0.01));
  // Acc_2 = 0.75 Acc_q + g = [7 * 2^-12, -6 * 2^-14]; theta -= lr Acc_2
  assert.deepEqual(Array.from(p.value), [
    0.5 - 5 * 2 ** -19 - 35 * 2 ** -21,
    -0.25 + 15 * 2 ** -23 + 30 * 2 ** -23,
  ]);
  // Acc_q = Q(Acc_2, 13) = [7 * 2^-12, Q(-1.5 * 2^-12) = -2^-11] (a tie: to even)
  assert.deepEqual(opt.saveState().buffers.w.acc, [7 * 2 ** -12, -(2 ** -11)]);
  assert.throws(
    () => opt.learningRate(1e-4),
    /learning rate 0.0001 is 0 as a 10-bit fixed-point value/,
  );
});

function schemeFile(obj: unknown): string {
  const p = join(mkdtempSync(join(tmpdir(), 'lowbit-optim-')), 's.json');
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

test('WAGEUBN bit budget: widths breaking eq. 21 or eq. 23 are rejected, naming the equation', () => {
  assert.throws(
    () => loadScheme(schemeFile({ name: 'x', optimizer: { wageubn: { kAcc: 12 } } })),
    /eq\. 21/,
  );
  assert.throws(
    () => loadScheme(schemeFile({ name: 'x', optimizer: { wageubn: { kWU: 23 } } })),
    /eq\. 23/,
  );
  assert.throws(
    () =>
      loadScheme(
        schemeFile({
          name: 'x',
          sites: { G: { quantizer: 'wageubn-constant', kGC: 14 } },
          optimizer: { wageubn: {} },
        }),
      ),
    /eq\. 21: site G uses k_GC = 14/,
  );
  assert.throws(
    () =>
      loadScheme(
        schemeFile({
          name: 'x',
          sites: { ACC: { quantizer: 'wageubn-direct', bits: 12 } },
          optimizer: { wageubn: {} },
        }),
      ),
    /eq\. 20: site ACC \(Q_Acc\) has 12 bits but k_Acc = 13/,
  );
  // consistent widths other than the paper's are fine: 4 + 12 - 1 = 15, 15 + 10 - 1 = 24
  assert.ok(loadScheme(schemeFile({ name: 'x', optimizer: { wageubn: { kMom: 4, kAcc: 12 } } })));
  // after `extends`, the merged scheme is checked when the optimizer is built
  const s = loadScheme(
    schemeFile({
      name: 'y',
      extends: 'wageubn',
      sites: { WU: { quantizer: 'wageubn-direct', bits: 16 } },
    }),
  );
  const p = new Param('w', 'l', 'weight', [1]);
  assert.throws(
    () =>
      makeOptimizer(
        'sgd',
        [p],
        () => site('float32'),
        { momentum: 0.9, weightDecay: 0, lazy: false },
        s,
      ),
    /eq\. 23: site WU stores 16 bits but k_WU = 24/,
  );
});

test('Adam in float matches the textbook first step; INT16 state keeps it close', () => {
  const run = (fmt: string) => {
    const p = new Param('w', 'l', 'weight', [3], Float32Array.from([0.1, -0.2, 0.3]));
    const s = site(fmt);
    const opt = new Adam([p], () => ({ U: s, WU: s, M: s, V: s, ACC: s }), {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      lazy: false,
    });
    p.grad = Float32Array.from([0.5, -2, 1e-3]);
    opt.step(info(0, 0.01));
    return Array.from(p.value);
  };
  // step 1: m^ = g, v^ = g^2, so the update is lr * sign(g)
  const f = run('float32');
  [0.09, -0.19, 0.29].forEach((v, i) => assert.ok(Math.abs(f[i] - v) < 1e-6, `${f[i]} vs ${v}`));
  const q = run('dfp<16>');
  [0.09, -0.19, 0.29].forEach((v, i) => assert.ok(Math.abs(q[i] - v) < 2e-3, `${q[i]} vs ${v}`));
});
