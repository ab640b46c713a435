// BatchNorm1d/2d in float: backward matches float64 central differences of its own forward
// (input, gamma, beta), eval uses running statistics, buffers are exposed for checkpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNorm1d, BatchNorm2d } from '../../src/nn/batchnorm.js';
import type { Layer } from '../../src/nn/layer.js';
import type { RunContext } from '../../src/nn/context.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { dequantize64, floatTensor } from '../../src/tensor/tensor.js';
import type { Shape } from '../../src/tensor/shape.js';

const train: RunContext = {
  kernels: refKernels,
  step: 0,
  epoch: 0,
  training: true,
  telemetry: null,
};
const evalCtx: RunContext = { ...train, training: false };

/** Loss = sum(y * w) for fixed random w; returns it in float64. */
function lossOf(layer: Layer, x: Float32Array, shape: Shape, w: Float64Array): number {
  const y = dequantize64(layer.forward(floatTensor(shape, x), train));
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * w[i];
  return s;
}

/** Central differences of the loss in x and in every parameter vs the layer's backward. */
function gradCheck(layer: Layer, shape: Shape, seed: number): void {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n).map(() => randNormal(rng) * 2 + 0.5);
  const w = new Float64Array(n).map(() => randNormal(rng));
  for (const p of layer.params())
    for (let i = 0; i < p.size; i++) p.value[i] = 0.5 + rng.nextFloat();
  for (const p of layer.params()) p.zeroGrad();
  layer.forward(floatTensor(shape, x.slice()), train);
  const dx = dequantize64(layer.backward(floatTensor(shape, Float32Array.from(w)), train));
  const h = 1e-2;
  const close = (num: number, ana: number, what: string): void => {
    const tol = 2e-3 * Math.max(1, Math.abs(num));
    assert.ok(Math.abs(num - ana) <= tol, `${what}: numeric ${num} vs backward ${ana}`);
  };
  for (let i = 0; i < n; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i] += h;
    xm[i] -= h;
    const num = (lossOf(layer, xp, shape, w) - lossOf(layer, xm, shape, w)) / (xp[i] - xm[i]);
    close(num, dx[i], `dx[${i}]`);
  }
  for (const p of layer.params()) {
    const g = p.grad;
    assert.ok(g, `${p.name} got a gradient`);
    for (let i = 0; i < p.size; i++) {
      const v = p.value[i];
      p.value[i] = v + h;
      const lp = lossOf(layer, x, shape, w);
      p.value[i] = v - h;
      const lm = lossOf(layer, x, shape, w);
      p.value[i] = v;
      close((lp - lm) / (2 * h), g[i], `${p.name}[${i}]`);
    }
  }
}

test('BatchNorm2d backward matches float64 central differences (x, gamma, beta)', () => {
  gradCheck(new BatchNorm2d('bn', 3), [2, 3, 2, 3], 1);
});

test('BatchNorm1d backward matches float64 central differences (x, gamma, beta)', () => {
  gradCheck(new BatchNorm1d('bn', 4), [5, 4], 2);
});

test('BatchNorm normalises per channel in training and uses running statistics in eval', () => {
  const bn = new BatchNorm1d('bn', 2, { momentum: 0.5 });
  // channel 0: [1, 3] mean 2 var 1; channel 1: [0, 4] mean 2 var 4
  const x = floatTensor([2, 2], Float32Array.from([1, 0, 3, 4]));
  const y = dequantize64(bn.forward(x, train));
  const s0 = Math.sqrt(1 + 1e-5);
  const s1 = Math.sqrt(4 + 1e-5);
  const want = [-1 / s0, -2 / s1, 1 / s0, 2 / s1];
  want.forEach((v, i) => assert.ok(Math.abs(y[i] - v) < 1e-6, `y[${i}] ${y[i]} vs ${v}`));
  // running = 0.5 * init + 0.5 * batch (unbiased variance: m/(m-1) = 2)
  const b = bn.buffers();
  assert.deepEqual(Array.from(b.runningMean), [1, 1]);
  assert.deepEqual(Array.from(b.runningVar), [0.5 + 0.5 * 2, 0.5 + 0.5 * 8]);
  const ye = dequantize64(bn.forward(floatTensor([1, 2], Float32Array.from([1, 1])), evalCtx));
  assert.ok(Math.abs(ye[0] - 0) < 1e-6 && Math.abs(ye[1] - 0) < 1e-6);
  const ye2 = dequantize64(bn.forward(floatTensor([1, 2], Float32Array.from([2.5, 1])), evalCtx));
  assert.ok(Math.abs(ye2[0] - 1.5 / Math.sqrt(1.5 + 1e-5)) < 1e-6);
  // eval leaves the running statistics alone
  assert.deepEqual(Array.from(bn.buffers().runningMean), [1, 1]);
});

