// SPDX-License-Identifier: MIT
// LeNet-5 for 28x28 inputs: conv 5x5x6 (pad 2), maxpool 2, conv 5x5x16, maxpool 2,
// fc 120, fc 84, fc 10, with ReLU after each conv and hidden fc.

import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv2d.js';
import { MaxPool2d } from '../nn/maxpool2d.js';
import { Flatten } from '../nn/flatten.js';
import { Linear } from '../nn/linear.js';
import { ReLU } from '../nn/relu.js';
import type { Rng } from '../quant/rng.js';
import type { Shape } from '../tensor/shape.js';

export function lenet5(inputShape: Shape, numClasses: number, rng: Rng): Sequential {
  const [C, H, W] = inputShape;
  if (inputShape.length !== 3)
    throw new Error(`lenet5 needs (C,H,W) images, got [${inputShape.join(', ')}]`);
  // Spatial size after conv1 (same) + pool, conv2 (valid) + pool.
  const h = Math.floor((Math.floor(H / 2) - 4) / 2);
  const w = Math.floor((Math.floor(W / 2) - 4) / 2);
  if (h < 1 || w < 1) throw new Error(`lenet5 needs images of at least 12x12, got ${H}x${W}`);
  return new Sequential('lenet5', [
    new Conv2d('conv1', C, 6, 5, rng, { padding: 2 }),
    new ReLU('relu1'),
    new MaxPool2d('pool1', 2),
    new Conv2d('conv2', 6, 16, 5, rng),
    new ReLU('relu2'),
    new MaxPool2d('pool2', 2),
    new Flatten('flatten'),
    new Linear('fc1', 16 * h * w, 120, rng),
    new ReLU('relu3'),
    new Linear('fc2', 120, 84, rng),
    new ReLU('relu4'),
    new Linear('fc3', 84, numClasses, rng),
  ]);
}
