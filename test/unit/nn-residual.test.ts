// SPDX-License-Identifier: MIT
// Residual blocks, average pooling and the exact exponent-aligning add: gradient checks on the
// float path, bit-exact checks on the integer path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLayer, trainCtx } from '../helpers/gradcheck.js';
import { BasicBlock } from '../../src/nn/residual.js';
import { AvgPool2d } from '../../src/nn/avgpool2d.js';
import { GlobalAvgPool } from '../../src/nn/gap.js';
import { addTensors } from '../../src/nn/add.js';
import { Sequential } from '../../src/nn/sequential.js';
import { resnet } from '../../src/models/resnet20.js';
import { cnnBn } from '../../src/models/cnn-bn.js';
import { allLayers } from '../../src/nn/layer.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng } from '../../src/quant/rng.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { parseScheme } from '../../src/schemes/schema.js';
import { dequantize64, fixedTensor, floatTensor, withBound } from '../../src/tensor/tensor.js';
import { storage } from '../../src/nn/arrays.js';

const rng = makeRng(21);

test('gradcheck: BasicBlock with identity and with projection shortcut', () => {
  checkLayer(new BasicBlock('b', 3, 3, 1, rng), [4, 3, 5, 4], {
    maxPerTensor: 20,
    kinks: true,
    eps: 1e-3,
  });
  checkLayer(new BasicBlock('p', 2, 4, 2, rng), [2, 2, 6, 5], {
    maxPerTensor: 20,
    kinks: true,
    eps: 3e-3,
  });
});

test('gradcheck: AvgPool2d (2x2, 3x3 stride 2 overlapping, 3x3 stride 3) and global average pooling', () => {
  checkLayer(new AvgPool2d('ap', 2), [2, 3, 4, 6]);
  checkLayer(new AvgPool2d('ap3', 3, 2), [1, 2, 7, 5]);
  checkLayer(new AvgPool2d('ap33', 3), [2, 2, 6, 6]);
  checkLayer(new GlobalAvgPool('gap'), [3, 4, 3, 5]);
});

test('gradcheck: a tiny ResNet (1 block per stage, width 4, 8x8) end to end', () => {
  // Nine BatchNorms over tiny batches (8 values per channel in stage 3) amplify the float32
  // rounding of the forward: at eps 1e-3 the two one-sided differences of small entries
  // disagree by noise, so up to half may be skipped and the tolerance is 5e-2. A wrong
  // backward still fails by O(1); the blocks themselves pass at 1e-2 above.
  const net = resnet([3, 8, 8], 3, makeRng(2), 1, 4);
  checkLayer(net, [2, 3, 8, 8], {
    maxPerTensor: 6,
    kinks: true,
    eps: 1e-3,
    tol: 5e-2,
    maxKinkFraction: 0.5,
  });
});

test('addTensors aligns exponents by shifting: bit-exact, int32 or exact float64', () => {
  const a = fixedTensor([2, 3], Int8Array.from([127, -128, 5, 0, -1, 33]), -7, 8);
  const b = fixedTensor([2, 3], Int8Array.from([-100, 64, 1, 127, 2, -3]), -3, 8);
  const s = addTensors(refKernels, a, b);
  assert.ok(s.kind === 'fixed');
  assert.equal(s.exp, -7);
  assert.ok(s.mant instanceof Int32Array);
  const av = dequantize64(a);
  const bv = dequantize64(b);
  const sv = dequantize64(s);
  for (let i = 0; i < 6; i++) assert.equal(sv[i], av[i] + bv[i], `sum[${i}] exact`);
  // Exponents 30 apart: the aligned mantissas pass int32, so the sum widens to float64 integers.
  const c = fixedTensor([2], Int16Array.from([32767, -5]), 0, 16);
  const d = fixedTensor([2], Int16Array.from([-32768, 7]), -30, 16);
  const w = addTensors(refKernels, c, d);
  assert.ok(w.kind === 'fixed' && w.mant instanceof Float64Array);
  assert.equal(w.exp, -30);
  assert.deepEqual(Array.from(w.mant), [32767 * 2 ** 30 - 32768, -5 * 2 ** 30 + 7]);
  assert.throws(() => addTensors(refKernels, a, c), /cannot add \[2, 3\] and \[2\]/);
  // Float with fixed: values.
  const f = addTensors(
    refKernels,
    floatTensor([2], Float32Array.from([0.5, 1])),
    fixedTensor([2], Int8Array.from([1, 2]), -1, 8),
  );
  assert.deepEqual(Array.from(dequantize64(f)), [1, 2]);
});

test('BasicBlock under fixed8: the residual sum is the exact aligned sum of both branches', () => {
  const blk = new BasicBlock('blk', 2, 2, 1, makeRng(3));
  const model = new Sequential('m', [blk]);
  // BN output in integers (x-hat, gamma, beta fixed-point), so both branches reach the add as
  // fixed-point tensors with different exponents.
  const scheme = parseScheme(
    {
      name: 'bn-int',
      sites: {
        A: { format: 'dfp<8>' },
        W: { format: 'dfp<8>' },
        'BN.xhat': { format: 'dfp<8>' },
        'BN.gamma': { format: 'fixed<8,6>' },
        'BN.beta': { format: 'fixed<8,4>' },
      },
    },
    'test',
  );
  bindScheme(model, scheme, 1);
  blk.bn2.beta.value.set([0.25, -0.5]);
  const x = floatTensor(
    [2, 2, 4, 4],
    Float32Array.from({ length: 64 }, () => rng.nextFloat() * 4 - 2),
  );
  // Identity shortcut: the input as given (float) is added; make it fixed by quantizing first.
  const xq = fixedTensor(
    x.shape,
    Int8Array.from(x.data, (v) => Math.round(v * 32)),
    -5,
    8,
  );
  let h = blk.conv1.forward(xq, trainCtx);
  for (const l of [blk.bn1, blk.relu1, blk.conv2, blk.bn2]) h = l.forward(h, trainCtx);
  assert.ok(h.kind === 'fixed' && h.exp !== xq.exp, 'branches meet with different exponents');
  const y = blk.forward(xq, trainCtx);
  const hv = dequantize64(h);
  const xv = dequantize64(xq);
  const yv = dequantize64(y);
  assert.equal(y.kind, 'fixed');
  for (let i = 0; i < yv.length; i++) assert.equal(yv[i], Math.max(0, hv[i] + xv[i]), `y[${i}]`);
});

