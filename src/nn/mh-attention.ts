// SPDX-License-Identifier: MIT
// Multi-head scaled dot-product attention core (Vaswani et al. 2017), with separate keys and
// values, padded keys masked out and an optional causal mask (query t sees keys 0..t). The
// Q/K/V/O projections live in MultiHeadAttention (nn/mha.ts); this layer holds the two
// products and the softmax. Sites (role sites, each with its own quantizer state, see
// quant/site.ts): Aq (queries), Ak (keys), Av (values), Ap (attention weights P), E (the
// incoming error) and Es (the score error), so all four products per head are mantissa GEMMs
// when the scheme makes them fixed-point. With Aq and Ak fixed the softmax is the integer
// kernel softmax_fixed (P in Q0.15) and its backward softmax_bwd, as in DotAttention.
// Heads are column blocks of D = heads * dh; they are gathered into (N*heads*T, dh) row blocks
// so each (sample, head) is a contiguous GEMM operand.
//   forward:  S_b = Aq(q_b) Ak(k_b)^T / sqrt(dh) (T,S); P = softmax over valid keys;
//             o_b = Ap(P_b) Av(v_b) (T,dh)
//   backward: dP_b = E(do_b) v_b^T; dv_b = P_b^T E(do_b); dS = P (dP - sum P dP) / sqrt(dh);
//             dq_b = Es(dS_b) k_b; dk_b = Es(dS_b)^T q_b

import { Layer } from './layer.js';
import type { RunContext } from './context.js';
import { like, sameKind, storage } from './arrays.js';
import { matmul, rows } from './matmul.js';
import { V_FRAC, Z_FRAC } from '../kernels/ref/fixed-functions.js';
import type { AnyArray } from '../kernels/spec.js';
import { dequantize, fixedTensor, floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
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
): T {
  const out = like(src, src.length);
  const D = heads * dh;
  for (let n = 0; n < N; n++)
    for (let l = 0; l < L; l++)
      for (let h = 0; h < heads; h++) {
        const a = (n * L + l) * D + h * dh; // (n, l, h*dh)
        const b = ((n * heads + h) * L + l) * dh; // (n, h, l, :)
        if (inverse) out.set(src.subarray(b, b + dh), a);
        else out.set(src.subarray(a, a + dh), b);
      }
  return out;
}

function toHeads(t: Tensor, N: number, L: number, heads: number, dh: number): Tensor {
  return sameKind(t, [N * heads * L, dh], permuteHeads(storage(t), N, L, heads, dh));
}

