// SPDX-License-Identifier: MIT
// Sequence-to-sequence translation model (Luong et al. 2015): source embedding -> LSTM
// encoder; target embedding -> LSTM decoder started from the encoder's final state; dot
// attention of each decoder state over the encoder states; out = W_o tanh(W_c [context; h]).
// Trained with teacher forcing; `greedy` decodes one token at a time.
// As a Layer its one input packs both id sequences: x (N, S + T) = [src (N,S) | tgt_in (N,T)],
// and its output is the logits (N*T, V_tgt) for the next target tokens.

import { Layer } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import type { RunContext } from '../nn/context.js';
import { Embedding } from '../nn/embedding.js';
import { LSTM, type LstmOutputs } from '../nn/lstm.js';
import { DotAttention } from '../nn/attention.js';
import { Linear } from '../nn/linear.js';
import { Tanh } from '../nn/tanh.js';
import { predict } from '../nn/loss.js';
import type { Rng } from '../quant/rng.js';
import { floatTensor, type Tensor } from '../tensor/tensor.js';
import { stepArray, stepValues } from '../nn/arrays.js';
import type { Shape } from '../tensor/shape.js';
import { sumCosts, type LayerCost } from '../nn/cost.js';

export interface Seq2SeqSizes {
  readonly srcVocab: number;
  readonly tgtVocab: number;
  /** Source row length S and decoder input length T (= maxTgtLen - 1). */
  readonly srcLen: number;
  readonly tgtLen: number;
  readonly embed?: number;
  readonly hidden?: number;
  /** Id of padding (ignored by attention) and the begin/end-of-sentence ids. */
  readonly pad?: number;
  readonly bos?: number;
  readonly eos?: number;
}

export class Seq2Seq extends Layer {
  readonly kind = 'seq2seq';
  readonly srcEmb: Embedding;
  readonly encoder: LSTM;
  readonly tgtEmb: Embedding;
  readonly decoder: LSTM;
  readonly attn: DotAttention;
  readonly combine: Linear;
  readonly tanh: Tanh;
  readonly out: Linear;
  readonly H: number;
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  private lens: Int32Array | null = null;
  private encOut: Tensor | null = null;
  private shape: { N: number; S: number; T: number } | null = null;

  constructor(
    name: string,
    readonly sizes: Seq2SeqSizes,
    rng: Rng,
  ) {
    super(name);
    const E = sizes.embed ?? 32;
    const H = (this.H = sizes.hidden ?? 64);
    this.pad = sizes.pad ?? 0;
    this.bos = sizes.bos ?? 1;
    this.eos = sizes.eos ?? 2;
    this.srcEmb = new Embedding('src_emb', sizes.srcVocab, E, rng);
    this.encoder = new LSTM('encoder', E, H, rng);
    this.tgtEmb = new Embedding('tgt_emb', sizes.tgtVocab, E, rng);
    this.decoder = new LSTM('decoder', E, H, rng);
    this.attn = new DotAttention('attention', H);
    this.combine = new Linear('combine', 2 * H, H, rng);
    this.tanh = new Tanh('tanh');
    this.out = new Linear('out', H, sizes.tgtVocab, rng);
  }

  override children(): Layer[] {
    return [
      this.srcEmb,
      this.encoder,
      this.tgtEmb,
      this.decoder,
      this.attn,
      this.combine,
      this.tanh,
      this.out,
    ];
  }

  override params(): Param[] {
    return this.children().flatMap((l) => l.params());
  }

  outputShape(input: Shape): Shape {
    return [input[0] - this.sizes.srcLen, this.sizes.tgtVocab];
  }

  // Input (S + T) ids per sample: the encoder reads S source embeddings, the decoder T target
  // embeddings, attention T queries over S states, and the head runs on N*T rows.
  cost(input: Shape, batch: number): LayerCost {
    const { srcLen: S, tgtLen: T } = this.sizes;
    const H = this.H;
    const enc = this.encoder.cost(this.srcEmb.cost([S], batch).output, batch);
    const dec = this.decoder.cost(this.tgtEmb.cost([T], batch).output, batch);
    const rows = batch * T;
    return sumCosts(this.outputShape(input), [
      this.srcEmb.cost([S], batch),
      enc,
      this.tgtEmb.cost([T], batch),
      dec,
      this.attn.attendCost(T, S, batch),
      this.combine.cost([2 * H], rows),
      this.tanh.cost([H], rows),
      this.out.cost([H], rows),
    ]);
  }

