// SPDX-License-Identifier: MIT
// Core layers' backward vs float64 central differences (float path, no sites bound), and the
// integer path of Linear and Conv2d under fixed8: bit-exact against float64 on the dequantized
// quantized operands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGrad, checkLayer, trainCtx } from '../helpers/gradcheck.js';
import { Linear } from '../../src/nn/linear.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { ReLU } from '../../src/nn/relu.js';
import { MaxPool2d } from '../../src/nn/maxpool2d.js';
import { Flatten } from '../../src/nn/flatten.js';
import { Sequential } from '../../src/nn/sequential.js';
import { softmaxCrossEntropy } from '../../src/nn/loss.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { bindScheme, siteRng } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { dfp8Scheme, naiveConv, naiveConvBackward } from '../helpers/intref.js';
import { dynamicFixed } from '../../src/format/format.js';
import { quantize, requantize } from '../../src/quant/quantize.js';
import { dequantize64, fixedTensor, floatTensor, type Tensor } from '../../src/tensor/tensor.js';

const rng = makeRng(11);

test('gradcheck: Linear (with and without bias)', () => {
  checkLayer(new Linear('fc', 5, 3, rng), [4, 5]);
  checkLayer(new Linear('fc', 7, 2, rng, false), [3, 7]);
});

test('gradcheck: Conv2d, stride 1 and 2, padding 0/1/2, non-square inputs', () => {
  for (const [stride, padding, k, H, W] of [
    [1, 0, 3, 5, 6],
    [1, 1, 3, 4, 7],
    [2, 1, 3, 7, 5],
    [2, 2, 5, 6, 9],
    [2, 0, 2, 6, 5],
  ]) {
    checkLayer(
      new Conv2d(`conv_s${stride}p${padding}`, 2, 3, k, rng, { stride, padding }),
      [2, 2, H, W],
      {
        maxPerTensor: 40,
      },
    );
  }
});

test('gradcheck: ReLU, MaxPool2d (2x2 and 3x3 stride 2), Flatten', () => {
  checkLayer(new ReLU('relu'), [3, 8], { fill: 'spread' });
  checkLayer(new MaxPool2d('pool', 2), [2, 3, 4, 6], { fill: 'spread' });
  checkLayer(new MaxPool2d('pool3', 3, 3), [1, 2, 7, 6], { fill: 'spread' });
  checkLayer(new Flatten('flat'), [2, 3, 2, 2]);
});

test('gradcheck: Sequential (LeNet-5 on a tiny 1x12x12 input)', () => {
  const net = lenet5([1, 12, 12], 4, makeRng(3));
  // Deep piecewise-linear net: many ReLU/max-pool kinks within 1e-2, so a smaller step, kinks skipped.
  checkLayer(net, [2, 1, 12, 12], { maxPerTensor: 12, kinks: true, eps: 1e-3 });
  const mlp = new Sequential('mlp', [
    new Flatten('f'),
    new Linear('a', 6, 5, rng),
    new ReLU('r'),
    new Linear('b', 5, 3, rng),
  ]);
  checkLayer(mlp, [3, 2, 3], { fill: 'spread' });
});

test("gradcheck: softmax cross-entropy's gradient (mean over the batch)", () => {
  const labels = Int32Array.from([2, 0, 3]);
  const z = Float32Array.from({ length: 12 }, () => randNormal(rng) * 2);
  let grad: Float32Array = new Float32Array(0);
  assertGrad({
    inputs: [{ name: 'logits', shape: [3, 4], data: z }],
    params: [],
    forward: ([x]) => {
      const l = softmaxCrossEntropy(x, labels);
      grad = l.grad.data;
      return floatTensor([1], Float32Array.from([l.loss]));
    },
    backward: (dy) => {
      const s = dequantize64(dy)[0];
      return [
        floatTensor(
          [3, 4],
          grad.map((g) => g * s),
        ),
      ];
    },
  });
});

