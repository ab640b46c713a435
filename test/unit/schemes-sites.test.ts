// SPDX-License-Identifier: MIT
// Which sites exist where: per-role sites of the LSTM and attention (own state, generic spec
// by default), WAGEUBN's E1 on layers without BatchNorm, the logits site L, and Park et al.'s
// BatchNorm (inputs and outputs quantized, parameters kept in float32).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScheme } from '../../src/schemes/resolve.js';
import '../../src/schemes/files.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { lstmClassifier } from '../../src/models/lstm.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { mlp } from '../../src/models/mlp.js';
import { cnnBn } from '../../src/models/cnn-bn.js';
import { resnet8 } from '../../src/models/resnet8.js';
import { LSTM } from '../../src/nn/lstm.js';
import { DotAttention } from '../../src/nn/attention.js';
import type { Layer } from '../../src/nn/layer.js';
import { siteLayers } from '../../src/nn/layer.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { DfpTrackedQuantizer } from '../../src/quant/dfp-tracked.js';
import { dynamicExponent } from '../../src/format/format.js';
import { floatTensor, type Tensor } from '../../src/tensor/tensor.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { RunContext } from '../../src/nn/context.js';
import type { SiteRecord, TelemetrySink } from '../../src/quant/site.js';
import { makeOptimizer, paramSites } from '../../src/schemes/optimizer.js';
import { softmaxCrossEntropy } from '../../src/nn/loss.js';

const records: SiteRecord[] = [];
const sink: TelemetrySink = { wantsValues: true, record: (r) => records.push(r) };
const ctx = (step = 0, telemetry: TelemetrySink | null = null): RunContext => ({
  kernels: refKernels,
  step,
  epoch: 0,
  training: true,
  telemetry,
});
const randn = (n: number, s = 1, rng = makeRng(5)) =>
  Float32Array.from({ length: n }, () => randNormal(rng) * s);
const siteOf = (m: Layer, layer: string, site: string) =>
  siteLayers(m)
    .find((l) => l.name === layer)
    ?.sites.get(site);

/** One forward and backward through `m` on a random batch; returns the output. */
function step(m: Layer, shape: number[], s: number, labels: Int32Array, tel: TelemetrySink | null) {
  const x = floatTensor(shape, randn(shape.reduce((a, b) => a * b)));
  const y = m.forward(x, ctx(s, tel));
  const { grad } = softmaxCrossEntropy(y, labels);
  m.backward(grad, ctx(s, tel));
  return y;
}

test('LSTM and attention: each tensor role has its own site, bound to the generic spec unless named', () => {
  const m = lstmClassifier([6, 5], 3, makeRng(1), 8);
  const table = bindScheme(m, loadScheme('fixed8'), 1);
  const lstm = siteLayers(m)[0];
  assert.deepEqual([...lstm.sites.keys()].sort(), [
    'Ah',
    'Ax',
    'E',
    'Eh',
    'Ex',
    'Gh',
    'Gx',
    'Wh',
    'Wx',
  ]);
  const wh = table.find((r) => r.layer === 'lstm' && r.site === 'Wh');
  assert.equal(wh?.from, 'sites (as W)');
  assert.notEqual(lstm.sites.get('Wx')?.quantizer, lstm.sites.get('Wh')?.quantizer);
  assert.notEqual(lstm.sites.get('Ax')?.quantizer, lstm.sites.get('Ah')?.quantizer);
  // A scheme naming a role changes that role only; per-layer overrides of the generic name
  // (WAGEUBN's float first layer) cover every role.
  const p = join(mkdtempSync(join(tmpdir(), 'lowbit-roles-')), 'roles.json');
  writeFileSync(
    p,
    JSON.stringify({ name: 'roles', extends: 'fixed8', sites: { Wh: { format: 'dfp<16>' } } }),
  );
  bindScheme(m, loadScheme(p), 1);
  assert.equal(lstm.sites.get('Wh')?.quantizer.bits(), 16);
  assert.equal(lstm.sites.get('Wx')?.quantizer.bits(), 8);
  bindScheme(m, loadScheme('wageubn'), 1);
  for (const [site, b] of lstm.sites) assert.equal(b.quantizer.description, 'float32', site);
  const at = new DotAttention('attention', 4);
  bindScheme(at, loadScheme('dfp8-sr'), 1);
  assert.deepEqual([...at.sites.keys()].sort(), ['Ak', 'Ap', 'Aq', 'E', 'Es']);
});