  /** Non-PAD ids per source row. */
  private lengths(src: Float32Array, N: number, S: number): Int32Array {
    const len = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      let l = 0;
      for (let s = 0; s < S; s++) if (src[n * S + s] !== this.pad) l = s + 1;
      len[n] = Math.max(1, l);
    }
    return len;
  }

  /** Encodes src ids (N,S) -> states y (N,S,H) and the final state (N,H) of each row's last
   * real token. */
  private encode(src: Float32Array, N: number, S: number, ctx: RunContext): LstmOutputs {
    const lengths = this.lengths(src, N, S);
    this.lens = lengths;
    const x = this.srcEmb.forward(floatTensor([N, S], src), ctx);
    return this.encoder.run({ x, lengths }, ctx);
  }

  /** Decoder states (N,T,H) -> logits (N*T, V). */
  private head(dec: Tensor, enc: Tensor, N: number, T: number, ctx: RunContext): Tensor {
    const H = this.H;
    const lens = this.lens;
    if (!lens) throw new Error(`${this.name}: decode before encode`);
    const c = stepValues(this.attn.attend(dec, enc, lens, ctx), ctx);
    const h = stepValues(dec, ctx);
    const cat = stepArray(ctx, 'float32', N * T * 2 * H, false); // every element set below
    for (let r = 0; r < N * T; r++) {
      cat.set(c.subarray(r * H, (r + 1) * H), r * 2 * H);
      cat.set(h.subarray(r * H, (r + 1) * H), r * 2 * H + H);
    }
    const z = this.tanh.forward(this.combine.forward(floatTensor([N * T, 2 * H], cat), ctx), ctx);
    return this.out.forward(z, ctx);
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
    const enc = this.encode(src, N, S, ctx);
    const emb = this.tgtEmb.forward(floatTensor([N, T], tin), ctx);
    const dec = this.decoder.run({ x: emb, initial: enc.final }, ctx).y;
    if (ctx.training) {
      this.encOut = enc.y;
      this.shape = { N, S, T };
    }
    return this.head(dec, enc.y, N, T, ctx);
  }

  // dlogits (N*T, V) -> zeros (N, S+T): ids have no gradient
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const sh = this.shape;
    if (!sh || !this.encOut) throw new Error(`${this.name}: backward without a training forward`);
    const { N, S, T } = sh;
    const H = this.H;
    const dz = this.tanh.backward(this.out.backward(dy, ctx), ctx);
    const dcat = stepValues(this.combine.backward(dz, ctx), ctx);
    // Halves of dcat's rows: every element set below.
    const dc = stepArray(ctx, 'float32', N * T * H, false);
    const dh = stepArray(ctx, 'float32', N * T * H, false);
    for (let r = 0; r < N * T; r++) {
      dc.set(dcat.subarray(r * 2 * H, r * 2 * H + H), r * H);
      dh.set(dcat.subarray(r * 2 * H + H, (r + 1) * 2 * H), r * H);
    }
    const { dq, dkv } = this.attn.attendBackward(floatTensor([N, T, H], dc), ctx);
    const dqv = stepValues(dq, ctx);
    for (let i = 0; i < dh.length; i++) dh[i] += dqv[i];
    const dec = this.decoder.runBackward({ dy: floatTensor([N, T, H], dh) }, ctx);
    this.tgtEmb.backward(dec.dx, ctx);
    // The decoder started from the encoder's final state: its error flows back there.
    const enc = this.encoder.runBackward({ dy: dkv, dFinal: dec.dInitial }, ctx);
    this.srcEmb.backward(enc.dx, ctx);
    return floatTensor([N, S + T]);
  }

  /**
   * Greedy decoding of src ids (N, S) for up to maxLen tokens: (N, maxLen) i32, each row the
   * argmax tokens, EOS then PAD after the end. Runs in eval mode (no state saved).
   */
  greedy(src: Int32Array, N: number, maxLen: number, ctx: RunContext): Int32Array {
    const S = this.sizes.srcLen;
    const ev: RunContext = { ...ctx, training: false };
    const enc = this.encode(Float32Array.from(src), N, S, ev);
    const out = new Int32Array(N * maxLen).fill(this.pad);
    const done = new Uint8Array(N);
    let tok = new Float32Array(N).fill(this.bos);
    let state = enc.final;
    for (let t = 0; t < maxLen; t++) {
      const x = this.tgtEmb.forward(floatTensor([N, 1], tok), ev);
      const dec = this.decoder.run({ x, initial: state }, ev);
      state = dec.final;
      const next = predict(this.head(dec.y, enc.y, N, 1, ev));
      tok = new Float32Array(N);
      let all = true;
      for (let n = 0; n < N; n++) {
        if (done[n]) continue;
        out[n * maxLen + t] = next[n];
        tok[n] = next[n];
        if (next[n] === this.eos) done[n] = 1;
        else all = false;
      }
      if (all) break;
    }
    return out;
  }

  override clearSaved(): void {
    for (const l of this.children()) l.clearSaved();
    this.encOut = null;
    this.shape = null;
  }
}
