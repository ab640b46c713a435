// SPDX-License-Identifier: MIT
// LeNet-5 runs exported to ONNX and run in onnxruntime agree with `lowbit eval` on all 10,000
// MNIST test images: top-1 on >= 99.9% of them, logits within a stated tolerance.
//
// Tolerances, and why:
// - fixed8, int8-lazy: none (identical float32 logits). The graph rounds exactly as lowbit
//   (round half up, per-tensor exponents computed from max |x| over the whole batch, which
//   onnxruntime is given in lowbit's evaluation batches of 500), and every product sum is of
//   integers below 2^24 on a power-of-two grid, which float32 adds exactly in any order.
// - fp32: 1e-5 of the row's largest |logit|: onnxruntime sums convolutions and GEMMs in float32
//   in another order than lowbit's kernels (measured: about 1e-6).
// - wageubn8: 1e-2 of the row's largest |logit|: its first and last layers are float32, so
//   float32 summation order changes the values entering the next 2^-7 rounding site slightly,
//   and a value at a rounding boundary can move one step (measured: about 1.6e-3).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/export/onnx/proto.js';
import { trainExportCompare } from '../helpers/onnx-check.js';

const lenet = (scheme: string) => ({
  model: 'lenet5',
  dataset: 'mnist',
  scheme,
  epochs: 1,
  limit: 2000,
  batch: 32,
  seed: 3,
});

const cases: [string, number][] = [
  ['fixed8', 0],
  ['int8-lazy', 0],
  ['fp32', 1e-5],
  ['wageubn8', 1e-2],
];

for (const [scheme, tol] of cases) {
  test(`${scheme} LeNet-5 in onnxruntime: top-1 agrees with lowbit eval on >= 99.9% of the MNIST test set, logits within ${tol}`, async (t) => {
    const r = await trainExportCompare(lenet(scheme), 10000);
    t.diagnostic(
      `${scheme}: lowbit top-1 ${r.accuracy}, agreement ${r.agree} on ${r.n} images, ` +
        `max |logit diff| ${r.maxAbs.toExponential(2)} (${r.maxRel.toExponential(2)} of the row max)`,
    );
    assert.equal(r.n, 10000);
    assert.ok(r.accuracy > 0.6, `the run learned (lowbit top-1 ${r.accuracy}; chance is 0.1)`);
    assert.ok(r.agree >= 0.999, `top-1 agreement ${r.agree}`);
    assert.ok(r.maxRel <= tol, `max |logit difference| ${r.maxRel} of the row maximum > ${tol}`);
    const m = decodeModel(r.onnx);
    assert.equal(m.opsetImport[0].version, 13);
    assert.match(m.docString, /\(p\/255 - 0\.1307\) \/ 0\.3081/);
    const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    assert.match(meta['lowbit.input'], /float32 \(N, 1, 28, 28\).*\(p\/255 - 0\.1307\) \/ 0\.3081/);
    assert.equal(meta['lowbit.scheme'], scheme);
    const ops = new Set(m.graph.node.map((n) => n.opType));
    if (scheme === 'fp32') {
      assert.ok(
        !ops.has('QuantizeLinear') && !ops.has('DequantizeLinear'),
        'fp32 is a float graph',
      );
    } else {
      // Integer weights: int8 initializers read through DequantizeLinear.
      const int8 = m.graph.initializer.filter((t) => t.dataType === 3 && t.dims.length > 0);
      assert.ok(int8.length >= 3, `int8 weight initializers: ${int8.map((t) => t.name)}`);
      assert.ok(ops.has('DequantizeLinear'));
    }
  });
}
