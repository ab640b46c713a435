// SPDX-License-Identifier: MIT
// ONNX emitters for lowbit's layers, in evaluation mode. Each emitter reproduces the layer's
// evaluation forward: its sites (siteOnValue / siteOnConstant), the integer path's bias
// rounded to the accumulator's exponent, and which values lowbit holds as fixed point (so the
// next layer takes the same path). A layer without an emitter is an export error naming it.

import type { Layer } from '../../nn/layer.js';
import { Sequential } from '../../nn/sequential.js';
import { Conv2d } from '../../nn/conv2d.js';
import { Linear } from '../../nn/linear.js';
import { ReLU } from '../../nn/relu.js';
import { MaxPool2d } from '../../nn/maxpool2d.js';
import { Flatten } from '../../nn/flatten.js';
import { BasicBlock } from '../../nn/residual.js';
import { GlobalAvgPool } from '../../nn/gap.js';
import { AvgPool2d, log2Exact } from '../../nn/avgpool2d.js';
import { biasAtExp } from '../../nn/bias.js';
import { attr } from './proto.js';
import type { Scale, Val } from './graph.js';
import {
  constantValue,
  siteOnConstant,
  siteOnValue,
  type EmitContext,
  type Quantized,
} from './sites.js';
import { ExportError } from './site-rule.js';
import { emitBatchNorm, isBatchNorm } from './batchnorm.js';
import { emitLstm } from './lstm.js';
import { LSTM } from '../../nn/lstm.js';

type Emitter<L extends Layer> = (l: L, x: Val, ec: EmitContext) => Val;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const emitters: [abstract new (...a: any[]) => Layer, Emitter<any>][] = [];

function register<L extends Layer>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  cls: abstract new (...a: any[]) => L,
  fn: Emitter<L>,
): void {
  emitters.push([cls, fn]);
}

/** Emits `l` on input `x`; an ExportError names a layer lowbit cannot export. */
export function emitLayer(l: Layer, x: Val, ec: EmitContext): Val {
  // BN.x and BN.y (Park et al.'s quantized BatchNorm input and output) wrap the layer.
  if (isBatchNorm(l))
    return siteOnValue(l, 'BN.y', emitBatchNorm(l, siteOnValue(l, 'BN.x', x, ec), ec), ec);
  for (const [cls, fn] of emitters) if (l instanceof cls) return fn(l, x, ec);
  throw new ExportError(`layer ${l.name} (${l.kind}) has no ONNX form in this version of lowbit`);
}

/** Bias of a layer: as is on the float path; on the integer path rounded to the accumulator's
 * exponent (ex + ew) as lowbit's biasAtExp does, in the graph when ex is computed per tensor. */
function biasFor(l: Layer, b: Float32Array, xq: Val, w: Quantized, ec: EmitContext): string {
  const name = `${l.name}.bias`;
  if (!xq.fixed || !w.fixed || !xq.scale) return ec.g.constant(name, [b.length], b);
  const acc = ec.g.shifted(xq.scale, w.exp, `${l.name}/acc`);
  if ('exp' in acc) {
    const { mant } = biasAtExp(b, acc.exp);
    return ec.g.constant(
      name,
      [b.length],
      Float32Array.from(mant, (m) => m * 2 ** acc.exp),
    );
  }
  return ec.g.roundToScale(ec.g.constant(name, [b.length], b), acc, `${l.name}/bias`);
}

/** The scale of a layer's integer product, or undefined on the float path. */
function productScale(l: Layer, xq: Val, w: Quantized, ec: EmitContext): Scale | undefined {
  return xq.fixed && w.fixed && xq.scale ? ec.g.shifted(xq.scale, w.exp, `${l.name}/y`) : undefined;
}

register(Sequential, (l, x, ec) => l.layers.reduce((h, c) => emitLayer(c, h, ec), x));

