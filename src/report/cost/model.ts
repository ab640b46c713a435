// SPDX-License-Identifier: MIT
// The hardware cost model of one training step: multiply-accumulates by operand widths,
// bytes stored by kind (weights, optimizer state, activations saved for backward), and
// energy and area from a per-operation table. Widths come from the scheme's bound sites.
// Storage is counted as lowbit keeps it (mantissas in Int8/Int16/Int32Array, float32 master
// weights and optimizer state), which a test checks against measured typed-array bytes, and
// as the scheme's nominal widths would need in hardware.

import type { Layer } from '../../nn/layer.js';
import type { Param } from '../../nn/param.js';
import type { Shape } from '../../tensor/shape.js';
import { macTotals, siteBits, type Pass } from '../../nn/cost.js';
import { byWidth, HOROWITZ_45NM, type OpTable } from './op-table.js';

/** Bytes per stored value: lowbit's typed arrays for a fixed-point width, 4 for float32. */
export function storageBytes(bits: number, float: boolean): number {
  if (float) return 4;
  return bits <= 8 ? 1 : bits <= 16 ? 2 : 4;
}

export interface MacCount {
  readonly pass: Pass;
  readonly layer: string;
  /** e.g. "int8 x int8" or "fp32 x fp32". */
  readonly operands: string;
  readonly macs: number;
}

export interface MemoryBreakdown {
  weights: number;
  optimizer: number;
  activations: number;
  gradients: number;
  /** Scratch buffers a layer keeps between steps (Conv2d's im2col matrix); not saved state. */
  workspace: number;
}

export interface CostReport {
  readonly batch: number;
  readonly macs: MacCount[];
  /** Total MACs per operand pair, e.g. { "int8 x int8": 1.2e6 }. */
  readonly macsByOperands: Record<string, number>;
  /** The same by operand storage types, as ops/macs.ts counts them: { i8xi8: 1.2e6 }. */
  readonly macsByType: Record<string, number>;
  /** Bytes as lowbit stores them. */
  readonly stored: MemoryBreakdown;
  /** Bytes at the scheme's nominal widths (what an accelerator would keep). */
  readonly nominal: MemoryBreakdown;
  /** Energy per step (microjoules): arithmetic and DRAM traffic. */
  readonly energy: { macUj: number; memoryUj: number; totalUj: number };
  /** Area (um^2) of one MAC unit for each operand pair used. */
  readonly macArea: Record<string, number>;
  readonly table: string;
  readonly notes: string[];
}

const OPERAND_NAMES: Record<string, string> = {
  i8: 'int8',
  i16: 'int16',
  i32: 'int32',
  f32: 'fp32',
};

/** `i8xi16` -> `int8 x int16`, the report's operand names. */
export function operandsName(key: string): string {
  return key
    .split('x')
    .map((o) => OPERAND_NAMES[o] ?? o)
    .join(' x ');
}

export interface OptimizerShape {
  readonly kind: 'sgd' | 'adam' | 'wageubn';
  readonly momentum: boolean;
  readonly lazy: boolean;
}

/** Float32 (or float64 for WAGEUBN's accumulator) arrays per parameter value, as lowbit keeps them. */
export function optimizerBytesPerValue(o: OptimizerShape): number {
  if (o.kind === 'wageubn') return 8;
  const arrays = o.kind === 'adam' ? 3 : (o.momentum ? 1 : 0) + 1;
  return 4 * (arrays + (o.lazy ? 1 : 0));
}

/** Width of a parameter's optimizer-side site (WU, G, M, ACC), or null where it is float32. */
export type ParamSiteBits = (p: Param, site: string) => number | null;