test('dfp8-sr on an LSTM: Wx and Wh track their own tensors, h_t of one step share an exponent', () => {
  const m = lstmClassifier([12, 4], 3, makeRng(2), 8);
  const lstm = siteLayers(m)[0] as LSTM;
  // Recurrent weights 16x larger than the input weights: one shared W exponent cannot fit both.
  lstm.weightHh.value.forEach((v, i, a) => (a[i] = v * 16));
  bindScheme(m, loadScheme('dfp8-sr'), 1);
  records.length = 0;
  step(m, [4, 12, 4], 0, Int32Array.from([0, 1, 2, 0]), sink);
  const expOf = (site: string) => {
    assert.ok(lstm.sites.get(site)?.quantizer instanceof DfpTrackedQuantizer, site);
    const rs = records.filter((r) => r.layer === 'lstm' && r.site === site);
    assert.equal(rs.length, 1, site);
    return rs[0].exp;
  };
  const maxAbs = (a: Float32Array) => a.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  assert.equal(expOf('Wx'), dynamicExponent(maxAbs(lstm.weightIh.value), 8));
  assert.equal(expOf('Wh'), dynamicExponent(maxAbs(lstm.weightHh.value), 8));
  assert.ok(expOf('Wh') - expOf('Wx') >= 3);
  const ah = records.filter((r) => r.layer === 'lstm' && r.site === 'Ah');
  assert.equal(ah.length, 12, 'one Ah call per time step');
  // h_0 = 0 comes first; h_1..h_11 all use the exponent the first nonzero h set.
  assert.equal(new Set(ah.slice(1).map((r) => r.exp)).size, 1);
  const eh = records.filter((r) => r.layer === 'lstm' && r.site === 'Eh');
  assert.equal(eh.length, 12);
  assert.equal(new Set(eh.map((r) => r.exp)).size, 1);
});

/** Distinct values of a fixed-point tensor. */
function distinct(t: Tensor | undefined): number {
  assert.ok(t && t.kind === 'fixed');
  return new Set(Array.from(t.mant, (v) => v * 2 ** t.exp)).size;
}

