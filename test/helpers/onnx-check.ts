// SPDX-License-Identifier: MIT
// Shared by the ONNX export tests: train a small real run, export it, and compare onnxruntime's
// logits with lowbit's evaluation of the same checkpoint, image by image.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { evalLogits, exportRun, loadRun, type ExportOptions } from '../../src/export/run-export.js';
import type { ClassificationDataset } from '../../src/data/dataset.js';
import { sizeOf } from '../../src/tensor/shape.js';

export interface Agreement {
  /** Test images compared, and the fraction whose arg-max agrees. */
  readonly n: number;
  readonly agree: number;
  /** lowbit's own top-1 accuracy on them (the run learned something). */
  readonly accuracy: number;
  /** Largest |onnxruntime - lowbit| logit, absolute and over the row's largest |logit|. */
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly onnx: Uint8Array;
  readonly dir: string;
}

/** Trains `cfg` for one epoch, exports it, and compares on the first `testN` test images. */
export async function trainExportCompare(
  cfg: TrainConfigInput,
  testN: number,
  opts: Partial<ExportOptions> = {},
): Promise<Agreement> {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-onnx-'));
  // Train with a small test split (the epoch-end evaluation is not what is checked here) ...
  await train(parseTrainConfig({ testLimit: 100, ...cfg }), dir);
  // ... then compare on `testN` images: the run folder's config says how many lowbit evaluates.
  const path = join(dir, 'config.json');
  const saved = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, JSON.stringify({ ...saved, testLimit: testN }));
  const out = join(dir, 'model.onnx');
  await exportRun(dir, { out, ...opts });
  const s = await loadRun(dir);
  const data = s.data as ClassificationDataset;
  const ref = evalLogits(s, data);
  const got = await onnxLogits(out, data);
  const C = data.numClasses;
  let agree = 0;
  let correct = 0;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < data.test.n; i++) {
    const a = argmax(ref, i * C, C);
    if (a === argmax(got, i * C, C)) agree++;
    if (a === data.test.y[i]) correct++;
    let rowMax = 0;
    for (let c = 0; c < C; c++) rowMax = Math.max(rowMax, Math.abs(ref[i * C + c]));
    for (let c = 0; c < C; c++) {
      const d = Math.abs(ref[i * C + c] - got[i * C + c]);
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / Math.max(rowMax, 1e-30));
    }
  }
  const n = data.test.n;
  return {
    n,
    agree: agree / n,
    accuracy: correct / n,
    maxAbs,
    maxRel,
    onnx: readFileSync(out),
    dir,
  };
}

/** onnxruntime's logits for the test split, in lowbit's evaluation batches of 500. */
export async function onnxLogits(file: string, data: ClassificationDataset): Promise<Float32Array> {
  const sess = await ort.InferenceSession.create(file);
  const per = sizeOf(data.inputShape);
  const n = data.test.n;
  const out = new Float32Array(n * data.numClasses);
  for (let i = 0; i < n; i += 500) {
    const b = Math.min(500, n - i);
    const x = new ort.Tensor('float32', data.test.x.slice(i * per, (i + b) * per), [
      b,
      ...data.inputShape,
    ]);
    const r = await sess.run({ input: x });
    out.set(r.logits.data as Float32Array, i * data.numClasses);
  }
  await sess.release();
  return out;
}

function argmax(z: Float32Array, o: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (z[o + c] > z[o + best]) best = c;
  return best;
}
