// SPDX-License-Identifier: MIT
// Multi-head attention block: q = x Wq^T, k = m Wk^T, v = m Wv^T (each a Linear with its own
// sites A, W, E, G), the scaled dot-product core (nn/mh-attention.ts: Aq, Ak, Av, Ap, E, Es)
// and the output projection y = o Wo^T. Self-attention passes m = x (and adds the two input
// gradients); cross-attention passes the encoder output as m. Rows are flattened samples:
// x (N*T, D), m (N*S, D) -> y (N*T, D).

import { Layer } from './layer.js';
import type { Param } from './param.js';
import type { RunContext } from './context.js';
import { Linear } from './linear.js';
import { ScaledDotAttention } from './mh-attention.js';
import type { Rng } from '../quant/rng.js';
import { floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
import { stepArray, stepValues } from './arrays.js';
import { sumCosts, type LayerCost } from './cost.js';
import type { Shape } from '../tensor/shape.js';

export class MultiHeadAttention extends Layer {
  /** Self-attention cost: input [T, D] per sample, memory the input itself. */
  cost(input: Shape, batch: number): LayerCost {
    return this.attendCost(input[0], input[0], batch);
  }

  /**
   * T query rows over S memory rows per sample, N = batch: the Q and O projections on N*T
   * rows, K and V on N*S rows (Linear.cost each) and the core (ScaledDotAttention.attendCost).
   */
  attendCost(T: number, S: number, batch: number): LayerCost {
    const D = this.dim;
    return sumCosts(
      [T, D],
      [
        this.q.cost([D], batch * T),
        this.k.cost([D], batch * S),
        this.v.cost([D], batch * S),
        this.core.attendCost(T, S, batch),
        this.o.cost([D], batch * T),
      ],
    );
  }

  readonly kind = 'mha';
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly core: ScaledDotAttention;
  readonly o: Linear;
  private dims: { N: number; T: number; S: number } | null = null;

  constructor(
    name: string,
    readonly dim: number,
    heads: number,
    causal: boolean,
    rng: Rng,
  ) {
    super(name);
    this.q = new Linear(`${name}.q`, dim, dim, rng);
    this.k = new Linear(`${name}.k`, dim, dim, rng);
    this.v = new Linear(`${name}.v`, dim, dim, rng);
    this.core = new ScaledDotAttention(`${name}.core`, dim, heads, causal);
    this.o = new Linear(`${name}.o`, dim, dim, rng);
  }

  override children(): Layer[] {
    return [this.q, this.k, this.v, this.core, this.o];
  }

  override params(): Param[] {
    return this.children().flatMap((l) => l.params());
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  forward(): Tensor {
    throw new Error(`${this.name}: call attend(x, memory, N, T, S, lengths, ctx)`);
  }

  backward(): Tensor {
    throw new Error(`${this.name}: call attendBackward(dy, ctx)`);
  }

  // x (N*T, D), m (N*S, D), lengths (N) valid memory rows per sample -> (N*T, D) f32
  attend(
    x: Tensor,
    m: Tensor,
    N: number,
    T: number,
    S: number,
    lengths: Int32Array,
    ctx: RunContext,
  ): Tensor {
    const D = this.dim;
    const q = reshape(this.q.forward(x, ctx), [N, T, D]);
    const k = reshape(this.k.forward(m, ctx), [N, S, D]);
    const v = reshape(this.v.forward(m, ctx), [N, S, D]);
    const a = this.core.attend(q, k, v, lengths, ctx);
    if (ctx.training) this.dims = { N, T, S };
    return this.o.forward(reshape(a, [N * T, D]), ctx);
  }

  // dy (N*T, D) -> dx (N*T, D), dm (N*S, D) f32
  attendBackward(dy: Tensor, ctx: RunContext): { dx: Tensor; dm: Tensor } {
    const d = this.dims;
    if (!d) throw new Error(`${this.name}: backward without a training forward`);
    const D = this.dim;
    const da = this.o.backward(dy, ctx);
    const g = this.core.attendBackward(reshape(da, [d.N, d.T, D]), ctx);
    const dx = this.q.backward(reshape(g.dq, [d.N * d.T, D]), ctx);
    const dmk = stepValues(this.k.backward(reshape(g.dk, [d.N * d.S, D]), ctx), ctx);
    const dmv = stepValues(this.v.backward(reshape(g.dv, [d.N * d.S, D]), ctx), ctx);
    // float32 sums, as add_inplace_f32 adds: dm = dmk + dmv (a step array, every element set).
    const dm = stepArray(ctx, 'float32', dmk.length, false);
    dm.set(dmk);
    ctx.kernels.add_inplace_f32(dm, dmv);
    return { dx, dm: floatTensor([d.N * d.S, D], dm) };
  }

  override clearSaved(): void {
    for (const l of this.children()) l.clearSaved();
    this.dims = null;
  }
}
