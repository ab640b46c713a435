// SPDX-License-Identifier: MIT
// A multilayer perceptron: flatten, then Linear+ReLU blocks, then the classifier.

import { Sequential } from '../nn/sequential.js';
import { Flatten } from '../nn/flatten.js';
import { Linear } from '../nn/linear.js';
import { ReLU } from '../nn/relu.js';
import type { Layer } from '../nn/layer.js';
import type { Rng } from '../quant/rng.js';
import { sizeOf, type Shape } from '../tensor/shape.js';

/** MLP over any input shape; hidden sizes default to LeNet-300-100. */
export function mlp(
  inputShape: Shape,
  numClasses: number,
  rng: Rng,
  hidden = [300, 100],
): Sequential {
  const layers: Layer[] = [new Flatten('flatten')];
  let width = sizeOf(inputShape);
  hidden.forEach((h, i) => {
    layers.push(new Linear(`fc${i + 1}`, width, h, rng), new ReLU(`relu${i + 1}`));
    width = h;
  });
  layers.push(new Linear(`fc${hidden.length + 1}`, width, numClasses, rng));
  return new Sequential('mlp', layers);
}
