// SPDX-License-Identifier: MIT
// The Transformer's layers, pre-LayerNorm (Xiong et al. 2020: LayerNorm inside each residual
// branch, which trains without learning-rate warm-up at these small sizes):
//   encoder: x += SelfAttn(LN1 x) (padded keys masked); x += FFN(LN2 x)
//   decoder: y += SelfAttn(LN1 y) (causal); y += CrossAttn(LN2 y, memory); y += FFN(LN3 y)
//   FFN(h) = W2 relu(W1 h + b1) + b2
// The residual stream is float32 rows (N*L, D); every matmul is a Linear or the attention
// core, each with its own sites, so a fixed-point scheme runs them all on integer GEMMs.

import { Layer } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import type { RunContext } from '../nn/context.js';
import { LayerNorm } from '../nn/layernorm.js';
import { Linear } from '../nn/linear.js';
import { MultiHeadAttention } from '../nn/mha.js';
import { ReLU } from '../nn/relu.js';
import type { Rng } from '../quant/rng.js';
import { floatTensor, type Tensor } from '../tensor/tensor.js';
import { stepArray, stepValues } from '../nn/arrays.js';
import { chainCost, sumCosts, type LayerCost } from '../nn/cost.js';
import type { Shape } from '../tensor/shape.js';

/** a + b elementwise (float32 adds, add_inplace_f32) into a new float32 tensor of a's shape. */
function plus(a: Tensor, b: Tensor, ctx: RunContext): Tensor {
  // Into a step array: a float a copied (its storage is the layer's), a fixed one's values.
  const n = a.kind === 'float' ? a.data.length : a.mant.length;
  let out: Float32Array;
  if (a.kind === 'float') (out = stepArray(ctx, 'float32', n, false)).set(a.data);
  else out = stepValues(a, ctx);
  ctx.kernels.add_inplace_f32(out, stepValues(b, ctx));
  return floatTensor(a.shape, out);
}

/** Position-wise feed-forward: (R, D) -> (R, F) -> relu -> (R, D). */
export class FeedForward extends Layer {
  /** `batch` rows of [D]: fc1, relu, fc2 in a chain. */
  cost(input: Shape, batch: number): LayerCost {
    return chainCost(this.children(), input, batch);
  }

  readonly kind = 'ffn';
  readonly fc1: Linear;
  readonly relu: ReLU;
  readonly fc2: Linear;

  constructor(name: string, dim: number, hidden: number, rng: Rng) {
    super(name);
    this.fc1 = new Linear(`${name}.fc1`, dim, hidden, rng);
    this.relu = new ReLU(`${name}.relu`);
    this.fc2 = new Linear(`${name}.fc2`, hidden, dim, rng);
  }

  override children(): Layer[] {
    return [this.fc1, this.relu, this.fc2];
  }

  override params(): Param[] {
    return [...this.fc1.params(), ...this.fc2.params()];
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x, ctx), ctx), ctx);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    return this.fc1.backward(this.relu.backward(this.fc2.backward(dy, ctx), ctx), ctx);
  }

  override clearSaved(): void {
    for (const l of this.children()) l.clearSaved();
  }
}

abstract class Block extends Layer {
  override params(): Param[] {
    return this.children().flatMap((l) => l.params());
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  override clearSaved(): void {
    for (const l of this.children()) l.clearSaved();
  }
}

export class EncoderLayer extends Block {
  readonly kind = 'encoder-layer';
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly ffn: FeedForward;
  private dims: { N: number; S: number } | null = null;

  constructor(name: string, dim: number, heads: number, hidden: number, rng: Rng) {
    super(name);
    this.ln1 = new LayerNorm(`${name}.ln1`, dim);
    this.attn = new MultiHeadAttention(`${name}.attn`, dim, heads, false, rng);
    this.ln2 = new LayerNorm(`${name}.ln2`, dim);
    this.ffn = new FeedForward(`${name}.ffn`, dim, hidden, rng);
  }

  override children(): Layer[] {
    return [this.ln1, this.attn, this.ln2, this.ffn];
  }

  // Input [S, D] per sample: LayerNorms and the FFN on N*S rows, self-attention S over S (the
  // padding mask does not change the GEMMs). The residual adds are element-wise: no MACs.
  cost(input: Shape, batch: number): LayerCost {
    const [S, D] = input;
    const rows = batch * S;
    return sumCosts(input, [
      this.ln1.cost([D], rows),
      this.attn.attendCost(S, S, batch),
      this.ln2.cost([D], rows),
      this.ffn.cost([D], rows),
    ]);
  }

  forward(): Tensor {
    throw new Error(`${this.name}: call encode(x, N, S, lengths, ctx)`);
  }

