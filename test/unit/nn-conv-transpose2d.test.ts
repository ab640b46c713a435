// SPDX-License-Identifier: MIT
// ConvTranspose2d and LeakyReLU: gradients against finite differences (fp32), the float
// forward against the scatter definition, and the integer path under fixed8 bit-exact against
// float64 on the quantized operands (y, dx and dW).

import { test } from 'node:test';
import '../../src/quant/format-quantizer.js';
import assert from 'node:assert/strict';
import { checkLayer, trainCtx } from '../helpers/gradcheck.js';
import { ConvTranspose2d } from '../../src/nn/conv-transpose2d.js';
import { LeakyReLU } from '../../src/nn/leaky-relu.js';
import { Sequential } from '../../src/nn/sequential.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { bindScheme, siteRng } from '../../src/schemes/bind.js';
import { dfp8Scheme } from '../helpers/intref.js';
import { dynamicFixed } from '../../src/format/format.js';
import { quantize } from '../../src/quant/quantize.js';
import { dequantize64, fixedTensor, floatTensor, type Tensor } from '../../src/tensor/tensor.js';

const rng = makeRng(21);
const randn = (n: number, s = 1): Float32Array =>
  Float32Array.from({ length: n }, () => randNormal(rng) * s);

interface Geo {
  N: number;
  IN: number;
  OUT: number;
  K: number;
  s: number;
  p: number;
  IH: number;
  IW: number;
  H: number;
  W: number;
}

/**
 * The scatter definition in float64: y[n,o,i*s-p+a,j*s-p+b] += x[n,c,i,j] w[c,o,a,b], and its
 * adjoints dx[n,c,i,j] = sum dy[n,o,..] w[c,o,a,b], dW[c,o,a,b] = sum x[n,c,i,j] dy[n,o,..].
 */
function naiveT(g: Geo, x: Float64Array, w: Float64Array, dy: Float64Array | null) {
  const y = new Float64Array(g.N * g.OUT * g.H * g.W);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < g.N; n++)
    for (let c = 0; c < g.IN; c++)
      for (let i = 0; i < g.IH; i++)
        for (let j = 0; j < g.IW; j++) {
          const xi = ((n * g.IN + c) * g.IH + i) * g.IW + j;
          for (let o = 0; o < g.OUT; o++)
            for (let a = 0; a < g.K; a++)
              for (let b = 0; b < g.K; b++) {
                const r = i * g.s - g.p + a;
                const q = j * g.s - g.p + b;
                if (r < 0 || q < 0 || r >= g.H || q >= g.W) continue;
                const yi = ((n * g.OUT + o) * g.H + r) * g.W + q;
                const wi = ((c * g.OUT + o) * g.K + a) * g.K + b;
                y[yi] += x[xi] * w[wi];
                if (dy) {
                  dx[xi] += dy[yi] * w[wi];
                  dw[wi] += x[xi] * dy[yi];
                }
              }
        }
  return { y, dx, dw };
}

// [IN, OUT, K, stride, padding, outputPadding, IH, IW]
const CASES = [
  [2, 3, 3, 1, 0, 0, 3, 4],
  [3, 2, 4, 2, 1, 0, 3, 5],
  [2, 2, 3, 2, 1, 1, 4, 3],
  [1, 3, 5, 3, 2, 2, 2, 3],
  [4, 2, 7, 1, 0, 0, 1, 1],
] as const;

function geo(l: ConvTranspose2d, N: number, IH: number, IW: number): Geo {
  const [, H, W] = l.outputShape([l.inChannels, IH, IW]);
  return {
    N,
    IN: l.inChannels,
    OUT: l.outChannels,
    K: l.kernelSize,
    s: l.stride,
    p: l.padding,
    IH,
    IW,
    H,
    W,
  };
}

