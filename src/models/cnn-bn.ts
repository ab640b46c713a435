// SPDX-License-Identifier: MIT
// A small conv net with BatchNorm in the style of Park et al.'s SVHN network: three stages of
// (conv3x3 - BN - ReLU) x 2 + max-pool with 32/64/128 channels, then fc 256 - BN - ReLU - fc.

import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv2d.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/batchnorm.js';
import { ReLU } from '../nn/relu.js';
import { MaxPool2d } from '../nn/maxpool2d.js';
import { Flatten } from '../nn/flatten.js';
import { Linear } from '../nn/linear.js';
import { heNormal } from '../nn/init.js';
import type { Layer } from '../nn/layer.js';
import type { Rng } from '../quant/rng.js';
import type { Shape } from '../tensor/shape.js';

export function cnnBn(
  inputShape: Shape,
  numClasses: number,
  rng: Rng,
  widths = [32, 64, 128],
  hidden = 256,
): Sequential {
  if (inputShape.length !== 3)
    throw new Error(`cnn-bn needs (C,H,W) images, got [${inputShape.join(', ')}]`);
  let [C, H, W] = inputShape;
  if (H < 8 || W < 8) throw new Error(`cnn-bn needs images of at least 8x8, got ${H}x${W}`);
  const layers: Layer[] = [];
  widths.forEach((w, s) => {
    for (let j = 1; j <= 2; j++) {
      const name = `conv${s + 1}_${j}`;
      const conv = new Conv2d(name, C, w, 3, rng, { padding: 1, bias: false });
      heNormal(conv.weight.value, C * 9, rng);
      layers.push(conv, new BatchNorm2d(`bn${s + 1}_${j}`, w), new ReLU(`relu${s + 1}_${j}`));
      C = w;
    }
    layers.push(new MaxPool2d(`pool${s + 1}`, 2));
    H = Math.floor(H / 2);
    W = Math.floor(W / 2);
  });
  layers.push(
    new Flatten('flatten'),
    new Linear('fc1', C * H * W, hidden, rng, false),
    new BatchNorm1d('bn_fc1', hidden),
    new ReLU('relu_fc1'),
    new Linear('fc2', hidden, numClasses, rng),
  );
  return new Sequential('cnn-bn', layers);
}