  backward(): Tensor {
    throw new Error(`${this.name}: call encodeBackward(dy, ctx)`);
  }

  // x (N*S, D), lengths (N) non-PAD source tokens -> (N*S, D) f32
  encode(x: Tensor, N: number, S: number, lengths: Int32Array, ctx: RunContext): Tensor {
    const h = this.ln1.forward(x, ctx);
    const x1 = plus(x, this.attn.attend(h, h, N, S, S, lengths, ctx), ctx);
    if (ctx.training) this.dims = { N, S };
    return plus(x1, this.ffn.forward(this.ln2.forward(x1, ctx), ctx), ctx);
  }

  // dy (N*S, D) -> dx (N*S, D)
  encodeBackward(dy: Tensor, ctx: RunContext): Tensor {
    if (!this.dims) throw new Error(`${this.name}: backward without a training forward`);
    const d1 = plus(dy, this.ln2.backward(this.ffn.backward(dy, ctx), ctx), ctx);
    const g = this.attn.attendBackward(d1, ctx);
    return plus(d1, this.ln1.backward(plus(g.dx, g.dm, ctx), ctx), ctx);
  }
}

export class DecoderLayer extends Block {
  readonly kind = 'decoder-layer';
  readonly ln1: LayerNorm;
  readonly self: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly cross: MultiHeadAttention;
  readonly ln3: LayerNorm;
  readonly ffn: FeedForward;

  constructor(name: string, dim: number, heads: number, hidden: number, rng: Rng) {
    super(name);
    this.ln1 = new LayerNorm(`${name}.ln1`, dim);
    this.self = new MultiHeadAttention(`${name}.self`, dim, heads, true, rng);
    this.ln2 = new LayerNorm(`${name}.ln2`, dim);
    this.cross = new MultiHeadAttention(`${name}.cross`, dim, heads, false, rng);
    this.ln3 = new LayerNorm(`${name}.ln3`, dim);
    this.ffn = new FeedForward(`${name}.ffn`, dim, hidden, rng);
  }

  override children(): Layer[] {
    return [this.ln1, this.self, this.ln2, this.cross, this.ln3, this.ffn];
  }

  /** Input [T, D] per sample over a memory as long as the input (see decodeCost). */
  cost(input: Shape, batch: number): LayerCost {
    return this.decodeCost(input[0], input[0], batch);
  }

  // T target rows over S memory rows per sample: LayerNorms and the FFN on N*T rows, causal
  // self-attention T over T (the mask limits the softmax, not the GEMMs), cross-attention T
  // over S.
  decodeCost(T: number, S: number, batch: number): LayerCost {
    const D = this.self.dim;
    const rows = batch * T;
    return sumCosts(
      [T, D],
      [
        this.ln1.cost([D], rows),
        this.self.attendCost(T, T, batch),
        this.ln2.cost([D], rows),
        this.cross.attendCost(T, S, batch),
        this.ln3.cost([D], rows),
        this.ffn.cost([D], rows),
      ],
    );
  }

  forward(): Tensor {
    throw new Error(`${this.name}: call decode(y, memory, N, T, S, lengths, ctx)`);
  }

  backward(): Tensor {
    throw new Error(`${this.name}: call decodeBackward(dy, ctx)`);
  }

  // y (N*T, D), memory (N*S, D), srcLengths (N) -> (N*T, D) f32
  decode(
    y: Tensor,
    memory: Tensor,
    N: number,
    T: number,
    S: number,
    srcLengths: Int32Array,
    ctx: RunContext,
  ): Tensor {
    const h1 = this.ln1.forward(y, ctx);
    const all = new Int32Array(N).fill(T);
    const y1 = plus(y, this.self.attend(h1, h1, N, T, T, all, ctx), ctx);
    const h2 = this.ln2.forward(y1, ctx);
    const y2 = plus(y1, this.cross.attend(h2, memory, N, T, S, srcLengths, ctx), ctx);
    return plus(y2, this.ffn.forward(this.ln3.forward(y2, ctx), ctx), ctx);
  }

  // dy (N*T, D) -> dy_in (N*T, D), dmemory (N*S, D)
  decodeBackward(dy: Tensor, ctx: RunContext): { dy: Tensor; dmemory: Tensor } {
    const d2 = plus(dy, this.ln3.backward(this.ffn.backward(dy, ctx), ctx), ctx);
    const c = this.cross.attendBackward(d2, ctx);
    const d1 = plus(d2, this.ln2.backward(c.dx, ctx), ctx);
    const s = this.self.attendBackward(d1, ctx);
    return { dy: plus(d1, this.ln1.backward(plus(s.dx, s.dm, ctx), ctx), ctx), dmemory: c.dm };
  }
}
