// SPDX-License-Identifier: MIT
// Token embedding: ids (N,T) -> rows of a (V,D) table. Sites W (the table), E (incoming error),
// G (table gradient). A fixed-point table gives a fixed-point output (a gather of mantissas,
// exact); the gradient is a scatter-add of the error's mantissas (exact integers).

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { like, sameKind, storage } from './arrays.js';
import { randNormal, type Rng } from '../quant/rng.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import { INT32_LIMIT } from '../ops/intgemm.js';
import type { LayerCost } from './cost.js';

export class Embedding extends Layer {
  readonly kind = 'embedding';
  override readonly siteNames = ['W', 'E', 'G'] as const;
  readonly weight: Param;
  private ids: Int32Array | null = null;
  private idShape: Shape | null = null;

  constructor(
    name: string,
    readonly numEmbeddings: number,
    readonly dim: number,
    rng: Rng,
  ) {
    super(name);
    this.weight = new Param(`${name}.weight`, name, 'weight', [numEmbeddings, dim]);
    // N(0, 1) as PyTorch; the following layer's A site rescales it anyway.
    for (let i = 0; i < this.weight.size; i++) this.weight.value[i] = randNormal(rng);
  }

  override params(): Param[] {
    return [this.weight];
  }

  outputShape(input: Shape): Shape {
    return [...input, this.dim];
  }

  // A gather and a scatter-add, no MACs; saves the int32 ids.
  cost(input: Shape, batch: number): LayerCost {
    const bytes = 4 * batch * sizeOf(input);
    return {
      output: this.outputShape(input),
      macs: [],
      savedBytes: bytes,
      nominalSavedBytes: bytes,
      workspaceBytes: 0,
    };
  }

  /** Token ids from a tensor of whole numbers in [0, V). */
  private toIds(x: Tensor): Int32Array {
    const v = x.kind === 'float' ? x.data : x.mant;
    const scale = x.kind === 'float' ? 1 : 2 ** x.exp;
    const ids = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const id = v[i] * scale;
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings) {
        throw new Error(
          `${this.name}: token id ${id} at ${i} is not an integer in [0, ${this.numEmbeddings})`,
        );
      }
      ids[i] = id;
    }
    return ids;
  }

  // ids (...) -> (..., D); fixed table -> fixed output with the table's exponent.
  forward(x: Tensor, ctx: RunContext): Tensor {
    const ids = this.toIds(x);
    const D = this.dim;
    const wq = this.quant('W', floatTensor(this.weight.shape, this.weight.value), ctx);
    const src = storage(wq);
    const out = like(src, ids.length * D);
    for (let i = 0; i < ids.length; i++) out.set(src.subarray(ids[i] * D, ids[i] * D + D), i * D);
    if (ctx.training) {
      this.ids = ids;
      this.idShape = x.shape;
    }
    return sameKind(wq, [...x.shape, D], out);
  }

  // dy (..., D) -> zeros like the ids (ids have no gradient); adds dW (V, D) through G.
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const ids = this.ids;
    if (!ids || !this.idShape) throw new Error(`${this.name}: backward without a training forward`);
    const D = this.dim;
    const eq = this.quant('E', dy, ctx);
    const V = this.numEmbeddings;
    let dw: Tensor;
    if (eq.kind === 'fixed' && ids.length * 2 ** (eq.bits - 1) <= INT32_LIMIT) {
      const acc = new Int32Array(V * D);
      const m = eq.mant;
      for (let i = 0; i < ids.length; i++) {
        const r = ids[i] * D;
        for (let d = 0; d < D; d++) acc[r + d] += m[i * D + d];
      }
      dw = fixedTensor(this.weight.shape, acc, eq.exp, 32);
    } else {
      const v = dequantize(eq);
      const acc = new Float32Array(V * D);
      for (let i = 0; i < ids.length; i++) {
        const r = ids[i] * D;
        for (let d = 0; d < D; d++) acc[r + d] += v[i * D + d];
      }
      dw = floatTensor(this.weight.shape, acc);
    }
    this.weight.addGrad(this.quant('G', dw, ctx), ctx.kernels);
    return floatTensor(this.idShape);
  }

  override clearSaved(): void {
    this.ids = null;
  }
}