test('WAGEUBN without BatchNorm: the 8-bit E1 (Q_E1) comes before E on layers no BatchNorm follows', () => {
  // Where E1 is bound: hidden Conv/Linear of models without BN; BN itself on models with BN.
  const names = (m: Layer, s: string) =>
    siteLayers(m)
      .filter((l) => l.sites.has(s))
      .map((l) => l.name);
  const le = lenet5([1, 28, 28], 10, makeRng(1));
  bindScheme(le, loadScheme('wageubn8'), 1);
  assert.deepEqual(names(le, 'E1'), ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
  assert.match(siteOf(le, 'fc1', 'E1')?.quantizer.description ?? '', /shift SQ\(x,8\)/);
  assert.equal(siteOf(le, 'conv1', 'E1')?.quantizer.description, 'float32', 'first layer float');
  assert.equal(siteOf(le, 'fc3', 'E1')?.quantizer.description, 'float32', 'last layer float');
  const cb = cnnBn([3, 16, 16], 10, makeRng(1));
  bindScheme(cb, loadScheme('wageubn8'), 1);
  const e1 = names(cb, 'E1');
  assert.ok(e1.includes('bn1_1') && e1.includes('bn_fc1') && e1.includes('fc2'));
  assert.ok(!e1.some((n) => n.startsWith('conv') || n === 'fc1'), e1.join(', '));
  const r8 = resnet8([1, 12, 12], 10, makeRng(1));
  bindScheme(r8, loadScheme('wageubn'), 1);
  assert.ok(names(r8, 'E1').every((n) => n.includes('bn') || n === 'fc'));
  // Schemes that do not name E1 leave it unbound: the error passes unchanged.
  bindScheme(le, loadScheme('fixed8'), 1);
  assert.deepEqual(names(le, 'E1'), []);
  // The error entering fc1's GEMMs is on an 8-bit grid: at most 255 distinct values.
  for (const scheme of ['wageubn', 'wageubn8']) {
    const m = mlp([64], 10, makeRng(3), [200, 100]);
    bindScheme(m, loadScheme(scheme), 1);
    records.length = 0;
    step(
      m,
      [64, 64],
      0,
      Int32Array.from({ length: 64 }, (_, i) => i % 10),
      sink,
    );
    const e = records.find((r) => r.layer === 'fc2' && r.site === 'E');
    const n = distinct(e?.output);
    assert.ok(n <= 255, `${scheme}: fc2's error has ${n} distinct values`);
  }
});

test('Park sec. 4.2: the logits are quantized at site L (eq. 5 width in int8-lazy)', () => {
  const labels = Int32Array.from([0, 1, 2, 3]);
  const cases: [string, number][] = [
    ['int8', 8],
    ['int16', 16],
    ['int8-lazy', 8],
  ];
  for (const [scheme, bits] of cases) {
    const m = lenet5([1, 28, 28], 10, makeRng(1));
    bindScheme(m, loadScheme(scheme), 1);
    const y = step(m, [4, 1, 28, 28], 0, labels, null);
    assert.ok(y.kind === 'fixed' && y.bits === bits, `${scheme}: logits ${JSON.stringify(y.kind)}`);
  }
  // 1000 classes: eq. 5 gives 14 bits for the classifier, its logits included.
  const big = mlp([16], 1000, makeRng(1), [32]);
  bindScheme(big, loadScheme('int8-lazy'), 1);
  const y = big.forward(floatTensor([2, 16], randn(32)), ctx());
  assert.ok(y.kind === 'fixed' && y.bits === 14);
  // Schemes without L keep the exact int32 accumulator.
  const m = lenet5([1, 28, 28], 10, makeRng(1));
  bindScheme(m, loadScheme('fixed8'), 1);
  const z = m.forward(floatTensor([2, 1, 28, 28], randn(2 * 784)), ctx());
  assert.ok(z.kind === 'fixed' && z.bits === 32);
});

test('Park sec. 4.1: BatchNorm inputs and outputs quantized, its parameters kept and updated in float32', () => {
  const m = cnnBn([3, 16, 16], 10, makeRng(4));
  const s = loadScheme('int8');
  bindScheme(m, s, 1);
  const bn = siteLayers(m).find((l) => l.name === 'bn1_1');
  assert.ok(bn);
  for (const site of ['BN.x', 'BN.y', 'E1'])
    assert.equal(bn.sites.get(site)?.quantizer.description, 'dfp<8> nearest', site);
  for (const site of ['BN.mu', 'BN.sigma', 'BN.xhat', 'BN.gamma', 'BN.beta'])
    assert.equal(bn.sites.get(site)?.quantizer.description, 'float32', site);
  const sites = paramSites(m, s, 1);
  const [gamma] = bn.params();
  for (const site of ['U', 'WU', 'M', 'V']) assert.equal(sites(gamma, site).isFloat, true, site);
  const conv = siteLayers(m)[0].params()[0];
  assert.equal(sites(conv, 'WU').isFloat, false);
  // One small SGD step moves gamma by ~lr * g: kept on an 8-bit grid (step 2^-6 near 1) it
  // could not move at all.
  const opt = makeOptimizer(
    'sgd',
    m.params(),
    sites,
    { momentum: 0.9, weightDecay: 0, lazy: false },
    s,
  );
  records.length = 0;
  step(m, [8, 3, 16, 16], 0, Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), sink);
  assert.ok(records.some((r) => r.layer === 'bn1_1' && r.site === 'BN.x' && r.bits === 8));
  opt.step({ kernels: refKernels, step: 0, epoch: 0, lr: 1e-3, telemetry: null });
  const moved = Array.from(gamma.value).filter((v) => v !== 1);
  assert.ok(moved.length > 0, 'gamma moved');
  assert.ok(
    moved.some((v) => Math.abs(v - 1) < 2 ** -8),
    'by less than an 8-bit step',
  );
});
