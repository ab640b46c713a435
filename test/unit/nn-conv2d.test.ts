// SPDX-License-Identifier: MIT
// Conv2d's inputGrad option: skipping the input gradient leaves the parameter gradients
// exactly as they were, and the returned dx is zeros of the input's shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conv2d } from '../../src/nn/conv2d.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng } from '../../src/quant/rng.js';
import { floatTensor, dequantize } from '../../src/tensor/tensor.js';
import { convInputGradInt, errorRows, inputGradBound, windowsCover } from '../../src/ops/conv.js';
import { Sequential } from '../../src/nn/sequential.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { trainCtx } from '../helpers/gradcheck.js';

test('Conv2d with inputGrad false gives the same dW and db, and a zero dx', () => {
  const ctx = { kernels: refKernels, step: 0, epoch: 0, training: true, telemetry: null };
  const rng = makeRng(3);
  const x = floatTensor(
    [2, 2, 6, 5],
    Float32Array.from({ length: 120 }, () => rng.nextFloat() - 0.5),
  );
  const dy = floatTensor(
    [2, 3, 6, 5],
    Float32Array.from({ length: 180 }, () => rng.nextFloat() - 0.5),
  );
  const full = new Conv2d('c', 2, 3, 3, makeRng(9), { padding: 1 });
  const skip = new Conv2d('c', 2, 3, 3, makeRng(9), { padding: 1, inputGrad: false });
  full.forward(x, ctx);
  skip.forward(x, ctx);
  const dxFull = full.backward(dy, ctx);
  const dxSkip = skip.backward(dy, ctx);
  assert.deepEqual(Array.from(skip.weight.grad!), Array.from(full.weight.grad!));
  assert.deepEqual(Array.from(skip.bias!.grad!), Array.from(full.bias!.grad!));
  assert.deepEqual(dxSkip.shape, dxFull.shape);
  assert.ok(dequantize(dxSkip).every((v) => v === 0));
  assert.ok(
    dequantize(dxFull).some((v) => v !== 0),
    'the full layer does compute a dx',
  );
});

test('the integer input gradient stays within inputGradBound, and reaches it (ragged shapes)', () => {
  const cases: [number, number, number, number, number, number, number, number][] = [
    // N, C, H, W, OC, K, stride, pad
    [2, 3, 5, 7, 4, 3, 1, 1], // Winograd route
    [1, 2, 6, 5, 3, 3, 1, 0],
    [2, 3, 7, 6, 5, 3, 2, 1], // im2col + GEMM route
    [1, 4, 5, 5, 2, 1, 1, 0],
  ];
  const r = makeRng(9);
  for (const [N, C, H, W, OC, K, s, p] of cases) {
    const OH = Math.floor((H + 2 * p - K) / s) + 1;
    const OW = Math.floor((W + 2 * p - K) / s) + 1;
    const g = { N, C, H, W, KH: K, KW: K, strideH: s, strideW: s, padH: p, padW: p, OH, OW };
    const ne = N * OC * OH * OW;
    const nw = OC * C * K * K;
    const bound = inputGradBound(g, OC, new Int8Array(0), new Int8Array(0));
    assert.equal(bound, Math.ceil(K / s) ** 2 * OC * 128 * 128);
    for (const fill of ['min', 'random'] as const) {
      const v = () => (fill === 'min' ? -128 : Math.floor(r.nextFloat() * 256) - 128);
      const e = Int8Array.from({ length: ne }, v);
      const w = Int8Array.from({ length: nw }, v);
      const dx = convInputGradInt(refKernels, g, e, () => errorRows(refKernels, g, e, OC), w, OC);
      const m = refKernels.maxAbs(dx);
      assert.ok(m <= bound, `${g.C}x${H}x${W} k${K}s${s}: max |dx| ${m} <= ${bound}`);
      // All -128: a dx element every tap of every channel reaches is the bound itself.
      if (fill === 'min' && s === 1 && p === K - 1 - p) assert.equal(m, bound);
    }
  }
  const conv = new Conv2d('c', 3, 4, 3, makeRng(1), { padding: 1 });
  bindScheme(new Sequential('m', [conv]), loadScheme('fixed8'), 1);
  const ctx = trainCtx;
  const x = floatTensor(
    [2, 3, 5, 6],
    Float32Array.from({ length: 180 }, () => r.nextFloat() - 0.5),
  );
  const y = conv.forward(x, ctx);
  const dx = conv.backward(
    floatTensor(
      y.shape,
      Float32Array.from({ length: y.shape.reduce((a, b) => a * b) }, () => r.nextFloat() - 0.5),
    ),
    ctx,
  );
  assert.ok(dx.kind === 'fixed');
  assert.equal(dx.bound, 9 * 4 * 128 * 128);
  assert.ok(refKernels.maxAbs(dx.mant) <= dx.bound!);
});

test('windowsCover: where it holds, max |im2col(x)| is max |x| exactly (the GEMM bound skips the col scan)', () => {
  const r = makeRng(11);
  let covered = 0;
  let missed = 0;
  for (const [H, W, K, s, p] of [
    [5, 7, 3, 1, 1],
    [6, 5, 3, 1, 0],
    [7, 6, 3, 2, 1],
    [8, 8, 1, 2, 0], // 1x1 stride 2: odd rows and columns are never read
    [6, 6, 3, 2, 0], // the last row and column are never read
    [5, 5, 5, 1, 2],
    [9, 4, 3, 3, 0],
  ] as const) {
    const OH = Math.floor((H + 2 * p - K) / s) + 1;
    const OW = Math.floor((W + 2 * p - K) / s) + 1;
    const g = { N: 2, C: 2, H, W, KH: K, KW: K, strideH: s, strideW: s, padH: p, padW: p, OH, OW };
    const n = 2 * 2 * H * W;
    for (let pos = 0; pos < n; pos += 3) {
      // Small values everywhere and one extreme at `pos`.
      const x = Int16Array.from({ length: n }, () => Math.floor(r.nextFloat() * 200) - 100);
      x[pos] = -32768;
      const col = new Int16Array(2 * K * K * 2 * OH * OW);
      refKernels.im2col(g, x, col);
      const cm = refKernels.maxAbs(col);
      if (windowsCover(g)) {
        assert.equal(cm, 32768, `${H}x${W} k${K} s${s} p${p}: element ${pos} is in im2col`);
        covered++;
      } else if (cm < 32768) missed++;
    }
  }
  assert.ok(covered > 0 && missed > 0, 'both kinds of geometry were exercised');
});
