// SPDX-License-Identifier: MIT
// The cost model against the kernels: one training step (forward, loss, backward) of every
// model in the zoo under every built-in scheme, with the MAC counters on (ops/macs.ts), must
// count exactly the MACs by operand types that the layers' own cost() predicts. A model added
// to the registry without an input shape here fails the first test, so none is left out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/register.js';
import { buildModel, modelNames } from '../../src/models/registry.js';
import { Seq2Seq } from '../../src/models/seq2seq.js';
import { Dcgan, DCGAN_SIZE } from '../../src/models/dcgan.js';
import { Transformer } from '../../src/models/transformer.js';
import { allLayers, skipDataInputGrad, type Layer } from '../../src/nn/layer.js';
import { DirectQuantizer } from '../../src/quant/wageubn.js';
import { softmaxCrossEntropy } from '../../src/nn/loss.js';
import { macTotals } from '../../src/nn/cost.js';
import { makeRng } from '../../src/quant/rng.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { fixed8, fp32 } from '../../src/schemes/builtin/core.js';
import { paperSchemes } from '../../src/schemes/builtin/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { startCountingMacs, stopCountingMacs } from '../../src/ops/macs.js';
import { floatTensor } from '../../src/tensor/tensor.js';
import { sizeOf, type Shape } from '../../src/tensor/shape.js';
import type { Kernels } from '../../src/kernels/spec.js';

const CLASSES = 10;
const BATCH = 3;

/** Per-sample input of each classification model (a dataset it trains on). */
const INPUTS: Record<string, Shape> = {
  mlp: [1, 28, 28],
  lenet5: [1, 28, 28],
  'cnn-bn': [3, 32, 32],
  resnet8: [3, 32, 32],
  resnet20: [3, 32, 32],
  lstm: [7, 5],
};
/** Models not built from an input shape alone: the translation models and the GAN, below. */
const OWN_BUILDERS = new Set(['seq2seq', 'transformer', 'dcgan']);
const SEQ = { srcVocab: 11, tgtVocab: 13, srcLen: 6, tgtLen: 4 };

const SCHEMES = [fp32, fixed8, ...paperSchemes].map((s) => s.name);

test('every model in the zoo has an input shape for the counter test', () => {
  const missing = modelNames().filter((m) => !(m in INPUTS) && !OWN_BUILDERS.has(m));
  assert.deepEqual(missing, [], `add an input shape for ${missing.join(', ')} to INPUTS`);
});

function build(name: string): { model: Layer; input: Shape; x: Float32Array } {
  const rng = makeRng(7);
  if (name === 'seq2seq' || name === 'transformer') {
    // The Transformer small: two heads of width 4 and two layers a side, so the per-head GEMMs
    // and the sums over layers are both held to the counters.
    const model =
      name === 'seq2seq'
        ? new Seq2Seq('seq2seq', SEQ, rng)
        : new Transformer('transformer', { ...SEQ, dim: 8, heads: 2, ffn: 12, layers: 2 }, rng);
    const input = [SEQ.srcLen + SEQ.tgtLen];
    // Ids 3.. (0-2 are PAD, BOS, EOS); the last source step PAD so the lengths vary.
    const x = new Float32Array(BATCH * input[0]).map((_, i) =>
      i % input[0] === SEQ.srcLen - 1 && i < input[0] ? 0 : 3 + (rng.nextU32() % 8),
    );
    return { model, input, x };
  }
  if (name === 'dcgan') {
    // The generator's input: noise z (Z,1,1); the step runs G, then D on G's images.
    const model = new Dcgan(rng);
    const input = [DCGAN_SIZE.z, 1, 1];
    const x = new Float32Array(BATCH * sizeOf(input)).map(() => (rng.nextU32() / 2 ** 32) * 2 - 1);
    return { model, input, x };
  }
  const input = INPUTS[name];
  const model = buildModel(name, input, CLASSES, rng);
  // As classification training does: the first layer's input is data, its dx is skipped.
  skipDataInputGrad(model);
  const x = new Float32Array(BATCH * sizeOf(input)).map(() => (rng.nextU32() / 2 ** 32) * 2 - 1);
  return { model, input, x };
}

function trainStep(model: Layer, input: Shape, x: Float32Array, k: Kernels): void {
  const ctx = { kernels: k, step: 0, epoch: 0, training: true, telemetry: null };
  if (model instanceof Dcgan) {
    // A generator step: z -> G -> D -> logit, the error back through D and G (each net's
    // forward and backward once, which is what Dcgan.cost counts).
    const img = model.generator.forward(floatTensor([BATCH, ...input], x), ctx);
    const logit = model.discriminator.forward(img, ctx);
    const dy = floatTensor(logit.shape, new Float32Array(BATCH).fill(-1 / BATCH));
    model.generator.backward(model.discriminator.backward(dy, ctx), ctx);
    return;
  }
  const logits = model.forward(floatTensor([BATCH, ...input], x), ctx);
  const labels = new Int32Array(logits.shape[0]).map((_, i) => i % logits.shape[1]);
  model.backward(softmaxCrossEntropy(logits, labels).grad, ctx);
}

const kernels = (await loadWasmKernels()) ?? refKernels;

/**
 * Whether a site's mantissa width follows the data: WAGEUBN's Q_A (eq. 5) has no range limit,
 * so its storage widens past its nominal k bits when |x| >= 1. The cost model counts such a
 * site at k bits; only the pass totals can be held exact there.
 */
function widthFollowsData(model: Layer): boolean {
  return allLayers(model).some((l) =>
    [...l.sites.values()].some((s) => s.quantizer instanceof DirectQuantizer && !s.quantizer.clip),
  );
}

const total = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

for (const name of modelNames()) {
  test(`MACs counted in one training step equal the cost model: ${name}, every scheme`, () => {
    let checked = 0;
    for (const scheme of SCHEMES) {
      const { model, input, x } = build(name);
      try {
        bindScheme(model, loadScheme(scheme), 1);
      } catch (e) {
        // A scheme written for classification nets may size a classifier this model lacks
        // (Park's classifier rule on the GAN's one-logit discriminator): it cannot train it.
        assert.match(String(e), /number of classes/, `${name} under ${scheme}`);
        continue;
      }
      const counter = startCountingMacs();
      try {
        trainStep(model, input, x, kernels);
      } finally {
        stopCountingMacs();
      }
      // Read after the step: adaptive sites (Zhang et al.) widen during it, and cost() takes
      // the widths they use now.
      const predicted = macTotals(model.cost(input, BATCH).macs);
      const what = `${name} under ${scheme}: counted ${JSON.stringify(counter.macs)}, model ${JSON.stringify(predicted)}`;
      assert.ok(total(predicted) > 0, `${what}: no MACs at all`);
      if (widthFollowsData(model)) {
        assert.equal(total(counter.macs), total(predicted), what);
        assert.equal(counter.macs.f32xf32 ?? 0, predicted.f32xf32 ?? 0, what);
      } else assert.deepEqual(counter.macs, predicted, what);
      checked++;
    }
    assert.ok(checked >= SCHEMES.length - 2, `${name}: only ${checked} schemes could bind`);
  });
}

test('counting is off by default and after stopCountingMacs', () => {
  const { model, input, x } = build('mlp');
  bindScheme(model, loadScheme('fixed8'), 1);
  const counter = startCountingMacs();
  stopCountingMacs();
  trainStep(model, input, x, kernels);
  assert.deepEqual(counter.macs, {});
});
