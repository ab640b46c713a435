// SPDX-License-Identifier: MIT
// The cost model against the real thing: MAC counts from LeNet-5's architecture worked out by
// hand, and the bytes lowbit keeps for backward and in the optimizer, measured as the
// byteLength of the typed arrays the layers and optimizer actually hold after a training step.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainConfig } from '../../src/train/config.js';
import { setupRun } from '../../src/train/setup.js';
import { allLayers, Layer, skipDataInputGrad } from '../../src/nn/layer.js';
import { buildModel } from '../../src/models/registry.js';
import { makeRng } from '../../src/quant/rng.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { Param } from '../../src/nn/param.js';
import { floatTensor } from '../../src/tensor/tensor.js';
import { softmaxCrossEntropy } from '../../src/nn/loss.js';
import { costForScheme } from '../../src/report/cost/for-scheme.js';
import { costCommand } from '../../src/cli/cost-command.js';
import { Transformer } from '../../src/models/transformer.js';
import { HOROWITZ_45NM, parseOpTable } from '../../src/report/cost/op-table.js';
import '../../src/register.js';

/** Sum of byteLength of typed arrays reachable from v, not counting parameters' own arrays. */
function typedBytes(
  v: unknown,
  skip: ReadonlySet<ArrayBufferLike>,
  seen = new Set<object>(),
): number {
  if (v === null || typeof v !== 'object' || seen.has(v)) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return skip.has(v.buffer) ? 0 : v.byteLength;
  if (v instanceof Param || v instanceof Map || v instanceof Layer) return 0;
  let sum = 0;
  for (const x of Object.values(v)) sum += typedBytes(x, skip, seen);
  return sum;
}

function ownBytes(layers: Layer[], skip: ReadonlySet<ArrayBufferLike>): number {
  return layers.reduce((a, l) => a + typedBytes(Object.assign({}, l), skip), 0);
}

// LeNet-5 (padding 2 on 28x28): conv1 6x28x28 outputs of fan-in 25, conv2 16x10x10 of fan-in
// 150, fc 400->120->84->10: multiply-accumulates per sample per GEMM pass. conv1 reads the data:
// training skips its input-gradient pass, so a step runs two passes of conv1, three of the rest.
const CONV1_MACS = 6 * 28 * 28 * 25;
const LENET_MACS = CONV1_MACS + 16 * 10 * 10 * 150 + 400 * 120 + 120 * 84 + 84 * 10;
const STEP_MACS = 3 * LENET_MACS - CONV1_MACS;

test('MACs per step: three GEMM passes of LeNet-5, at the scheme operand widths', () => {
  const c = costForScheme('lenet5', [1, 28, 28], 10, 'int8', 4, HOROWITZ_45NM);
  assert.deepEqual(Object.keys(c.macsByOperands), ['int8 x int8']);
  assert.equal(c.macsByOperands['int8 x int8'], 4 * STEP_MACS);
  assert.deepEqual(c.macsByType, { i8xi8: 4 * STEP_MACS });
  const f = costForScheme('lenet5', [1, 28, 28], 10, 'fp32', 4, HOROWITZ_45NM);
  assert.equal(f.macsByOperands['fp32 x fp32'], 4 * STEP_MACS);
  // An INT8 MAC costs ~10x less energy than FP32 (WAGEUBN Fig. 10 / Horowitz).
  assert.ok(f.energy.macUj / c.energy.macUj > 8);
});

for (const scheme of ['fp32', 'int8', 'fixed8', 'int8-lazy', 'int16']) {
  test(`memory model matches measured typed-array bytes: ${scheme}`, async () => {
    const B = 8;
    const cfg = parseTrainConfig({
      model: 'lenet5',
      scheme,
      limit: B,
      testLimit: B,
      batch: B,
      backend: 'ref',
    });
    const s = await setupRun(cfg);
    const layers = allLayers(s.model);
    const params = s.model.params();
    const skip = new Set<ArrayBufferLike>(params.map((p) => p.value.buffer));
    const before = ownBytes(layers, skip);
    const ctx = { kernels: s.kernels, step: 0, epoch: 0, training: true, telemetry: null };
    if (s.data.kind !== 'classification') throw new Error('mnist is classification');
    const x = floatTensor([B, 1, 28, 28], s.data.train.x.subarray(0, B * 784));
    const logits = s.model.forward(x, ctx);
    const saved = ownBytes(layers, skip) - before;
    const model = costForScheme('lenet5', [1, 28, 28], 10, scheme, B, HOROWITZ_45NM);
    const predicted = model.stored.activations + model.stored.workspace;
    assert.equal(
      saved,
      predicted,
      `saved for backward + im2col workspace: measured ${saved} B, model ${predicted} B`,
    );
    s.model.backward(softmaxCrossEntropy(logits, s.data.train.y.subarray(0, B)).grad, ctx);
    s.optimizer.step({ kernels: s.kernels, step: 0, epoch: 0, lr: 0.01, telemetry: null });
    const opt = typedBytes(s.optimizer, skip);
    assert.equal(
      opt,
      model.stored.optimizer,
      `optimizer state: measured ${opt} B, model ${model.stored.optimizer} B`,
    );
  });
}