test('BatchNorm rejects bad shapes with a clear message', () => {
  const bn = new BatchNorm2d('bn1', 3);
  assert.throws(
    () => bn.forward(floatTensor([2, 4, 2, 2]), train),
    /bn1: expected input \(N, 3, H, W\)/,
  );
  assert.throws(() => new BatchNorm1d('b', 0), /channels must be a positive integer/);
  assert.deepEqual(bn.outputShape([3, 5, 5]), [3, 5, 5]);
  assert.deepEqual(
    bn.params().map((p) => p.role),
    ['gamma', 'beta'],
  );
});

test('quantized BatchNorm (WAGEUBN eq. 11-12, 14, 17) matches the equations computed here', async () => {
  const { DirectQuantizer, ShiftQuantizer } = await import('../../src/quant/wageubn.js');
  const bn = new BatchNorm1d('bn', 2);
  const w = (site: string) => ({ layer: 'bn', site, layerIndex: 0, layerCount: 1 });
  const bind = (site: string, q: DirectQuantizerLike) =>
    bn.sites.set(site, { quantizer: q, rng: makeRng(1), evalRng: () => makeRng(2) });
  type DirectQuantizerLike =
    InstanceType<typeof DirectQuantizer> | InstanceType<typeof ShiftQuantizer>;
  for (const s of ['BN.mu', 'BN.sigma', 'BN.xhat']) bind(s, new DirectQuantizer(16, false, w(s)));
  for (const s of ['BN.gamma', 'BN.beta']) bind(s, new DirectQuantizer(8, false, w(s)));
  for (const s of ['BN.ggamma', 'BN.gbeta']) bind(s, new DirectQuantizer(15, false, w(s)));
  bind('E1', new ShiftQuantizer(8, w('E1')));
  bn.gamma.value.set([0.3, 1.2]);
  bn.beta.value.set([0.1, -0.2]);
  const xs = [0.7, -1.3, 2.1, 0.4, -0.2, 0.9]; // (N=3, C=2)
  const y = bn.forward(floatTensor([3, 2], Float32Array.from(xs)), train);
  assert.equal(y.kind, 'fixed', 'y = gamma_q xhat + beta_q is computed on mantissas');
  const Q = (v: number, k: number) =>
    Math.floor(Math.fround(v) * 2 ** (k - 1) + 0.5) / 2 ** (k - 1);
  const xhat: number[] = [];
  const want: number[] = [];
  for (let c = 0; c < 2; c++) {
    const col = [xs[c], xs[2 + c], xs[4 + c]].map(Math.fround);
    const mean = (col[0] + col[1] + col[2]) / 3;
    const v = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
    const mu = Q(mean, 16);
    const sigma = Q(Math.sqrt(v + 1e-5), 16);
    col.forEach((xv, n) => {
      xhat[n * 2 + c] = Q((xv - mu) / sigma, 16);
      want[n * 2 + c] = Q(bn.gamma.value[c], 8) * xhat[n * 2 + c] + Q(bn.beta.value[c], 8);
    });
  }
  assert.deepEqual(Array.from(dequantize64(y)), want);
  // backward: e1 = SQ(dy, 8); g_gamma = Q(sum e1 xhat, 15), g_beta = Q(sum e1, 15)
  const dy = [0.5, -0.25, 0.1, 0.3, -0.6, 0.05];
  bn.backward(floatTensor([3, 2], Float32Array.from(dy)), train);
  const R = 2 ** Math.floor(Math.log2(0.6) + 0.5); // 0.5
  const e1 = dy.map(
    (d) => (Math.max(-127, Math.min(127, Math.floor((Math.fround(d) / R) * 128 + 0.5))) * R) / 128,
  );
  for (let c = 0; c < 2; c++) {
    let gg = 0;
    let gb = 0;
    for (let n = 0; n < 3; n++) {
      gg += e1[n * 2 + c] * xhat[n * 2 + c];
      gb += e1[n * 2 + c];
    }
    assert.equal(bn.gamma.grad?.[c], Math.fround(Q(gg, 15)), `g_gamma[${c}]`);
    assert.equal(bn.beta.grad?.[c], Math.fround(Q(gb, 15)), `g_beta[${c}]`);
  }
});