test('gradcheck catches a wrong backward (the helper can fail)', () => {
  const fc = new Linear('fc', 3, 2, rng);
  const wrong = {
    inputs: [{ name: 'x', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    params: fc.params(),
    forward: ([x]: Tensor[]) => fc.forward(x, trainCtx),
    backward: (dy: Tensor) => {
      const dx = dequantize64(fc.backward(dy, trainCtx));
      return [
        floatTensor(
          [2, 3],
          Float32Array.from(dx, (v) => v * 1.1),
        ),
      ];
    },
  };
  assert.throws(() => assertGrad(wrong), /x \[2, 3\] at \(\d, \d\).*relative error/);
});

// ---- integer path, fixed8 ---------------------------------------------------------------

const dfp8 = dynamicFixed(8);

/** Sum of round(b * 2^-exp) * 2^exp: the bias as the integer path adds it. */
const biasAt = (b: number, exp: number): number => Math.floor(b * 2 ** -exp + 0.5) * 2 ** exp;

function assertValuesEqual(got: Tensor, want: Float64Array, what: string): void {
  assert.equal(got.kind, 'fixed', `${what} stays fixed-point`);
  const g = dequantize64(got);
  assert.equal(g.length, want.length);
  for (let i = 0; i < want.length; i++) {
    if (g[i] !== want[i]) assert.fail(`${what}[${i}]: got ${g[i]}, want ${want[i]} (exact)`);
  }
}

test('integer path: Linear under fixed8 is bit-exact against float64 on quantized operands', () => {
  const seed = 5;
  const [N, IN, OUT] = [6, 9, 4];
  const fc = new Linear('fc', IN, OUT, makeRng(2));
  const model = new Sequential('m', [fc]);
  // G left float32 so the raw dW is visible; a second pass below checks G too.
  bindScheme(model, dfp8Scheme({ G: null }), seed);
  const x = Float32Array.from({ length: N * IN }, () => randNormal(rng));
  const xq = dequantize64(quantize(x, dfp8));
  const wq = dequantize64(quantize(fc.weight.value, dfp8));
  const y = fc.forward(floatTensor([N, IN], x), trainCtx);
  assert.equal(
    y.kind === 'fixed' && y.exp,
    quantize(x, dfp8).exp + quantize(fc.weight.value, dfp8).exp,
  );
  const want = new Float64Array(N * OUT);
  const bias = fc.bias?.value ?? new Float32Array(OUT);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < OUT; o++) {
      let s = 0;
      for (let i = 0; i < IN; i++) s += xq[n * IN + i] * wq[o * IN + i];
      want[n * OUT + o] = s + biasAt(bias[o], y.kind === 'fixed' ? y.exp : 0);
    }
  assertValuesEqual(y, want, 'y');

  const dy = Float32Array.from({ length: N * OUT }, () => randNormal(rng) * 1e-2);
  const eqT = quantize(dy, dfp8, { rounding: 'stochastic', rng: siteRng(seed, 'fc', 'E') });
  const eq = dequantize64(eqT);
  const dx = fc.backward(floatTensor([N, OUT], dy), trainCtx);
  const wantDx = new Float64Array(N * IN);
  const wantDw = new Float64Array(OUT * IN);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < IN; i++) {
      let s = 0;
      for (let o = 0; o < OUT; o++) s += eq[n * OUT + o] * wq[o * IN + i];
      wantDx[n * IN + i] = s;
    }
  for (let o = 0; o < OUT; o++)
    for (let i = 0; i < IN; i++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += eq[n * OUT + o] * xq[n * IN + i];
      wantDw[o * IN + i] = s;
    }
  assertValuesEqual(dx, wantDx, 'dx');
  const gw = fc.weight.gradTensor;
  assert.ok(gw);
  const dwv = dequantize64(gw);
  wantDw.forEach((v, i) => assert.equal(dwv[i], v, `dW[${i}] exact`));

  // Full fixed8: the G site requantizes that exact dW stochastically with its own stream.
  bindScheme(model, loadScheme('fixed8'), seed);
  fc.weight.zeroGrad();
  fc.forward(floatTensor([N, IN], x), trainCtx);
  fc.backward(floatTensor([N, OUT], dy), trainCtx);
  const dwMant = Float64Array.from(wantDw, (v) => v * 2 ** -(eqT.exp + quantize(x, dfp8).exp));
  const wantG = requantize(
    fixedTensor([OUT, IN], dwMant, eqT.exp + quantize(x, dfp8).exp, 53),
    dfp8,
    {
      rounding: 'stochastic',
      rng: siteRng(seed, 'fc', 'G'),
    },
  ).tensor;
  assert.ok(fc.weight.gradTensor);
  assertValuesEqual(fc.weight.gradTensor, dequantize64(wantG), 'G(dW)');
});

test('integer path: Conv2d under fixed8 is bit-exact (stride 2, padding 1, non-square)', () => {
  const seed = 9;
  const conv = new Conv2d('conv', 2, 3, 3, makeRng(4), { stride: 2, padding: 1 });
  bindScheme(new Sequential('m', [conv]), dfp8Scheme({ G: null }), seed);
  const xs = [2, 2, 7, 6];
  const x = Float32Array.from({ length: 2 * 2 * 7 * 6 }, () => randNormal(rng));
  const xq = dequantize64(quantize(x, dfp8));
  const wq = dequantize64(quantize(conv.weight.value, dfp8));
  const y = conv.forward(floatTensor(xs, x), trainCtx);
  assert.ok(y.kind === 'fixed');
  const bias = Float64Array.from(conv.bias?.value ?? [], (b) => biasAt(b, y.exp));
  const want = naiveConv(xq, xs, wq, 3, 3, 2, 1, bias);
  assertValuesEqual(y, want.y, 'y');
  const dy = Float32Array.from({ length: want.y.length }, () => randNormal(rng));
  const eq = dequantize64(
    quantize(dy, dfp8, { rounding: 'stochastic', rng: siteRng(seed, 'conv', 'E') }),
  );
  const dx = conv.backward(floatTensor(y.shape, dy), trainCtx);
  const wb = naiveConvBackward(xq, xs, wq, 3, 3, 2, 1, eq, y.shape);
  assertValuesEqual(dx, wb.dx, 'dx');
  assert.ok(conv.weight.gradTensor);
  const dw = dequantize64(conv.weight.gradTensor);
  wb.dw.forEach((v, i) => assert.equal(dw[i], v, `dW[${i}] exact`));
});
