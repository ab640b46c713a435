// SPDX-License-Identifier: MIT
// What one training step of a layer costs, worked out from its configuration and the formats
// the scheme bound at its sites (Layer.cost): multiply-accumulates of its GEMM and conv passes
// by operand storage types (`i8xi8`, `i8xi16`, `f32xf32`, ...; narrower operand first), bytes
// forward saves for backward (as lowbit stores them and at the scheme's nominal widths), and
// workspace bytes kept between steps. Element-wise work (activations, BatchNorm, pooling, the
// add) is not counted as MACs. ops/macs.ts counts the same MACs as the kernels run them.

import type { Layer } from './layer.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import type { LayerCost, MacEntry, Operand } from './cost-types.js';
import { intDTypeFor } from '../tensor/dtype.js';

export type { Operand, Pass, MacEntry, LayerCost } from './cost-types.js';

const RANK: Record<Operand, number> = { i8: 0, i16: 1, i32: 2, f32: 3 };

/** Canonical name of an operand pair: narrower first (`i8xi16`, never `i16xi8`). */
export function macKey(a: Operand, b: Operand): string {
  return RANK[a] <= RANK[b] ? `${a}x${b}` : `${b}x${a}`;
}

/**
 * The operand pair of a product: both fixed-point -> their mantissa types (integer GEMM),
 * otherwise both float32 (the float path dequantizes the fixed one).
 */
export function gemmKey(a: Operand, b: Operand): string {
  return a === 'f32' || b === 'f32' ? 'f32xf32' : macKey(a, b);
}

/**
 * Storage type of what leaves site `site` of `l`: float32 for a float32 quantizer, else the
 * narrowest integer array holding its width now; `unbound` where the scheme binds nothing
 * (the tensor passes unchanged).
 */
export function siteOperand(l: Layer, site: string, unbound: Operand = 'f32'): Operand {
  const q = l.sites.get(site)?.quantizer;
  if (!q) return unbound;
  if (q.float32 || q.description.startsWith('float32')) return 'f32';
  const d = intDTypeFor(q.bits());
  return d === 'int8' ? 'i8' : d === 'int16' ? 'i16' : 'i32';
}

/** Nominal bits of a site's values (32 for float32 or unbound). */
export function siteBits(l: Layer, site: string): number {
  const q = l.sites.get(site)?.quantizer;
  if (!q || q.float32 || q.description.startsWith('float32')) return 32;
  return q.bits();
}

export function operandBytes(o: Operand): number {
  return o === 'i8' ? 1 : o === 'i16' ? 2 : 4;
}

/** A layer with no MACs and nothing saved. */
export function noCost(output: Shape): LayerCost {
  return { output, macs: [], savedBytes: 0, nominalSavedBytes: 0, workspaceBytes: 0 };
}

/** Costs of layers run one after another (or side by side), ending at `output`. */
export function sumCosts(output: Shape, parts: readonly LayerCost[]): LayerCost {
  return {
    output,
    macs: parts.flatMap((p) => p.macs),
    savedBytes: parts.reduce((a, p) => a + p.savedBytes, 0),
    nominalSavedBytes: parts.reduce((a, p) => a + p.nominalSavedBytes, 0),
    workspaceBytes: parts.reduce((a, p) => a + p.workspaceBytes, 0),
  };
}

/** Costs of a chain: each layer reads the previous one's output. */
export function chainCost(layers: readonly Layer[], input: Shape, batch: number): LayerCost {
  const parts: LayerCost[] = [];
  let s = input;
  for (let i = 0; i < layers.length; i++) {
    let c = layers[i].cost(s, batch);
    if (i > 0 && i + 1 < layers.length && poolsFirst(layers[i - 1], layers[i], layers[i + 1])) {
      // The ReLU's mask has the pooled size (Sequential runs the pooling first).
      const n = batch * sizeOf(layers[i + 1].outputShape(s));
      c = { ...c, savedBytes: n, nominalSavedBytes: n / 8 };
    }
    parts.push(c);
    s = c.output;
  }
  return sumCosts(s, parts);
}

/**
 * Whether a chain runs `relu` then `pool` pooled first (ReLU on the pooled values, its mask
 * the pooled size): a ReLU between a Conv2d or Linear with fixed-point A and W sites (so
 * integer mantissas come out) and a MaxPool2d.
 */
export function poolsFirst(prev: Layer, relu: Layer, pool: Layer): boolean {
  return (
    relu.kind === 'relu' &&
    pool.kind === 'maxpool2d' &&
    (prev.kind === 'conv2d' || prev.kind === 'linear') &&
    siteOperand(prev, 'A') !== 'f32' &&
    siteOperand(prev, 'W') !== 'f32'
  );
}

/** MACs by operand pair over entries. */
export function macTotals(entries: readonly MacEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) if (e.macs) out[e.operands] = (out[e.operands] ?? 0) + e.macs;
  return out;
}

/**
 * Cost of a Linear or Conv2d layer `l` (sites A, W, E/E1): `macs` per pass (forward, input
 * gradient unless l.inputGrad is off, weight gradient); forward saves `x` input values at A,
 * `w` weights at W (only when W is fixed-point: a float32 W is the parameter itself) and `col`
 * im2col values (workspace, at A's storage type). The backward GEMMs run on integers only
 * when E, A and W are all fixed-point.
 */
export function gemmCost(
  l: Layer,
  output: Shape,
  macs: number,
  kept: { x: number; w: number; col: number },
): LayerCost {
  const a = siteOperand(l, 'A');
  const w = siteOperand(l, 'W');
  const e = siteOperand(l, 'E', siteOperand(l, 'E1'));
  const int = a !== 'f32' && w !== 'f32' && e !== 'f32';
  const list: MacEntry[] = [{ pass: 'forward', layer: l.name, operands: gemmKey(a, w), macs }];
  if (l.inputGrad)
    list.push({
      pass: 'backward dx',
      layer: l.name,
      operands: int ? macKey(e, w) : 'f32xf32',
      macs,
    });
  list.push({ pass: 'backward dw', layer: l.name, operands: int ? macKey(e, a) : 'f32xf32', macs });
  return {
    output,
    macs: list,
    savedBytes: kept.x * operandBytes(a) + (w === 'f32' ? 0 : kept.w * operandBytes(w)),
    nominalSavedBytes: (kept.x * siteBits(l, 'A')) / 8,
    workspaceBytes: kept.col * operandBytes(a),
  };
}

/**
 * BatchNorm over `n` values: per-channel statistics and an affine map, no MACs. Backward reads
 * x-hat at a fixed-point BN.xhat site, else recomputes it from the saved input: through BN.x, or
 * as it came (a conv or linear output, an int32 accumulator or float32: 4 bytes a value); its
 * per-channel arrays are kept
 * from construction on. Nominally x-hat at its BN.xhat width.
 */
export function normCost(l: Layer, output: Shape, n: number): LayerCost {
  const xhat = siteOperand(l, 'BN.xhat');
  const x = siteOperand(l, 'BN.x');
  return {
    output,
    macs: [],
    savedBytes: n * operandBytes(xhat !== 'f32' ? xhat : x),
    nominalSavedBytes: (n * siteBits(l, 'BN.xhat')) / 8,
    workspaceBytes: 0,
  };
}
