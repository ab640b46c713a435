// SPDX-License-Identifier: MIT
// Multi-head scaled dot-product attention core (Vaswani et al. 2017), with separate keys and
// values, padded keys masked out and an optional causal mask (query t sees keys 0..t). The
// Q/K/V/O projections live in MultiHeadAttention (nn/mha.ts); this layer holds the two
// products and the softmax. Sites (role sites, each with its own quantizer state, see
// quant/site.ts): Aq (queries), Ak (keys), Av (values), Ap (attention weights P), E (the
// incoming error) and Es (the score error), so all four products per head are mantissa GEMMs
// when the scheme makes them fixed-point. The products and the softmax are the attention core
// (attention-core.ts), over one block per (sample, head).
// Heads are column blocks of D = heads * dh; they are gathered into (N*heads*T, dh) row blocks
// so each (sample, head) is a contiguous GEMM operand.
//   forward:  S_b = Aq(q_b) Ak(k_b)^T / sqrt(dh) (T,S); P = softmax over valid keys;
//             o_b = Ap(P_b) Av(v_b) (T,dh)
//   backward: dP_b = E(do_b) v_b^T; dv_b = P_b^T E(do_b); dS = P (dP - sum P dP) / sqrt(dh);
//             dq_b = Es(dS_b) k_b; dk_b = Es(dS_b)^T q_b

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { like, sameKind, stepLike, storage, type StepScope } from './arrays.js';
import {
  attendCore,
  attendCoreBackward,
  weightValues,
  type AttentionSite,
  type CoreSaved,
} from './attention-core.js';
import type { AnyArray } from '../kernels/spec.js';
import { floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
import {
  gemmKey,
  operandBytes,
  siteBits,
  siteOperand,
  type LayerCost,
  type MacEntry,
  type Operand,
} from './cost.js';
import type { Shape } from '../tensor/shape.js';

/** (N, L, heads*dh) -> (N*heads*L, dh) storage order, or back with `inverse`. */
export function permuteHeads<T extends AnyArray>(
  src: T,
  N: number,
  L: number,
  heads: number,
  dh: number,
  inverse = false,
  at?: StepScope | null,
): T {
  // Every element is written: a step array need not be zeroed.
  const out = at ? stepLike(at, src, src.length, false) : like(src, src.length);
  const D = heads * dh;
  for (let n = 0; n < N; n++)
    for (let l = 0; l < L; l++)
      for (let h = 0; h < heads; h++) {
        const a = (n * L + l) * D + h * dh; // (n, l, h*dh)
        const b = ((n * heads + h) * L + l) * dh; // (n, h, l, :)
        // Rows of dh (8-64) elements: a plain loop (a subarray view per row cost more).
        if (inverse) for (let j = 0; j < dh; j++) out[a + j] = src[b + j];
        else for (let j = 0; j < dh; j++) out[b + j] = src[a + j];
      }
  return out;
}

function toHeads(
  t: Tensor,
  N: number,
  L: number,
  heads: number,
  dh: number,
  at: StepScope,
): Tensor {
  return sameKind(t, [N * heads * L, dh], permuteHeads(storage(t), N, L, heads, dh, false, at));
}

interface Saved extends CoreSaved {
  readonly N: number;
  readonly valid: Int32Array; // (N*heads*T) valid keys of each query row
}

export class ScaledDotAttention extends Layer {
  /** Self-attention cost: queries, keys and values all (T, D) per sample (see attendCost). */
  cost(input: Shape, batch: number): LayerCost {
    return this.attendCost(input[0], input[0], batch);
  }

  /**
   * T queries over S keys per sample, N = batch, heads * dh = D: per (sample, head) forward
   * the scores (T, dh) x (dh, S) and the output (T, S) x (S, dh); backward dP (T, dh) x (dh, S),
   * dv (S, T) x (T, dh), dq (T, S) x (S, dh) and dk (S, T) x (T, dh): N*T*S*D MACs each. The
   * masks only limit the softmax, the GEMMs run over all S keys. Saves q, k, v in head order
   * at Aq, Ak, Av, the weights P (int16 Q0.15 on the integer path, float32 otherwise), them
   * at Ap (the same array where Ap binds nothing or keeps float32) and the valid-key count per row (i32).
   */
  attendCost(T: number, S: number, batch: number): LayerCost {
    const N = batch;
    const D = this.dim;
    const rowsBT = N * this.heads * T;
    const aq = siteOperand(this, 'Aq');
    const ak = siteOperand(this, 'Ak');
    const av = siteOperand(this, 'Av');
    const fixed = aq !== 'f32' && ak !== 'f32';
    const p: Operand = fixed ? 'i16' : 'f32';
    const ap = siteOperand(this, 'Ap', p);
    // A float32 Ap over float32 weights passes the same array on: no second copy.
    const apCopy = this.sites.get('Ap')?.quantizer !== undefined && !(p === 'f32' && ap === 'f32');
    const e = siteOperand(this, 'E');
    const es = siteOperand(this, 'Es');
    const n = N * T * S * D;
    const m = (pass: MacEntry['pass'], operands: string): MacEntry => ({
      pass,
      layer: this.name,
      operands,
      macs: n,
    });
    const qkv = (o: Operand, L: number) => N * L * D * operandBytes(o);
    const nominal = (site: string, L: number) => (N * L * D * siteBits(this, site)) / 8;
    const weights = N * this.heads * T * S;
    return {
      output: [T, D],
      macs: [
        m('forward', gemmKey(aq, ak)),
        m('forward', gemmKey(ap, av)),
        m('backward dx', gemmKey(e, av)),
        m('backward dx', gemmKey(ap, e)),
        m('backward dx', gemmKey(es, ak)),
        m('backward dx', gemmKey(es, aq)),
      ],
      savedBytes:
        qkv(aq, T) +
        qkv(ak, S) +
        qkv(av, S) +
        weights * (operandBytes(p) + (apCopy ? operandBytes(ap) : 0)) +
        rowsBT * 4,
      nominalSavedBytes:
        nominal('Aq', T) +
        nominal('Ak', S) +
        nominal('Av', S) +
        weights * (operandBytes(p) + (apCopy ? siteBits(this, 'Ap') / 8 : 0)) +
        rowsBT * 4,
      workspaceBytes: 0,
    };
  }

  readonly kind = 'mh-attention';
  override readonly siteNames = ['Aq', 'Ak', 'Av', 'Ap', 'E', 'Es'] as const;
  private saved: Saved | null = null;
  private readonly site: AttentionSite = (name, x, ctx) => this.quant(name, x, ctx);

  constructor(
    name: string,
    readonly dim: number,
    readonly heads: number,
    readonly causal: boolean,
  ) {
    super(name);
    if (!Number.isInteger(dim / heads) || heads < 1)
      throw new Error(`${name}: model width ${dim} is not a multiple of ${heads} heads`);
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  forward(): Tensor {
    throw new Error(`${this.name}: attention takes three inputs: call attend(q, k, v, lengths)`);
  }

  backward(): Tensor {
    throw new Error(`${this.name}: call attendBackward(dout, ctx)`);
  }

  /** Attention weights of the last training forward, (N*heads, T, S) (for inspection). */
  weights(): Float32Array | null {
    const p = this.saved?.p;
    return p ? weightValues(p) : null;
  }

  // q (N,T,D), k, v (N,S,D), lengths (N) valid keys per sample -> (N,T,D) f32
  attend(q: Tensor, k: Tensor, v: Tensor, lengths: Int32Array, ctx: RunContext): Tensor {
    const D = this.dim;
    const [N, T] = q.shape;
    const S = k.shape[1];
    const ok = (t: Tensor, L: number) =>
      t.shape.length === 3 && t.shape[0] === N && t.shape[1] === L && t.shape[2] === D;
    if (q.shape.length !== 3 || !ok(k, S) || !ok(v, S) || q.shape[2] !== D) {
      throw new Error(
        `${this.name}: expected q (N, T, ${D}) and k, v (N, S, ${D}), got [${q.shape.join(', ')}], [${k.shape.join(', ')}], [${v.shape.join(', ')}]`,
      );
    }
    if (lengths.length !== N)
      throw new Error(`${this.name}: ${lengths.length} lengths for a batch of ${N}`);
    if (this.causal && S !== T)
      throw new Error(
        `${this.name}: causal attention needs as many keys as queries (${S} vs ${T})`,
      );
    const H = this.heads;
    const dh = D / H;
    const qh = toHeads(this.quant('Aq', reshape(q, [N * T, D]), ctx), N, T, H, dh, ctx);
    const kh = toHeads(this.quant('Ak', reshape(k, [N * S, D]), ctx), N, S, H, dh, ctx);
    const vh = toHeads(this.quant('Av', reshape(v, [N * S, D]), ctx), N, S, H, dh, ctx);
    const B = N * H;
    const valid = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const L = Math.max(1, Math.min(S, lengths[Math.floor(b / H)]));
      for (let t = 0; t < T; t++) valid[b * T + t] = this.causal ? Math.min(L, t + 1) : L;
    }
    const inputs = { qh, kh, vh, B, T, S, valid, pInWorkspace: false };
    const { out, saved } = attendCore(this.name, this.site, inputs, ctx);
    if (ctx.training) this.saved = { ...saved, N, valid };
    return floatTensor([N, T, D], permuteHeads(out, N, T, H, dh, true, ctx));
  }

  // dout (N,T,D) -> dq (N,T,D), dk, dv (N,S,D), f32
  attendBackward(dout: Tensor, ctx: RunContext): { dq: Tensor; dk: Tensor; dv: Tensor } {
    const s = this.saved;
    if (!s) throw new Error(`${this.name}: backward without a training forward`);
    const { N, T, S } = s;
    const D = this.dim;
    const H = this.heads;
    const dh = D / H;
    const eh = toHeads(this.quant('E', reshape(dout, [N * T, D]), ctx), N, T, H, dh, ctx);
    const { dq, dk, dv } = attendCoreBackward(this.name, this.site, s, eh, ctx);
    return {
      dq: floatTensor([N, T, D], permuteHeads(dq, N, T, H, dh, true, ctx)),
      dk: floatTensor([N, S, D], permuteHeads(dk, N, S, H, dh, true, ctx)),
      dv: floatTensor([N, S, D], permuteHeads(dv, N, S, H, dh, true, ctx)),
    };
  }

  override clearSaved(): void {
    this.saved = null;
  }
}
