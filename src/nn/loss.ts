// SPDX-License-Identifier: MIT
// Softmax cross-entropy, in float on the last layer's output (as the papers do), optionally
// ignoring rows of one label (sequence padding); its gradient is quantized at the last layer's
// E site.

import { dequantize, floatTensor, type FloatTensor, type Tensor } from '../tensor/tensor.js';
import { stepArray, stepValues, type StepScope } from './arrays.js';

export interface LossResult {
  /** Mean loss over the counted rows. */
  readonly loss: number;
  /** dL/dlogits (N, C) for the mean loss (zero on ignored rows). */
  readonly grad: FloatTensor;
  /** Counted rows whose arg-max equals the label. */
  readonly correct: number;
  /** Rows counted: N, less those whose label is the ignore index. */
  readonly count: number;
}

/**
 * logits (N, C) f32|fixed, labels (N) int32 in [0, C) -> mean loss, gradient, hits. With
 * `ignoreIndex` (a sequence's PAD token), rows with that label count for nothing: no loss, no
 * gradient, and the mean is over the other rows (the gradient scaled by 1/count, multiplied,
 * as sequence training has always done it; without it, divided by N).
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Int32Array,
  ignoreIndex?: number,
  at?: StepScope,
): LossResult {
  const [N, C] = logits.shape;
  if (logits.shape.length !== 2 || labels.length !== N) {
    throw new Error(
      `loss: logits [${logits.shape.join(', ')}] do not match ${labels.length} labels`,
    );
  }
  // With a step scope: the values and the gradient in step arrays (the gradient zeroed: ignored
  // rows stay 0), no new arrays per step.
  const z = at ? stepValues(logits, at) : dequantize(logits);
  const grad = at ? stepArray(at, 'float32', N * C) : new Float32Array(N * C);
  let count = N;
  if (ignoreIndex !== undefined) for (let n = 0; n < N; n++) if (labels[n] === ignoreIndex) count--;
  // Both scalings are kept as they were so that runs stay bit for bit what they were.
  const inv = 1 / Math.max(1, count);
  const mean = ignoreIndex === undefined ? (v: number) => v / N : (v: number) => v * inv;
  let loss = 0;
  let correct = 0;
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const y = labels[n];
    if (y === ignoreIndex) continue;
    if (!(y >= 0 && y < C)) throw new Error(`loss: label ${y} out of range [0, ${C})`);
    let mx = -Infinity;
    let arg = 0;
    for (let c = 0; c < C; c++)
      if (z[o + c] > mx) {
        mx = z[o + c];
        arg = c;
      }
    if (!Number.isFinite(mx)) {
      throw new RangeError(`loss: logits hold ${mx}: training diverged (lower the learning rate)`);
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(z[o + c] - mx);
    loss += Math.log(sum) - (z[o + y] - mx);
    for (let c = 0; c < C; c++)
      grad[o + c] = mean(Math.exp(z[o + c] - mx) / sum - (c === y ? 1 : 0));
    if (arg === y) correct++;
  }
  return { loss: mean(loss), grad: floatTensor([N, C], grad), correct, count };
}

/** Arg-max per row of (N, C) logits. */
export function predict(logits: Tensor): Int32Array {
  const [N, C] = logits.shape;
  const z = logits.kind === 'float' ? logits.data : logits.mant;
  const out = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (z[n * C + c] > z[n * C + best]) best = c;
    out[n] = best;
  }
  return out;
}