test('AvgPool2d on fixed-point input: power-of-two windows are an exact exponent shift; others pass site A', () => {
  const x = fixedTensor([1, 1, 2, 4], Int8Array.from([1, 2, 3, 4, 5, 6, 7, -9]), -2, 8);
  const y = new AvgPool2d('ap', 2).forward(x, trainCtx);
  assert.ok(y.kind === 'fixed');
  assert.equal(y.exp, -4);
  assert.deepEqual(Array.from(y.mant), [1 + 2 + 5 + 6, 3 + 4 + 7 - 9]);
  const dx = new AvgPool2d('ap', 2);
  dx.forward(x, trainCtx);
  const g = dx.backward(fixedTensor([1, 1, 1, 2], Int8Array.from([4, -8]), 0, 8), trainCtx);
  assert.ok(g.kind === 'fixed');
  assert.deepEqual(Array.from(dequantize64(g)), [1, 1, -2, -2, 1, 1, -2, -2]);
  // 3x3 window: 1/9 rounds, so the quotient goes through A (dfp<8> under fixed8).
  const ap3 = new AvgPool2d('ap3', 3);
  bindScheme(new Sequential('m', [ap3]), loadScheme('fixed8'), 1);
  const x3 = fixedTensor([1, 1, 3, 3], Int8Array.from([9, 9, 9, 9, 9, 9, 9, 9, 10]), 0, 8);
  const y3 = ap3.forward(x3, trainCtx);
  assert.ok(y3.kind === 'fixed' && y3.bits === 8);
  assert.ok(Math.abs(dequantize64(y3)[0] - 82 / 9) <= 2 ** (y3.exp - 1));
});

test('resnet20 and cnn-bn: shapes, unique layer names, parameter counts', () => {
  const r = resnet([3, 32, 32], 10, makeRng(1));
  assert.deepEqual(r.outputShape([3, 32, 32]), [10]);
  const names = allLayers(r).map((l) => l.name);
  assert.equal(new Set(names).size, names.length, 'layer names are unique');
  // He et al.: ResNet-20 has 0.27M parameters.
  const n = r.params().reduce((s, p) => s + p.size, 0);
  assert.ok(n > 268000 && n < 275000, `resnet20 has ${n} parameters`);
  const c = cnnBn([3, 32, 32], 10, makeRng(1));
  const cn = allLayers(c).map((l) => l.name);
  assert.equal(new Set(cn).size, cn.length);
  const y = c.forward(floatTensor([2, 3, 32, 32]), { ...trainCtx, training: false });
  assert.deepEqual(y.shape, [2, 10]);
});

test('addTensors: a producer bound that proves int32 skips the scan; same mantissas either way', () => {
  let scans = 0;
  const k = {
    ...refKernels,
    maxAbs: (x: Parameters<typeof refKernels.maxAbs>[0]) => (scans++, refKernels.maxAbs(x)),
  };
  const r = makeRng(5);
  const n = 37;
  const ma = Int32Array.from({ length: n }, () => Math.floor(r.nextFloat() * 2e6) - 1e6);
  const mb = Int32Array.from({ length: n }, () => Math.floor(r.nextFloat() * 2e6) - 1e6);
  ma[3] = -1e6;
  const plain = addTensors(k, fixedTensor([n], ma, -4, 32), fixedTensor([n], mb, -6, 32));
  assert.equal(scans, 2, 'int32 inputs without a bound are scanned');
  scans = 0;
  const a = withBound(fixedTensor([n], ma, -4, 32), 1e6);
  const b = withBound(fixedTensor([n], mb, -6, 32), 1e6);
  const s = addTensors(k, a, b);
  assert.equal(scans, 0, 'bounds 1e6 * 4 + 1e6 fit int32: no scan');
  assert.ok(s.kind === 'fixed' && plain.kind === 'fixed');
  assert.ok(s.mant instanceof Int32Array && plain.mant instanceof Int32Array);
  assert.deepEqual(Array.from(s.mant), Array.from(plain.mant));
  // The sum's bound holds, and feeds the next add.
  assert.equal(s.bound, 5e6);
  assert.ok(refKernels.maxAbs(s.mant) <= s.bound!);
  // A bound that does not prove int32: the scan decides, as without one.
  const wide = withBound(fixedTensor([n], mb, -40, 32), 2 ** 30);
  const w1 = addTensors(k, s, wide);
  const w0 = addTensors(
    refKernels,
    fixedTensor([n], s.mant, s.exp, 32),
    fixedTensor([n], mb, -40, 32),
  );
  assert.ok(scans > 0);
  assert.equal(
    w1.kind === 'fixed' && w1.mant.constructor,
    w0.kind === 'fixed' && w0.mant.constructor,
  );
  assert.deepEqual(Array.from(storage(w1)), Array.from(storage(w0)));
  // withBound keeps only bounds tighter than the width.
  assert.equal(
    (withBound(fixedTensor([1], Int8Array.of(1), 0, 8), 128) as { bound?: number }).bound,
    undefined,
  );
});
