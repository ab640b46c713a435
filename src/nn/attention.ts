// SPDX-License-Identifier: MIT
// Scaled dot-product attention of decoder states over encoder states (Luong et al. 2015
// "dot", scaled by 1/sqrt(H) as in Vaswani et al.), with masking of padded source positions.
// Sites (role sites of A and E, see quant/site.ts, each with its own quantizer state): Aq
// (queries), Ak (keys/values), Ap (the attention weights P), so both products are mantissa
// GEMMs; E (the incoming error) and Es (the score error). The products and the softmax are
// the attention core (attention-core.ts) with one head whose keys and values are the states.
//   forward:  S_n = Aq(q_n) Ak(kv_n)^T / sqrt(H)  (T,S);  P = softmax over valid s;
//             ctx_n = Ap(P_n) Ak(kv_n)  (T,H)
//   backward: dP_n = E(dctx_n) kv_n^T;  dV_n = P_n^T E(dctx_n);  dS = P (dP - sum P dP) / sqrt(H);
//             dq_n = Es(dS_n) kv_n;  dK_n = Es(dS_n)^T q_n;  dkv = dV + dK
// It has two inputs, so it is driven by `attend` / `attendBackward`, not forward/backward.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import {
  attendCore,
  attendCoreBackward,
  weightValues,
  type AttentionSite,
  type CoreSaved,
} from './attention-core.js';
import { floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import {
  gemmKey,
  operandBytes,
  siteBits,
  siteOperand,
  type LayerCost,
  type MacEntry,
  type Operand,
} from './cost.js';

export class DotAttention extends Layer {
  readonly kind = 'attention';
  override readonly siteNames = ['Aq', 'Ak', 'Ap', 'E', 'Es'] as const;
  private saved: CoreSaved | null = null;
  private readonly site: AttentionSite = (name, x, ctx) => this.quant(name, x, ctx);

  constructor(
    name: string,
    readonly hidden: number,
  ) {
    super(name);
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  /** Self-attention cost: queries and states both (T, H) per sample (see attendCost). */
  cost(input: Shape, batch: number): LayerCost {
    return this.attendCost(input[0], input[0], batch);
  }

  /**
   * T queries over S states per sample, N = batch: forward scores (T, H) x (H, S) and context
   * (T, S) x (S, H) per sample; backward the score error (T, H) x (H, S), dv (S, T) x (T, H),
   * dq (T, S) x (S, H) and dk (S, T) x (T, H). Saves q at Aq, states at Ak, the weights
   * (int16 Q0.15 on the integer path, float32 otherwise) and them at Ap.
   */
  attendCost(T: number, S: number, batch: number): LayerCost {
    const N = batch;
    const H = this.hidden;
    const aq = siteOperand(this, 'Aq');
    const ak = siteOperand(this, 'Ak');
    const fixed = aq !== 'f32' && ak !== 'f32';
    const p: Operand = fixed ? 'i16' : 'f32';
    const ap = siteOperand(this, 'Ap', p);
    const e = siteOperand(this, 'E');
    const es = siteOperand(this, 'Es');
    const n = N * T * S * H;
    const m = (pass: MacEntry['pass'], operands: string): MacEntry => ({
      pass,
      layer: this.name,
      operands,
      macs: n,
    });
    return {
      output: [T, H],
      macs: [
        m('forward', gemmKey(aq, ak)),
        m('forward', gemmKey(ap, ak)),
        m('backward dx', gemmKey(e, ak)),
        m('backward dx', gemmKey(ap, e)),
        m('backward dx', gemmKey(es, ak)),
        m('backward dx', gemmKey(es, aq)),
      ],
      savedBytes:
        N * T * H * operandBytes(aq) +
        N * S * H * operandBytes(ak) +
        N * T * S * (operandBytes(p) + operandBytes(ap)),
      nominalSavedBytes:
        (N * T * H * siteBits(this, 'Aq') + N * S * H * siteBits(this, 'Ak')) / 8 +
        N * T * S * (operandBytes(p) + siteBits(this, 'Ap') / 8),
      workspaceBytes: 0,
    };
  }

  forward(): Tensor {
    throw new Error(
      `${this.name}: attention takes two inputs: call attend(queries, states, lengths, ctx)`,
    );
  }

  backward(): Tensor {
    throw new Error(`${this.name}: call attendBackward(dctx, ctx)`);
  }

  /** Attention weights of the last training forward, (N, T, S) (for inspection). */
  weights(): Float32Array | null {
    const p = this.saved?.p;
    return p ? weightValues(p) : null;
  }

  // q (N,T,H), kv (N,S,H), lengths (N) valid source steps -> context (N,T,H) f32
  attend(q: Tensor, kv: Tensor, lengths: Int32Array, ctx: RunContext): Tensor {
    const H = this.hidden;
    if (
      q.shape.length !== 3 ||
      kv.shape.length !== 3 ||
      q.shape[2] !== H ||
      kv.shape[2] !== H ||
      q.shape[0] !== kv.shape[0]
    ) {
      throw new Error(
        `${this.name}: expected queries (N, T, ${H}) and states (N, S, ${H}), got [${q.shape.join(', ')}] and [${kv.shape.join(', ')}]`,
      );
    }
    const [N, T] = q.shape;
    const S = kv.shape[1];
    if (lengths.length !== N)
      throw new Error(`${this.name}: ${lengths.length} lengths for a batch of ${N}`);
    const qh = this.quant('Aq', reshape(q, [N * T, H]), ctx);
    const kh = this.quant('Ak', reshape(kv, [N * S, H]), ctx);
    const valid = new Int32Array(N * T);
    for (let n = 0; n < N; n++)
      valid.fill(Math.max(1, Math.min(S, lengths[n])), n * T, (n + 1) * T);
    // One head; the states are both keys and values.
    const inputs = { qh, kh, vh: kh, B: N, T, S, valid, pInWorkspace: true };
    const { out, saved } = attendCore(this.name, this.site, inputs, ctx);
    if (ctx.training) this.saved = saved;
    return floatTensor([N, T, H], out);
  }

  // dctx (N,T,H) -> dq (N,T,H), dkv (N,S,H), f32
  attendBackward(dctx: Tensor, ctx: RunContext): { dq: Tensor; dkv: Tensor } {
    const s = this.saved;
    if (!s) throw new Error(`${this.name}: backward without a training forward`);
    const { B: N, T, S } = s;
    const H = this.hidden;
    const eh = this.quant('E', reshape(dctx, [N * T, H]), ctx);
    const { dq, dk, dv } = attendCoreBackward(this.name, this.site, s, eh, ctx);
    // The states were keys and values: their error is the sum of both.
    for (let i = 0; i < dv.length; i++) dv[i] += dk[i];
    return { dq: floatTensor([N, T, H], dq), dkv: floatTensor([N, S, H], dv) };
  }

  override clearSaved(): void {
    this.saved = null;
  }
}