test('ConvTranspose2d: output size as PyTorch, bad options and inputs get clear errors', () => {
  const l = new ConvTranspose2d('t', 64, 32, 4, rng, { stride: 2, padding: 1 });
  assert.deepEqual(l.outputShape([64, 7, 7]), [32, 14, 14]);
  const l7 = new ConvTranspose2d('t7', 8, 4, 7, rng);
  assert.deepEqual(l7.outputShape([8, 1, 1]), [4, 7, 7]);
  const op = new ConvTranspose2d('op', 1, 1, 3, rng, { stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual(op.outputShape([1, 5, 5]), [1, 10, 10]);
  assert.throws(
    () => new ConvTranspose2d('x', 1, 1, 3, rng, { stride: 2, outputPadding: 2 }),
    /outputPadding 2 must be smaller than stride 2/,
  );
  assert.throws(() => l.outputShape([3, 7, 7]), /expected input \(N, 64, H, W\)/);
});

test('ConvTranspose2d float forward equals the scatter definition', () => {
  for (const [IN, OUT, K, s, p, op, IH, IW] of CASES) {
    const l = new ConvTranspose2d('t', IN, OUT, K, rng, {
      stride: s,
      padding: p,
      outputPadding: op,
    });
    const g = geo(l, 2, IH, IW);
    const x = randn(g.N * IN * IH * IW);
    const y = l.forward(floatTensor([g.N, IN, IH, IW], x), trainCtx);
    assert.deepEqual(y.shape, [g.N, OUT, g.H, g.W]);
    const want = naiveT(g, Float64Array.from(x), Float64Array.from(l.weight.value), null).y;
    const b = l.bias!.value;
    const got = dequantize64(y);
    for (let i = 0; i < want.length; i++) {
      const o = Math.floor(i / (g.H * g.W)) % OUT;
      const v = want[i] + b[o];
      assert.ok(Math.abs(got[i] - v) <= 1e-5 * (1 + Math.abs(v)), `y[${i}] ${got[i]} vs ${v}`);
    }
  }
});

test('gradcheck: ConvTranspose2d (strides 1-3, padding, output padding, with/without bias)', () => {
  for (const [IN, OUT, K, s, p, op, IH, IW] of CASES) {
    const l = new ConvTranspose2d(`t_s${s}p${p}`, IN, OUT, K, rng, {
      stride: s,
      padding: p,
      outputPadding: op,
      bias: IN % 2 === 0,
    });
    checkLayer(l, [2, IN, IH, IW], { maxPerTensor: 40 });
  }
});

test('gradcheck: LeakyReLU (slope 0.2 and the power-of-two 0.25)', () => {
  checkLayer(new LeakyReLU('lr', 0.2), [3, 8], { fill: 'spread' });
  checkLayer(new LeakyReLU('lr4', 0.25), [2, 3, 4], { fill: 'spread' });
  assert.throws(() => new LeakyReLU('bad', 1.5), /slope must be in \[0, 1\)/);
});

test('LeakyReLU with slope 2^-s is exact on fixed point: mantissas x 2^s where x > 0', () => {
  const l = new LeakyReLU('lr', 0.25);
  const x = fixedTensor([1, 6], Int8Array.from([-128, -3, 0, 1, 5, 127]), -4, 8);
  const y = l.forward(x, trainCtx);
  assert.equal(y.kind, 'fixed');
  assert.equal(y.kind === 'fixed' && y.exp, -6);
  assert.deepEqual(Array.from(dequantize64(y)), [-2, -3 / 64, 0, 1 / 16, 5 / 16, 127 / 16]);
  const dy = fixedTensor([1, 6], Int8Array.from([8, 8, 8, 8, 8, 8]), -3, 8);
  const dx = dequantize64(l.backward(dy));
  assert.deepEqual(Array.from(dx), [0.25, 0.25, 0.25, 1, 1, 1]);
  // A slope that is not a power of two leaves fixed point: float32 for the next A site.
  const f = new LeakyReLU('lf', 0.2).forward(x, trainCtx);
  assert.equal(f.kind, 'float');
});

test('integer path: ConvTranspose2d under fixed8 is bit-exact against float64 (y, dx, dW)', () => {
  const dfp8 = dynamicFixed(8);
  const seed = 13;
  for (const [IN, OUT, K, s, p, op, IH, IW] of CASES) {
    const l = new ConvTranspose2d('ct', IN, OUT, K, makeRng(4), {
      stride: s,
      padding: p,
      outputPadding: op,
    });
    bindScheme(new Sequential('m', [l]), dfp8Scheme({ G: null }), seed);
    const g = geo(l, 2, IH, IW);
    const x = randn(g.N * IN * IH * IW);
    const y = l.forward(floatTensor([g.N, IN, IH, IW], x), trainCtx);
    assert.equal(y.kind, 'fixed', 'y stays fixed-point');
    const xq = dequantize64(quantize(x, dfp8));
    const wq = dequantize64(quantize(l.weight.value, dfp8));
    const dy = randn(g.N * OUT * g.H * g.W, 1e-2);
    const eq = dequantize64(
      quantize(dy, dfp8, { rounding: 'stochastic', rng: siteRng(seed, 'ct', 'E') }),
    );
    const want = naiveT(g, xq, wq, eq);
    const exp = (y as Extract<Tensor, { kind: 'fixed' }>).exp;
    const b = l.bias!.value;
    const yv = dequantize64(y);
    for (let i = 0; i < yv.length; i++) {
      const o = Math.floor(i / (g.H * g.W)) % OUT;
      const bq = Math.floor(b[o] * 2 ** -exp + 0.5) * 2 ** exp;
      assert.equal(yv[i], want.y[i] + bq, `y[${i}] exact`);
    }
    const dx = l.backward(floatTensor(y.shape, dy), trainCtx);
    assert.equal(dx.kind, 'fixed');
    assert.deepEqual(Array.from(dequantize64(dx)), Array.from(want.dx), 'dx exact');
    assert.ok(l.weight.gradTensor);
    assert.deepEqual(Array.from(dequantize64(l.weight.gradTensor)), Array.from(want.dw), 'dW');
    l.weight.zeroGrad();
    l.bias!.zeroGrad();
  }
});
