// SPDX-License-Identifier: MIT
// BatchNorm in evaluation mode as ONNX. With every forward site float32 it is one
// BatchNormalization node over the running statistics. With quantized sites it is written out
// as lowbit computes it (nn/batchnorm.ts): mu_q = Q_mu(running mean), sigma_q =
// Q_sigma(sqrt(running var + eps)), xhat = Q_xhat((x - mu_q) / sigma_q), y = gamma_q xhat + beta_q,
// the constants quantized by the layer's own sites.

import type { Layer } from '../../nn/layer.js';
import { BatchNorm1d, BatchNorm2d } from '../../nn/batchnorm.js';
import { attr } from './proto.js';
import type { Val } from './graph.js';
import { siteOnConstant, siteOnValue, type EmitContext } from './sites.js';
import { ExportError, siteRule } from './site-rule.js';

type BN = BatchNorm1d | BatchNorm2d;

export function isBatchNorm(l: Layer): l is BN {
  return l instanceof BatchNorm1d || l instanceof BatchNorm2d;
}

const FORWARD_SITES = ['BN.mu', 'BN.sigma', 'BN.xhat', 'BN.gamma', 'BN.beta'];

export function emitBatchNorm(l: BN, x: Val, ec: EmitContext): Val {
  const g = ec.g;
  const C = l.channels;
  const quantized = FORWARD_SITES.some((s) => {
    const b = l.sites.get(s);
    return b !== undefined && siteRule(b.quantizer, `${l.name}.${s}`).kind === 'int';
  });
  if (!quantized) {
    const y = g.node(
      'BatchNormalization',
      [
        x.name,
        g.constant(`${l.name}.gamma`, [C], l.gamma.value),
        g.constant(`${l.name}.beta`, [C], l.beta.value),
        g.constant(`${l.name}.running_mean`, [C], l.runningMean),
        g.constant(`${l.name}.running_var`, [C], l.runningVar),
      ],
      `${l.name}/y`,
      [attr.float('epsilon', l.eps)],
    );
    return { name: y, shape: x.shape, fixed: false };
  }
  // Per-channel constants broadcast over (N, C, H, W) or (N, C).
  const dims = l instanceof BatchNorm2d ? [C, 1, 1] : [C];
  const sigma = Float64Array.from(l.runningVar, (v) => Math.sqrt(v + l.eps));
  const mu = siteOnConstant(l, 'BN.mu', l.runningMean, [C]);
  const sig = siteOnConstant(l, 'BN.sigma', sigma, [C]);
  sig.values.forEach((s, c) => {
    if (!(s > 0))
      throw new ExportError(
        `${l.name}: sigma of channel ${c} quantizes to ${s}: BN.sigma needs more fraction bits`,
      );
  });
  const centred = g.node(
    'Sub',
    [x.name, g.constant(`${l.name}.mu_q`, dims, mu.values)],
    `${l.name}/centred`,
  );
  const xh = g.node(
    'Div',
    [centred, g.constant(`${l.name}.sigma_q`, dims, sig.values)],
    `${l.name}/xhat`,
  );
  const xhq = siteOnValue(l, 'BN.xhat', { name: xh, shape: x.shape, fixed: false }, ec);
  const gm = siteOnConstant(l, 'BN.gamma', l.gamma.value, [C]);
  const bt = siteOnConstant(l, 'BN.beta', l.beta.value, [C]);
  const scaled = g.node(
    'Mul',
    [xhq.name, g.constant(`${l.name}.gamma_q`, dims, gm.values)],
    `${l.name}/scaled`,
  );
  const y = g.node('Add', [scaled, g.constant(`${l.name}.beta_q`, dims, bt.values)], `${l.name}/y`);
  // lowbit keeps y in integers when x-hat, gamma and beta are all fixed-point and beta is no
  // finer than the product (nn/batchnorm.ts integerOutput); the values are the same either way,
  // and no bias follows a BatchNorm, so only the kind is kept (a later average pool needs it).
  const xs = xhq.scale;
  const fixed =
    xhq.fixed && gm.fixed && bt.fixed && (!xs || !('exp' in xs) || bt.exp - (gm.exp + xs.exp) >= 0);
  return { name: y, shape: x.shape, fixed };
}
