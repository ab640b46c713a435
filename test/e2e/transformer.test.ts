// SPDX-License-Identifier: MIT
// The Transformer end to end on translate: ref and wasm train the same run bit for bit under
// fixed-point schemes (integer GEMMs, the fixed-point softmax kernels); it learns under the
// adaptive scheme with Adam; `lowbit eval` reproduces its metrics from the checkpoint; ONNX
// export refuses it with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { evalRun } from '../../src/cli/eval-command.js';
import { exportRun } from '../../src/export/run-export.js';

const base = { model: 'transformer', dataset: 'translate', batch: 16, seed: 3 };

test('transformer: ref and wasm give the same run bit for bit (fixed8, adaptive)', async (t) => {
  const { loadWasmKernels } = await import('../../src/kernels/wasm/index.js');
  if (!(await loadWasmKernels())) {
    t.skip('WebAssembly SIMD is not available here');
    return;
  }
  for (const scheme of ['fixed8', 'adaptive']) {
    const cfg = (backend: 'ref' | 'wasm') =>
      parseTrainConfig({
        ...base,
        epochs: 1,
        lr: 0.003,
        optimizer: 'adam',
        limit: 32,
        testLimit: 8,
        scheme,
        backend,
      } as TrainConfigInput);
    const a = await train(cfg('ref'), null);
    const b = await train(cfg('wasm'), null);
    const pa = a.setup.model.params().map((p) => Array.from(p.value));
    const pb = b.setup.model.params().map((p) => Array.from(p.value));
    assert.deepEqual(pb, pa, scheme);
    assert.equal(b.metrics[0].train_loss, a.metrics[0].train_loss, scheme);
    assert.equal(b.metrics[0].test_bleu, a.metrics[0].test_bleu, scheme);
  }
});

test('transformer learns translate under adaptive fixed point; eval reproduces it; export refuses it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-transformer-'));
  const r = await train(
    parseTrainConfig({
      ...base,
      scheme: 'adaptive',
      optimizer: 'adam',
      lr: 0.003,
      epochs: 2,
      limit: 640,
      testLimit: 100,
      batch: 32,
    } as TrainConfigInput),
    dir,
  );
  const [first, last] = r.metrics;
  assert.ok(last.train_loss < first.train_loss, `loss ${first.train_loss} -> ${last.train_loss}`);
  // Chance is 1/|V| (~3%); a model that learnt nothing predicts the commonest token (~25%).
  assert.ok(last.test_acc > 0.4, `token accuracy ${last.test_acc}`);
  assert.ok(last.test_ppl >= 1 && last.test_ppl < first.test_ppl * 1.01, `ppl ${last.test_ppl}`);
  const m = await evalRun(dir);
  assert.equal(m.test_acc, last.test_acc, 'test_acc');
  assert.equal(m.test_bleu, last.test_bleu, 'test_bleu');
  assert.equal(m.test_ppl, last.test_ppl, 'test_ppl');
  await assert.rejects(
    exportRun(dir, { out: join(dir, 'm.onnx') }),
    /trained transformer on translate: only classification models export to ONNX/,
  );
});