interface Saved {
  readonly N: number;
  readonly T: number;
  readonly S: number;
  readonly qh: Tensor; // (N*heads*T, dh)
  readonly kh: Tensor; // (N*heads*S, dh)
  readonly vh: Tensor; // (N*heads*S, dh)
  readonly p: Float32Array | Int16Array; // (N*heads, T, S)
  readonly pq: Tensor; // (N*heads*T, S)
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
    if (!p) return null;
    return p instanceof Float32Array ? p : Float32Array.from(p, (v) => v / 32768);
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
    const kr = ctx.kernels;
    const qh = toHeads(this.quant('Aq', reshape(q, [N * T, D]), ctx), N, T, H, dh);
    const kh = toHeads(this.quant('Ak', reshape(k, [N * S, D]), ctx), N, S, H, dh);
    const vh = toHeads(this.quant('Av', reshape(v, [N * S, D]), ctx), N, S, H, dh);
    const scale = 1 / Math.sqrt(dh);
    const B = N * H;
    const fixed = qh.kind === 'fixed' && kh.kind === 'fixed';
    const p = fixed ? new Int16Array(B * T * S) : new Float32Array(B * T * S);
    const valid = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const L = Math.max(1, Math.min(S, lengths[Math.floor(b / H)]));
      for (let t = 0; t < T; t++) valid[b * T + t] = this.causal ? Math.min(L, t + 1) : L;
      const sc = matmul(
        kr,
        { M: T, N: S, K: dh, transB: true },
        rows(qh, b * T, (b + 1) * T),
        rows(kh, b * S, (b + 1) * S),
        ctx,
      );
      if (p instanceof Int16Array) {
        if (sc.kind !== 'fixed' || sc.mant instanceof Int8Array || sc.mant instanceof Int16Array)
          throw new Error(
            `${this.name}: fixed-point scores must be an int32 or float64 accumulator`,
          );
        const mult = 2 ** (sc.exp + Z_FRAC) * scale;
        for (let t = 0; t < T; t++) {
          const o = t * S;
          const po = (b * T + t) * S;
          kr.softmax_fixed(
            sc.mant.subarray(o, o + S),
            1,
            S,
            valid[b * T + t],
            mult,
            p.subarray(po, po + S),
          );
        }
        continue;
      }
      const sv = dequantize(sc);
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * S;
        const Lt = valid[b * T + t];
        let mx = -Infinity;
        for (let s = 0; s < Lt; s++) mx = Math.max(mx, sv[t * S + s] * scale);
        let sum = 0;
        for (let s = 0; s < Lt; s++) sum += p[o + s] = Math.exp(sv[t * S + s] * scale - mx);
        for (let s = 0; s < Lt; s++) p[o + s] /= sum;
      }
    }
    const P =
      p instanceof Int16Array
        ? fixedTensor([B * T, S], p, -V_FRAC, 16)
        : floatTensor([B * T, S], p);
    const pq = this.quant('Ap', P, ctx);
    const oh = new Float32Array(B * T * dh);
    for (let b = 0; b < B; b++) {
      const c = matmul(
        kr,
        { M: T, N: dh, K: S },
        rows(pq, b * T, (b + 1) * T),
        rows(vh, b * S, (b + 1) * S),
        ctx,
      );
      oh.set(dequantize(c), b * T * dh);
    }
    if (ctx.training) this.saved = { N, T, S, qh, kh, vh, p, pq, valid };
    return floatTensor([N, T, D], permuteHeads(oh, N, T, H, dh, true));
  }

  // dout (N,T,D) -> dq (N,T,D), dk, dv (N,S,D), f32
  attendBackward(dout: Tensor, ctx: RunContext): { dq: Tensor; dk: Tensor; dv: Tensor } {
    const s = this.saved;
    if (!s) throw new Error(`${this.name}: backward without a training forward`);
    const { N, T, S, qh, kh, vh, p, pq } = s;
    const D = this.dim;
    const H = this.heads;
    const dh = D / H;
    const B = N * H;
    const kr = ctx.kernels;
    const eh = toHeads(this.quant('E', reshape(dout, [N * T, D]), ctx), N, T, H, dh);
    const dv = new Float32Array(B * S * dh);
    const ds = new Float32Array(B * T * S);
    const scale = 1 / Math.sqrt(dh);
    for (let b = 0; b < B; b++) {
      const en = rows(eh, b * T, (b + 1) * T);
      const dp = matmul(
        kr,
        { M: T, N: S, K: dh, transB: true },
        en,
        rows(vh, b * S, (b + 1) * S),
        ctx,
      );
      dv.set(
        dequantize(
          matmul(kr, { M: S, N: dh, K: T, transA: true }, rows(pq, b * T, (b + 1) * T), en, ctx),
        ),
        b * S * dh,
      );
      const o = b * T * S;
      if (p instanceof Int16Array) {
        const d = dp.kind === 'fixed' ? dp.mant : dp.data;
        if (d instanceof Int8Array || d instanceof Int16Array)
          throw new Error(`${this.name}: the score error must be an accumulator or float32`);
        const scaleD = dp.kind === 'fixed' ? 2 ** dp.exp : 1;
        kr.softmax_bwd(p.subarray(o, o + T * S), d, scaleD, T, S, scale, ds.subarray(o, o + T * S));
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
    const dsq = this.quant('Es', floatTensor([B * T, S], ds), ctx);
    const dq = new Float32Array(B * T * dh);
    const dk = new Float32Array(B * S * dh);
    for (let b = 0; b < B; b++) {
      const dn = rows(dsq, b * T, (b + 1) * T);
      dq.set(
        dequantize(matmul(kr, { M: T, N: dh, K: S }, dn, rows(kh, b * S, (b + 1) * S), ctx)),
        b * T * dh,
      );
      dk.set(
        dequantize(
          matmul(kr, { M: S, N: dh, K: T, transA: true }, dn, rows(qh, b * T, (b + 1) * T), ctx),
        ),
        b * S * dh,
      );
    }
    return {
      dq: floatTensor([N, T, D], permuteHeads(dq, N, T, H, dh, true)),
      dk: floatTensor([N, S, D], permuteHeads(dk, N, S, H, dh, true)),
      dv: floatTensor([N, S, D], permuteHeads(dv, N, S, H, dh, true)),
    };
  }

  override clearSaved(): void {
    this.saved = null;
  }
}