test('a user op table is validated with the key named', () => {
  assert.throws(
    () => parseOpTable({ intMul: {}, intAdd: {}, fp32Mul: { pj: 1 } }, 'my.json'),
    /my\.json[\s\S]*fp32Mul/,
  );
  const t = parseOpTable(JSON.parse(JSON.stringify(HOROWITZ_45NM)), 'copy');
  assert.equal(t.fp32Mul.pj, 3.7);
});

// Layer.cost's saved bytes against the typed arrays each layer holds after a training forward
// (ref kernels, so step arrays are ordinary arrays): BatchNorm, the residual block, the LSTM
// and the Winograd-routed convs (which keep no im2col matrix) as well as LeNet-5's layers.
const SAVED_INPUTS: Record<string, number[]> = {
  mlp: [1, 28, 28],
  'cnn-bn': [3, 32, 32],
  resnet8: [3, 32, 32],
  lstm: [7, 5],
};
for (const [name, input] of Object.entries(SAVED_INPUTS))
  test(`saved bytes of every layer match measured typed-array bytes: ${name}`, () => {
    for (const scheme of ['fp32', 'fixed8', 'int8', 'int16']) {
      const B = 2;
      const m = buildModel(name, input, 10, makeRng(1));
      bindScheme(m, loadScheme(scheme), 1);
      skipDataInputGrad(m);
      const layers = allLayers(m);
      const skip = new Set<ArrayBufferLike>(m.params().map((p) => p.value.buffer));
      const before = ownBytes(layers, skip);
      const ctx = { kernels: refKernels, step: 0, epoch: 0, training: true, telemetry: null };
      const n = B * input.reduce((a, b) => a * b, 1);
      m.forward(
        floatTensor(
          [B, ...input],
          new Float32Array(n).map((_, i) => Math.sin(i)),
        ),
        ctx,
      );
      const saved = ownBytes(layers, skip) - before;
      const c = m.cost(input, B);
      assert.equal(
        saved,
        c.savedBytes + c.workspaceBytes,
        `${name} under ${scheme}: measured ${saved} B, cost() ${c.savedBytes} + ${c.workspaceBytes} B`,
      );
    }
  });

// The cost command on a translation dataset builds the model from its vocabularies, as
// training does, and reports the model's MACs (the encoder and decoder GEMMs at the scheme's
// operand types), not an error.
test('lowbit cost --model transformer --dataset translate prints its MACs', async () => {
  const out: string[] = [];
  await costCommand((s) => out.push(s)).parseAsync(
    ['--model', 'transformer', '--dataset', 'translate', '--batch', '2', '--json'],
    { from: 'user' },
  );
  const c = JSON.parse(out.join('\n')) as { macsByType: Record<string, number> };
  assert.deepEqual(Object.keys(c.macsByType), ['i8xi8']);
  assert.ok(c.macsByType.i8xi8 > 0, JSON.stringify(c.macsByType));
  await assert.rejects(
    costCommand(() => {}).parseAsync(['--model', 'lenet5', '--dataset', 'translate'], {
      from: 'user',
    }),
    /use --model seq2seq or --model transformer/,
  );
});

// The same for the Transformer (built from its sizes, as translation builds it): LayerNorm's
// x-hat and 1/sigma, the attention core's heads, weights and valid-key counts, the Linears.
test('saved bytes of every layer match measured typed-array bytes: transformer', () => {
  const sizes = { srcVocab: 11, tgtVocab: 13, srcLen: 6, tgtLen: 4, dim: 8, heads: 2, ffn: 12 };
  for (const scheme of ['fp32', 'fixed8', 'int8', 'int16']) {
    const B = 2;
    const m = new Transformer('transformer', { ...sizes, layers: 2 }, makeRng(1));
    bindScheme(m, loadScheme(scheme), 1);
    const layers = allLayers(m);
    const skip = new Set<ArrayBufferLike>(m.params().map((p) => p.value.buffer));
    const before = ownBytes(layers, skip);
    const ctx = { kernels: refKernels, step: 0, epoch: 0, training: true, telemetry: null };
    // Ids 3..9, the last two source steps PAD so the source lengths differ from S.
    const ids = new Float32Array(B * 10).map((_, i) =>
      i % 10 >= 4 && i % 10 < 6 ? 0 : 3 + (i % 7),
    );
    m.forward(floatTensor([B, 10], ids), ctx);
    const saved = ownBytes(layers, skip) - before;
    const c = m.cost([10], B);
    assert.equal(
      saved,
      c.savedBytes + c.workspaceBytes,
      `transformer under ${scheme}: measured ${saved} B, cost() ${c.savedBytes} + ${c.workspaceBytes} B`,
    );
  }
});