export function costModel(
  model: Layer,
  input: Shape,
  batch: number,
  opt: OptimizerShape,
  table: OpTable = HOROWITZ_45NM,
  paramSiteBits: ParamSiteBits = () => null,
): CostReport {
  const macs: MacCount[] = [];
  const stored: MemoryBreakdown = {
    weights: 0,
    optimizer: 0,
    activations: 0,
    gradients: 0,
    workspace: 0,
  };
  const nominal: MemoryBreakdown = {
    weights: 0,
    optimizer: 0,
    activations: 0,
    gradients: 0,
    workspace: 0,
  };
  const notes: string[] = [];
  // Every layer reports its own cost (Layer.cost); containers sum their children's.
  const own = model.cost(input, batch);
  for (const e of own.macs)
    macs.push({ pass: e.pass, layer: e.layer, operands: operandsName(e.operands), macs: e.macs });
  stored.activations = own.savedBytes;
  stored.workspace = own.workspaceBytes;
  nominal.activations = own.nominalSavedBytes;
  const params: Param[] = model.params();
  const pv = params.reduce((a, p) => a + p.size, 0);
  stored.weights = pv * 4;
  stored.gradients = pv * 4;
  stored.optimizer = pv * optimizerBytesPerValue(opt);
  for (const p of params) {
    const owner = findLayer(model, p.layer);
    const wu = paramSiteBits(p, 'WU');
    const gBits = owner && p.role === 'weight' ? siteBits(owner, 'G') : 32;
    nominal.weights += (p.size * (wu ?? 32)) / 8;
    nominal.gradients += (p.size * gBits) / 8;
    // Optimizer state at its sites' widths: M (momentum), ACC (lazy accumulator), U (update).
    const slots = optimizerBytesPerValue(opt) / 4;
    const m = opt.kind === 'wageubn' ? 16 : (paramSiteBits(p, 'M') ?? 32);
    const acc = opt.lazy ? (paramSiteBits(p, 'ACC') ?? 32) : 0;
    const u = opt.kind === 'wageubn' ? 16 : (paramSiteBits(p, 'U') ?? 32);
    const other = Math.max(
      0,
      slots - (opt.momentum || opt.kind !== 'sgd' ? 1 : 0) - (opt.lazy ? 1 : 0) - 1,
    );
    nominal.optimizer +=
      (p.size * ((opt.momentum || opt.kind !== 'sgd' ? m : 0) + acc + u + other * m)) / 8;
  }
  notes.push(
    'nominal optimizer state is counted as stored (float32), WU widths apply to weights only when the scheme sets WU on the layer',
  );
  const macsByType = macTotals(own.macs);
  const macsByOperands: Record<string, number> = {};
  for (const m of macs) macsByOperands[m.operands] = (macsByOperands[m.operands] ?? 0) + m.macs;
  const macArea: Record<string, number> = {};
  let macPj = 0;
  for (const [k, v] of Object.entries(macsByOperands)) {
    const e = macEntry(k, table);
    macPj += v * e.pj;
    macArea[k] = e.um2;
  }
  // DRAM traffic per step: weights read twice (forward, backward), saved activations written
  // and read once, gradients written and read, optimizer state read and written.
  const moved =
    2 * nominal.weights + 2 * nominal.activations + 2 * nominal.gradients + 2 * nominal.optimizer;
  const memPj = moved * table.dramPjPerByte;
  return {
    batch,
    macs,
    macsByOperands,
    macsByType,
    stored,
    nominal,
    energy: { macUj: macPj / 1e6, memoryUj: memPj / 1e6, totalUj: (macPj + memPj) / 1e6 },
    macArea,
    table: table.source,
    notes,
  };
}

/** One MAC: a multiply at the operand width plus an int32 (or fp32) accumulate. */
function macEntry(operands: string, t: OpTable): { pj: number; um2: number } {
  if (operands.startsWith('fp32'))
    return { pj: t.fp32Mul.pj + t.fp32Add.pj, um2: t.fp32Mul.um2 + t.fp32Add.um2 };
  // The wider operand sets the multiplier.
  const bits = Math.max(...[...operands.matchAll(/int(\d+)/g)].map((m) => Number(m[1])));
  const m = byWidth(t.intMul, bits);
  const a = byWidth(t.intAdd, 32);
  return { pj: m.pj + a.pj, um2: m.um2 + a.um2 };
}

function findLayer(root: Layer, name: string): Layer | undefined {
  if (root.name === name && root.siteNames.length) return root;
  for (const c of root.children()) {
    const f = findLayer(c, name);
    if (f) return f;
  }
  return undefined;
}
