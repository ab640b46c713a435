// SPDX-License-Identifier: MIT
// Softmax cross-entropy, in float on the last layer's output (as the papers do); its gradient
// is quantized at the last layer's E site.

import { dequantize, floatTensor, type FloatTensor, type Tensor } from '../tensor/tensor.js';

export interface LossResult {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** dL/dlogits (N, C) for the mean loss. */
  readonly grad: FloatTensor;
  /** Samples whose arg-max equals the label. */
  readonly correct: number;
}

// logits (N, C) f32|fixed, labels (N) int32 in [0, C) -> mean loss, gradient, hits.
export function softmaxCrossEntropy(logits: Tensor, labels: Int32Array): LossResult {
  const [N, C] = logits.shape;
  if (logits.shape.length !== 2 || labels.length !== N) {
    throw new Error(
      `loss: logits [${logits.shape.join(', ')}] do not match ${labels.length} labels`,
    );
  }
  const z = dequantize(logits);
  const grad = new Float32Array(N * C);
  let loss = 0;
  let correct = 0;
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const y = labels[n];
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
      grad[o + c] = (Math.exp(z[o + c] - mx) / sum - (c === y ? 1 : 0)) / N;
    if (arg === y) correct++;
  }
  return { loss: loss / N, grad: floatTensor([N, C], grad), correct };
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
