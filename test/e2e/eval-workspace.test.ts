// Evaluation keeps each batch's arrays in the wasm kernels' step workspace (no copies in and
// out of every kernel): the logits of every batch must equal those of the same forward pass on
// plain arrays, and the task's accuracy must be the one those plain logits give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { ClassificationTask } from '../../src/train/classification.js';
import { Batcher } from '../../src/data/batches.js';
import { floatTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { RunContext } from '../../src/nn/context.js';
import { predict } from '../../src/nn/loss.js';

const values = (t: Tensor): number[] =>
  t.kind === 'float' ? Array.from(t.data) : [t.exp, ...Array.from(t.mant)];

// (Nearest rounding only: a stochastic site draws in evaluation too, so two passes differ.)
for (const scheme of ['fixed8', 'fp32', 'dfp8-nr', 'wageubn8']) {
  test(`${scheme}: ResNet-8 evaluation batches give the same logits in the workspace as on plain arrays`, async (t) => {
    const r = await train(
      parseTrainConfig({
        model: 'resnet8',
        dataset: 'shapes32',
        scheme,
        limit: 8,
        testLimit: 12,
        batch: 4,
        seed: 5,
        backend: 'wasm',
        threads: 1,
      }),
      null,
    );
    if (r.setup.kernels.name !== 'wasm') {
      t.skip('WebAssembly SIMD is not available here');
      return;
    }
    const task = r.setup.task as ClassificationTask;
    const base: RunContext = {
      kernels: r.setup.kernels,
      step: 2,
      epoch: 1,
      training: false,
      telemetry: null,
    };
    let correct = 0;
    const pass = (withWorkspace: boolean): number[][] => {
      const out: number[][] = [];
      correct = 0;
      const batcher = new Batcher(task.data.test, { batchSize: 4, shuffle: false });
      let id = -1;
      for (const b of batcher.epoch(0)) {
        const ctx = withWorkspace ? { ...base, evalStep: id-- } : base;
        const x = floatTensor([b.size, ...task.data.inputShape], b.x);
        const logits = task.model.forward(x, ctx);
        out.push(values(logits));
        const pred = predict(logits);
        for (let i = 0; i < b.size; i++) if (pred[i] === b.y[i]) correct++;
      }
      return out;
    };
    const resident = pass(true);
    const plain = pass(false);
    assert.equal(plain.length, 3);
    assert.deepEqual(resident, plain);
    // The task's own evaluation (batches of the training batch, in the workspace) counts the
    // same hits as the plain pass.
    assert.equal(task.evaluate(base).test_acc, correct / 12);
  });
}
