// SPDX-License-Identifier: MIT
// ResNet-20 for 32x32 images (He et al. 2016, CIFAR variant): conv3x3 16 - BN - ReLU, three
// stages of three basic blocks with 16/32/64 channels (stride 2 at the start of stages 2 and
// 3, projection shortcuts there), global average pooling, fc.

import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv2d.js';
import { BatchNorm2d } from '../nn/batchnorm.js';
import { ReLU } from '../nn/relu.js';
import { BasicBlock } from '../nn/residual.js';
import { GlobalAvgPool } from '../nn/gap.js';
import { Linear } from '../nn/linear.js';
import { heNormal } from '../nn/init.js';
import type { Layer } from '../nn/layer.js';
import type { Rng } from '../quant/rng.js';
import type { Shape } from '../tensor/shape.js';

/** ResNet-(6n+2); n = 3 gives ResNet-20. `width` scales the 16/32/64 channels. */
export function resnet(
  inputShape: Shape,
  numClasses: number,
  rng: Rng,
  n = 3,
  width = 16,
): Sequential {
  if (inputShape.length !== 3)
    throw new Error(`resnet needs (C,H,W) images, got [${inputShape.join(', ')}]`);
  const [C, H, W] = inputShape;
  if (H < 8 || W < 8) throw new Error(`resnet needs images of at least 8x8, got ${H}x${W}`);
  const stem = new Conv2d('conv1', C, width, 3, rng, { padding: 1, bias: false });
  heNormal(stem.weight.value, C * 9, rng);
  const layers: Layer[] = [stem, new BatchNorm2d('bn1', width), new ReLU('relu1')];
  let inC = width;
  for (let stage = 0; stage < 3; stage++) {
    const outC = width * 2 ** stage;
    for (let b = 0; b < n; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      layers.push(new BasicBlock(`s${stage + 1}b${b + 1}`, inC, outC, stride, rng));
      inC = outC;
    }
  }
  layers.push(new GlobalAvgPool('gap'), new Linear('fc', inC, numClasses, rng));
  return new Sequential(n === 3 && width === 16 ? 'resnet20' : `resnet${6 * n + 2}`, layers);
}

export function resnet20(inputShape: Shape, numClasses: number, rng: Rng): Sequential {
  return resnet(inputShape, numClasses, rng, 3, 16);
}
