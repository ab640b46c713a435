// SPDX-License-Identifier: MIT
// LSTM sequence classifier: input (N, T, F) (e.g. digits-seq: an image read row by row), one
// LSTM layer whose final hidden state feeds a linear classifier.

import { Sequential } from '../nn/sequential.js';
import { LSTM } from '../nn/lstm.js';
import { Linear } from '../nn/linear.js';
import type { Rng } from '../quant/rng.js';
import type { Shape } from '../tensor/shape.js';

export function lstmClassifier(
  inputShape: Shape,
  numClasses: number,
  rng: Rng,
  hidden = 64,
): Sequential {
  if (inputShape.length !== 2) {
    throw new Error(
      `lstm needs sequences (T, F) per sample, got [${inputShape.join(', ')}]: use a sequence dataset such as digits-seq`,
    );
  }
  return new Sequential('lstm-classifier', [
    new LSTM('lstm', inputShape[1], hidden, rng, { returnSequences: false }),
    new Linear('fc', hidden, numClasses, rng),
  ]);
}
