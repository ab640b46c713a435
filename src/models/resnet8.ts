// SPDX-License-Identifier: MIT
// ResNet-8 for 32x32 images: the ResNet-20 layout (conv3x3 16 - BN - ReLU, stages of 16/32/64
// channels, stride 2 and projection shortcuts at stages 2 and 3, GAP, fc) with one basic block
// per stage. About a third of ResNet-20's work per sample; the repro suite's quick scale uses it.

import type { Sequential } from '../nn/sequential.js';
import type { Rng } from '../quant/rng.js';
import type { Shape } from '../tensor/shape.js';
import { resnet } from './resnet20.js';

export function resnet8(inputShape: Shape, numClasses: number, rng: Rng): Sequential {
  return resnet(inputShape, numClasses, rng, 1, 16);
}
