// SPDX-License-Identifier: MIT
// Encoder-decoder Transformer for translation (Vaswani et al. 2017; pre-LayerNorm): token
// embeddings plus sinusoidal positions, `layers` encoder layers (self-attention over non-PAD
// source tokens, feed-forward), `layers` decoder layers (causal self-attention, cross-attention
// over the encoder output, feed-forward), final LayerNorms, and a Linear to target logits.
// Same contract as the seq2seq model, so the translation task trains either: as a Layer its
// input packs both id sequences x (N, S + T) = [src (N,S) | tgt_in (N,T)], its output is the
// logits (N*T, V_tgt); `greedy` decodes one token at a time (re-running the decoder on the
// prefix: the causal mask makes that equal to incremental decoding).

import { Layer } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import type { RunContext } from '../nn/context.js';
import { Embedding } from '../nn/embedding.js';
import { LayerNorm } from '../nn/layernorm.js';
import { Linear } from '../nn/linear.js';
import { predict } from '../nn/loss.js';
import { DecoderLayer, EncoderLayer } from './transformer-blocks.js';
import type { Rng } from '../quant/rng.js';
import { dequantize, floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
import { stepArray, stepValues } from '../nn/arrays.js';
import { sumCosts, type LayerCost } from '../nn/cost.js';
import type { Shape } from '../tensor/shape.js';

export interface TransformerSizes {
  readonly srcVocab: number;
  readonly tgtVocab: number;
  /** Source row length S and decoder input length T (= maxTgtLen - 1). */
  readonly srcLen: number;
  readonly tgtLen: number;
  /** d_model (default 32), heads (2), feed-forward width (2 * d_model), layers per side (1). */
  readonly dim?: number;
  readonly heads?: number;
  readonly ffn?: number;
  readonly layers?: number;
  readonly pad?: number;
  readonly bos?: number;
  readonly eos?: number;
}

/** Sinusoidal position code of position t, dimension i of D (Vaswani et al. sec. 3.5). */
export function positionCode(t: number, i: number, D: number): number {
  const a = t / 10000 ** ((2 * Math.floor(i / 2)) / D);
  return i % 2 === 0 ? Math.sin(a) : Math.cos(a);
}

/** Position codes (L, D) by "L,D": embed adds the same float64 values every step. */
const codeTables = new Map<string, Float64Array>();

/** positionCode(t, i, D) for t < L, i < D, as rows (L, D); computed once per (L, D). */
export function positionCodes(L: number, D: number): Float64Array {
  const key = `${L},${D}`;
  let codes = codeTables.get(key);
  if (!codes) {
    codes = new Float64Array(L * D);
    for (let t = 0; t < L; t++)
      for (let i = 0; i < D; i++) codes[t * D + i] = positionCode(t, i, D);
    codeTables.set(key, codes);
  }
  return codes;
}

export class Transformer extends Layer {
  readonly kind = 'transformer';
  readonly srcEmb: Embedding;
  readonly encoders: EncoderLayer[];
  readonly encLn: LayerNorm;
  readonly tgtEmb: Embedding;
  readonly decoders: DecoderLayer[];
  readonly decLn: LayerNorm;
  readonly out: Linear;
  readonly D: number;
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  private saved: { N: number; S: number; T: number; lens: Int32Array } | null = null;

  constructor(
    name: string,
    readonly sizes: TransformerSizes,
    rng: Rng,
  ) {
    super(name);
    const D = (this.D = sizes.dim ?? 32);
    const heads = sizes.heads ?? 2;
    const F = sizes.ffn ?? 2 * D;
    const L = sizes.layers ?? 1;
    this.pad = sizes.pad ?? 0;
    this.bos = sizes.bos ?? 1;
    this.eos = sizes.eos ?? 2;
    this.srcEmb = new Embedding('src_emb', sizes.srcVocab, D, rng);
    this.encoders = Array.from(
      { length: L },
      (_, i) => new EncoderLayer(`enc${i}`, D, heads, F, rng),
    );
    this.encLn = new LayerNorm('enc_ln', D);
    this.tgtEmb = new Embedding('tgt_emb', sizes.tgtVocab, D, rng);
    this.decoders = Array.from(
      { length: L },
      (_, i) => new DecoderLayer(`dec${i}`, D, heads, F, rng),
    );
    this.decLn = new LayerNorm('dec_ln', D);
    this.out = new Linear('out', D, sizes.tgtVocab, rng);
  }

  override children(): Layer[] {
    return [
      this.srcEmb,
      ...this.encoders,
      this.encLn,
      this.tgtEmb,
      ...this.decoders,
      this.decLn,
      this.out,
    ];
  }

  override params(): Param[] {
    return this.children().flatMap((l) => l.params());
  }

  outputShape(input: Shape): Shape {
    return [input[0] - this.sizes.srcLen, this.sizes.tgtVocab];
  }

  // Input (S + T) ids per sample: S source embeddings through the encoder layers and enc_ln,
  // T target embeddings through the decoder layers (each attending over the S memory rows),
  // dec_ln and the output Linear on N*T rows. Adding position codes is element-wise.
  cost(input: Shape, batch: number): LayerCost {
    const { srcLen: S, tgtLen: T } = this.sizes;
    const D = this.D;
    const parts: LayerCost[] = [this.srcEmb.cost([S], batch)];
    for (const e of this.encoders) parts.push(e.cost([S, D], batch));
    parts.push(this.encLn.cost([D], batch * S), this.tgtEmb.cost([T], batch));
    for (const d of this.decoders) parts.push(d.decodeCost(T, S, batch));
    parts.push(this.decLn.cost([D], batch * T), this.out.cost([D], batch * T));
    const c = sumCosts(this.outputShape(input), parts);
    // Plus the source lengths (N) i32 kept for backward.
    return {
      ...c,
      savedBytes: c.savedBytes + batch * 4,
      nominalSavedBytes: c.nominalSavedBytes + batch * 4,
    };
  }

  /** Non-PAD ids per source row (at least 1). */
  private lengths(src: Float32Array, N: number, S: number): Int32Array {
    const len = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      let l = 0;
      for (let s = 0; s < S; s++) if (src[n * S + s] !== this.pad) l = s + 1;
      len[n] = Math.max(1, l);
    }
    return len;
  }

  /** ids (N, L) -> embeddings plus position codes, rows (N*L, D) f32. */
  private embed(emb: Embedding, ids: Float32Array, N: number, L: number, ctx: RunContext): Tensor {
    const D = this.D;
    const e = stepValues(emb.forward(floatTensor([N, L], ids), ctx), ctx);
    const x = stepArray(ctx, 'float32', N * L * D, false); // every element set below
    const codes = positionCodes(L, D);
    const LD = L * D;
    for (let n = 0; n < N; n++) {
      const o = n * LD;
      for (let j = 0; j < LD; j++) x[o + j] = e[o + j] + codes[j];
    }
    return floatTensor([N * L, D], x);
  }

  /** src ids (N,S) -> memory (N*S, D) and the source lengths. */
  private encode(src: Float32Array, N: number, S: number, ctx: RunContext) {
    const lens = this.lengths(src, N, S);
    let x = this.embed(this.srcEmb, src, N, S, ctx);
    for (const e of this.encoders) x = e.encode(x, N, S, lens, ctx);
    return { memory: this.encLn.forward(x, ctx), lens };
  }

  /** Decoder input ids (N,T) over memory -> logits (N*T, V). */
  private decode(
    tin: Float32Array,
    memory: Tensor,
    lens: Int32Array,
    N: number,
    T: number,
    S: number,
    ctx: RunContext,
  ): Tensor {
    let y = this.embed(this.tgtEmb, tin, N, T, ctx);
    for (const d of this.decoders) y = d.decode(y, memory, N, T, S, lens, ctx);
    return this.out.forward(this.decLn.forward(y, ctx), ctx);
  }

  // x (N, S+T) ids as floats -> logits (N*T, V)
  forward(x: Tensor, ctx: RunContext): Tensor {
    const { srcLen: S, tgtLen: T } = this.sizes;
    if (x.shape.length !== 2 || x.shape[1] !== S + T || x.kind !== 'float') {
      throw new Error(
        `${this.name}: expected ids (N, ${S} + ${T}) as a float tensor, got [${x.shape.join(', ')}]`,
      );
    }
    const N = x.shape[0];
    const src = new Float32Array(N * S);
    const tin = new Float32Array(N * T);
    for (let n = 0; n < N; n++) {
      src.set(x.data.subarray(n * (S + T), n * (S + T) + S), n * S);
      tin.set(x.data.subarray(n * (S + T) + S, (n + 1) * (S + T)), n * T);
    }
    const { memory, lens } = this.encode(src, N, S, ctx);
    if (ctx.training) this.saved = { N, S, T, lens };
    return this.decode(tin, memory, lens, N, T, S, ctx);
  }

  // dlogits (N*T, V) -> zeros (N, S+T): ids have no gradient
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const sv = this.saved;
    if (!sv) throw new Error(`${this.name}: backward without a training forward`);
    const { N, S, T } = sv;
    const D = this.D;
    let d = this.decLn.backward(this.out.backward(dy, ctx), ctx);
    // The memory's error: the sum over decoder layers, float32 adds (zeroed step array).
    const dmem = stepArray(ctx, 'float32', N * S * D);
    for (let i = this.decoders.length - 1; i >= 0; i--) {
      const g = this.decoders[i].decodeBackward(d, ctx);
      d = g.dy;
      ctx.kernels.add_inplace_f32(dmem, stepValues(g.dmemory, ctx));
    }
    this.tgtEmb.backward(reshape(d, [N, T, D]), ctx);
    let e = this.encLn.backward(floatTensor([N * S, D], dmem), ctx);
    for (let i = this.encoders.length - 1; i >= 0; i--) e = this.encoders[i].encodeBackward(e, ctx);
    this.srcEmb.backward(reshape(e, [N, S, D]), ctx);
    return floatTensor([N, S + T]);
  }

  /**
   * Greedy decoding of src ids (N, S) for up to maxLen tokens: (N, maxLen) i32, each row the
   * argmax tokens, EOS then PAD after the end. Runs in eval mode (no state saved).
   */
  greedy(src: Int32Array, N: number, maxLen: number, ctx: RunContext): Int32Array {
    const S = this.sizes.srcLen;
    const ev: RunContext = { ...ctx, training: false };
    const { memory, lens } = this.encode(Float32Array.from(src), N, S, ev);
    const out = new Int32Array(N * maxLen).fill(this.pad);
    const done = new Uint8Array(N);
    const prefix = new Float32Array(N * (maxLen + 1));
    for (let t = 0; t < maxLen; t++) {
      const L = t + 1;
      const tin = new Float32Array(N * L);
      for (let n = 0; n < N; n++) {
        tin[n * L] = this.bos;
        for (let j = 1; j < L; j++) tin[n * L + j] = prefix[n * (maxLen + 1) + j];
      }
      const logits = dequantize(this.decode(tin, memory, lens, N, L, S, ev));
      const V = this.sizes.tgtVocab;
      const last = new Float32Array(N * V);
      for (let n = 0; n < N; n++)
        last.set(logits.subarray((n * L + t) * V, (n * L + t + 1) * V), n * V);
      const next = predict(floatTensor([N, V], last));
      let all = true;
      for (let n = 0; n < N; n++) {
        prefix[n * (maxLen + 1) + t + 1] = done[n] ? this.pad : next[n];
        if (done[n]) continue;
        out[n * maxLen + t] = next[n];
        if (next[n] === this.eos) done[n] = 1;
        else all = false;
      }
      if (all) break;
    }
    return out;
  }

  override clearSaved(): void {
    for (const l of this.children()) l.clearSaved();
    this.saved = null;
  }
}