register(Conv2d, (l, x, ec) => {
  const xq = siteOnValue(l, 'A', x, ec);
  const w = siteOnConstant(l, 'W', l.weight.value, l.weight.shape);
  const W = constantValue(ec.g, `${l.name}.weight`, l.weight.shape, w);
  const inputs = [xq.name, W];
  if (l.bias) inputs.push(biasFor(l, l.bias.value, xq, w, ec));
  const k = l.kernelSize;
  const p = l.padding;
  const y = ec.g.node('Conv', inputs, `${l.name}/y`, [
    attr.ints('kernel_shape', [k, k]),
    attr.ints('pads', [p, p, p, p]),
    attr.ints('strides', [l.stride, l.stride]),
  ]);
  const scale = productScale(l, xq, w, ec);
  return { name: y, shape: l.outputShape(x.shape), fixed: scale !== undefined, scale };
});

register(Linear, (l, x, ec) => {
  if (x.shape.length !== 1)
    throw new ExportError(
      `${l.name}: expected (N, features) input, got one sample of [${x.shape.join(', ')}]`,
    );
  const xq = siteOnValue(l, 'A', x, ec);
  const w = siteOnConstant(l, 'W', l.weight.value, l.weight.shape);
  const W = constantValue(ec.g, `${l.name}.weight`, l.weight.shape, w);
  const inputs = [xq.name, W];
  if (l.bias) inputs.push(biasFor(l, l.bias.value, xq, w, ec));
  const y = ec.g.node('Gemm', inputs, `${l.name}/y`, [attr.int('transB', 1)]);
  const scale = productScale(l, xq, w, ec);
  // L: the logits site of a model's last Linear (Park et al. sec. 4.2), when a scheme binds it.
  return siteOnValue(
    l,
    'L',
    { name: y, shape: [l.outFeatures], fixed: scale !== undefined, scale },
    ec,
  );
});

register(ReLU, (l, x, ec) => ({ ...x, name: ec.g.node('Relu', [x.name], `${l.name}/y`) }));

register(MaxPool2d, (l, x, ec) => ({
  ...x,
  shape: l.outputShape(x.shape),
  name: ec.g.node('MaxPool', [x.name], `${l.name}/y`, [
    attr.ints('kernel_shape', [l.kernelSize, l.kernelSize]),
    attr.ints('strides', [l.stride, l.stride]),
  ]),
}));

register(Flatten, (l, x, ec) => ({
  ...x,
  shape: l.outputShape(x.shape),
  name: ec.g.node('Flatten', [x.name], `${l.name}/y`, [attr.int('axis', 1)]),
}));

/** Average pooling: exact (stays fixed) when lowbit's is, else float values through site A. */
function pooled(
  l: Layer,
  x: Val,
  y: string,
  shape: readonly number[],
  count: number,
  ec: EmitContext,
): Val {
  const sh = log2Exact(count);
  if (x.fixed && x.scale && sh >= 0)
    return { name: y, shape, fixed: true, scale: ec.g.shifted(x.scale, -sh, `${l.name}/y`) };
  return siteOnValue(l, 'A', { name: y, shape, fixed: false }, ec);
}

register(GlobalAvgPool, (l, x, ec) => {
  const p = ec.g.node('GlobalAveragePool', [x.name], `${l.name}/pooled`);
  const y = ec.g.node('Flatten', [p], `${l.name}/y`, [attr.int('axis', 1)]);
  return pooled(l, x, y, l.outputShape(x.shape), x.shape[1] * x.shape[2], ec);
});

register(AvgPool2d, (l, x, ec) => {
  const y = ec.g.node('AveragePool', [x.name], `${l.name}/y`, [
    attr.ints('kernel_shape', [l.kernelSize, l.kernelSize]),
    attr.ints('strides', [l.stride, l.stride]),
  ]);
  return pooled(l, x, y, l.outputShape(x.shape), l.kernelSize * l.kernelSize, ec);
});

register(BasicBlock, (l, x, ec) => {
  let h = x;
  for (const c of [l.conv1, l.bn1, l.relu1, l.conv2, l.bn2]) h = emitLayer(c, h, ec);
  const s = l.proj ? emitLayer(l.proj.bn, emitLayer(l.proj.conv, x, ec), ec) : x;
  const sum = ec.g.node('Add', [h.name, s.name], `${l.name}/sum`);
  // Exact in lowbit (exponents aligned by shifting); the sum's exponent is needed by no
  // later bias (a BatchNorm or a site follows), so only the fixed-point kind is kept.
  const fixed = h.fixed && s.fixed;
  return emitLayer(l.relu, { name: sum, shape: h.shape, fixed }, ec);
});

register(LSTM, emitLstm);
