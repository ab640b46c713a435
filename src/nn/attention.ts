// SPDX-License-Identifier: MIT
// Scaled dot-product attention of decoder states over encoder states (Luong et al. 2015
// "dot", scaled by 1/sqrt(H) as in Vaswani et al.), with masking of padded source positions.
// Sites (role sites of A and E, see quant/site.ts, each with its own quantizer state): Aq
// (queries), Ak (keys/values), Ap (the attention weights P), so both products are mantissa
// GEMMs; E (the incoming error) and Es (the score error). When the scores are fixed-point
// (Aq, Ak fixed) the softmax is the integer kernel softmax_fixed (P in Q0.15, within 2^-12 of
// float; kernels/ref/softmax.ts) and its backward the softmax_bwd kernel; otherwise both run
// in float.
//   forward:  S_n = Aq(q_n) Ak(kv_n)^T / sqrt(H)  (T,S);  P = softmax over valid s;
//             ctx_n = Ap(P_n) Ak(kv_n)  (T,H)
//   backward: dP_n = E(dctx_n) kv_n^T;  dV_n = P_n^T E(dctx_n);  dS = P (dP - sum P dP) / sqrt(H);
//             dq_n = Es(dS_n) kv_n;  dK_n = Es(dS_n)^T q_n;  dkv = dV + dK
// It has two inputs, so it is driven by `attend` / `attendBackward`, not forward/backward.

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { matmul, rows } from './matmul.js';
import { stepArray } from './arrays.js';
import { V_FRAC, Z_FRAC } from '../kernels/ref/fixed-functions.js';
import { dequantize, fixedTensor, floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
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

interface Saved {
  readonly N: number;
  readonly T: number;
  readonly S: number;
  readonly qq: Tensor; // (N*T, H)
  readonly kq: Tensor; // (N*S, H)
  readonly p: Float32Array | Int16Array; // (N, T, S) float, or Q0.15 on the fixed path
  readonly pq: Tensor; // (N*T, S)
}

export class DotAttention extends Layer {
  readonly kind = 'attention';
  override readonly siteNames = ['Aq', 'Ak', 'Ap', 'E', 'Es'] as const;
  private saved: Saved | null = null;

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
    if (!p) return null;
    return p instanceof Float32Array ? p : Float32Array.from(p, (v) => v / 32768);
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
    const k = ctx.kernels;
    const qq = this.quant('Aq', reshape(q, [N * T, H]), ctx);
    const kq = this.quant('Ak', reshape(kv, [N * S, H]), ctx);
    const scale = 1 / Math.sqrt(H);
    const fixed = qq.kind === 'fixed' && kq.kind === 'fixed';
    const p = fixed ? stepArray(ctx, 'int16', N * T * S, false) : new Float32Array(N * T * S);
    for (let n = 0; n < N; n++) {
      const sc = matmul(
        k,
        { M: T, N: S, K: H, transB: true },
        rows(qq, n * T, (n + 1) * T),
        rows(kq, n * S, (n + 1) * S),
        ctx,
      );
      const L = Math.max(1, Math.min(S, lengths[n]));
      if (p instanceof Int16Array) {
        if (sc.kind !== 'fixed' || sc.mant instanceof Int8Array || sc.mant instanceof Int16Array)
          throw new Error(
            `${this.name}: fixed-point scores must be an int32 or float64 accumulator`,
          );
        const pn = p.subarray(n * T * S, (n + 1) * T * S);
        k.softmax_fixed(sc.mant, T, S, L, 2 ** (sc.exp + Z_FRAC) * scale, pn);
        continue;
      }
      const sv = dequantize(sc);
      for (let t = 0; t < T; t++) {
        const o = (n * T + t) * S;
        let mx = -Infinity;
        for (let s = 0; s < L; s++) mx = Math.max(mx, sv[t * S + s] * scale);
        let sum = 0;
        for (let s = 0; s < L; s++) sum += p[o + s] = Math.exp(sv[t * S + s] * scale - mx);
        for (let s = 0; s < L; s++) p[o + s] /= sum;
      }
    }
    const P =
      p instanceof Int16Array
        ? fixedTensor([N * T, S], p, -V_FRAC, 16)
        : floatTensor([N * T, S], p);
    const pq = this.quant('Ap', P, ctx);
    const out = new Float32Array(N * T * H);
    for (let n = 0; n < N; n++) {
      const c = matmul(
        k,
        { M: T, N: H, K: S },
        rows(pq, n * T, (n + 1) * T),
        rows(kq, n * S, (n + 1) * S),
      );
      out.set(dequantize(c), n * T * H);
    }
    if (ctx.training) this.saved = { N, T, S, qq, kq, p, pq };
    return floatTensor([N, T, H], out);
  }

  // dctx (N,T,H) -> dq (N,T,H), dkv (N,S,H), f32
  attendBackward(dctx: Tensor, ctx: RunContext): { dq: Tensor; dkv: Tensor } {
    const s = this.saved;
    if (!s) throw new Error(`${this.name}: backward without a training forward`);
    const { N, T, S, qq, kq, p, pq } = s;
    const H = this.hidden;
    const k = ctx.kernels;
    const eq = this.quant('E', reshape(dctx, [N * T, H]), ctx);
    const dkv = new Float32Array(N * S * H);
    const ds = new Float32Array(N * T * S);
    const scale = 1 / Math.sqrt(H);
    for (let n = 0; n < N; n++) {
      const en = rows(eq, n * T, (n + 1) * T);
      const kn = rows(kq, n * S, (n + 1) * S);
      const dp = matmul(k, { M: T, N: S, K: H, transB: true }, en, kn, ctx);
      const dv = dequantize(
        matmul(k, { M: S, N: H, K: T, transA: true }, rows(pq, n * T, (n + 1) * T), en),
      );
      dkv.set(dv, n * S * H);
      const o = n * T * S;
      if (p instanceof Int16Array) {
        const d = dp.kind === 'fixed' ? dp.mant : dp.data;
        if (d instanceof Int8Array || d instanceof Int16Array)
          throw new Error(`${this.name}: the score error must be an accumulator or float32`);
        const scaleD = dp.kind === 'fixed' ? 2 ** dp.exp : 1;
        k.softmax_bwd(p.subarray(o, o + T * S), d, scaleD, T, S, scale, ds.subarray(o, o + T * S));
        continue;
      }
      const dpv = dequantize(dp);
      for (let t = 0; t < T; t++) {
        const r = o + t * S;
        let dot = 0;
        for (let j = 0; j < S; j++) dot += p[r + j] * dpv[t * S + j];
        for (let j = 0; j < S; j++) ds[r + j] = p[r + j] * (dpv[t * S + j] - dot) * scale;
      }
    }
    const dsq = this.quant('Es', floatTensor([N * T, S], ds), ctx);
    const dq = new Float32Array(N * T * H);
    for (let n = 0; n < N; n++) {
      const dn = rows(dsq, n * T, (n + 1) * T);
      dq.set(
        dequantize(matmul(k, { M: T, N: H, K: S }, dn, rows(kq, n * S, (n + 1) * S))),
        n * T * H,
      );
      const dk = dequantize(
        matmul(k, { M: S, N: H, K: T, transA: true }, dn, rows(qq, n * T, (n + 1) * T)),
      );
      for (let i = 0; i < S * H; i++) dkv[n * S * H + i] += dk[i];
    }
    return { dq: floatTensor([N, T, H], dq), dkv: floatTensor([N, S, H], dkv) };
  }

  override clearSaved(): void {
    this.saved = null;
  }
}
