// SPDX-License-Identifier: MIT
// The one scaled dot-product attention core: the two products and the softmax over B blocks
// (a block is one sample's head: B = N for DotAttention, N*heads for ScaledDotAttention) of
// already quantized operands. The sites Ap (the weights P) and Es (the score error) are passed
// through the layer's `site`. With q and k fixed-point the softmax is the integer kernel
// softmax_fixed (P in Q0.15, within 2^-12 of float; kernels/ref/softmax.ts) and its backward
// softmax_bwd; otherwise both run in float64 per row, stored as float32.
//   forward:  S_b = q_b k_b^T / sqrt(dh) (T,S);  P = softmax over the valid keys of each row;
//             o_b = Ap(P_b) v_b (T,dh)
//   backward: dP_b = e_b v_b^T;  dv_b = Ap(P_b)^T e_b;  dS = P (dP - sum P dP) / sqrt(dh);
//             dq_b = Es(dS_b) k_b;  dk_b = Es(dS_b)^T q_b

import type { RunContext } from './context.js';
import { matmul, rows } from './matmul.js';
import { stepArray } from './arrays.js';
import { V_FRAC, Z_FRAC } from '../kernels/ref/fixed-functions.js';
import { dequantize, fixedTensor, floatTensor, type Tensor } from '../tensor/tensor.js';

/** Passes x through one of the layer's sites (Ap or Es). */
export type AttentionSite = (name: 'Ap' | 'Es', x: Tensor, ctx: RunContext) => Tensor;

export interface CoreSaved {
  readonly B: number;
  readonly T: number;
  readonly S: number;
  readonly qh: Tensor; // (B*T, dh) at Aq
  readonly kh: Tensor; // (B*S, dh) at Ak
  readonly vh: Tensor; // (B*S, dh) at Av (DotAttention: the keys)
  readonly p: Float32Array | Int16Array; // (B, T, S) float, or Q0.15 on the fixed path
  readonly pq: Tensor; // (B*T, S) at Ap
}

export interface CoreInputs {
  readonly qh: Tensor;
  readonly kh: Tensor;
  readonly vh: Tensor;
  readonly B: number;
  readonly T: number;
  readonly S: number;
  /** Valid keys of each query row (B*T), each in 1..S. */
  readonly valid: Int32Array;
  /** Q0.15 weights in the step workspace (else an array of their own). */
  readonly pInWorkspace: boolean;
}

/** The weights P of a saved forward as values, (B, T, S). */
export function weightValues(p: Float32Array | Int16Array): Float32Array {
  return p instanceof Float32Array ? p : Float32Array.from(p, (v) => v / 32768);
}

// qh (B*T, dh), kh, vh (B*S, dh) -> o (B*T, dh) f32, and what backward needs.
export function attendCore(
  name: string,
  site: AttentionSite,
  c: CoreInputs,
  ctx: RunContext,
): { out: Float32Array; saved: CoreSaved } {
  const { qh, kh, vh, B, T, S, valid } = c;
  const dh = qh.shape[1];
  const kr = ctx.kernels;
  const scale = 1 / Math.sqrt(dh);
  const fixed = qh.kind === 'fixed' && kh.kind === 'fixed';
  const p = fixed
    ? c.pInWorkspace
      ? stepArray(ctx, 'int16', B * T * S, false)
      : new Int16Array(B * T * S)
    : new Float32Array(B * T * S);
  for (let b = 0; b < B; b++) {
    const sc = matmul(
      kr,
      { M: T, N: S, K: dh, transB: true },
      rows(qh, b * T, (b + 1) * T),
      rows(kh, b * S, (b + 1) * S),
      ctx,
    );
    if (p instanceof Int16Array) {
      if (sc.kind !== 'fixed' || sc.mant instanceof Int8Array || sc.mant instanceof Int16Array)
        throw new Error(`${name}: fixed-point scores must be an int32 or float64 accumulator`);
      const mult = 2 ** (sc.exp + Z_FRAC) * scale;
      const vb = valid.subarray(b * T, (b + 1) * T);
      // One call for the block when its rows share a key count (no causal mask); the kernel
      // works row by row, so the weights are the same either way.
      if (vb.every((v) => v === vb[0])) {
        kr.softmax_fixed(sc.mant, T, S, vb[0], mult, p.subarray(b * T * S, (b + 1) * T * S));
        continue;
      }
      for (let t = 0; t < T; t++) {
        const po = (b * T + t) * S;
        const row = sc.mant.subarray(t * S, (t + 1) * S);
        kr.softmax_fixed(row, 1, S, vb[t], mult, p.subarray(po, po + S));
      }
      continue;
    }
    const sv = dequantize(sc);
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * S;
      const L = valid[b * T + t];
      let mx = -Infinity;
      for (let s = 0; s < L; s++) mx = Math.max(mx, sv[t * S + s] * scale);
      let sum = 0;
      for (let s = 0; s < L; s++) sum += p[o + s] = Math.exp(sv[t * S + s] * scale - mx);
      for (let s = 0; s < L; s++) p[o + s] /= sum;
    }
  }
  const P =
    p instanceof Int16Array ? fixedTensor([B * T, S], p, -V_FRAC, 16) : floatTensor([B * T, S], p);
  const pq = site('Ap', P, ctx);
  const out = new Float32Array(B * T * dh);
  for (let b = 0; b < B; b++) {
    const o = matmul(
      kr,
      { M: T, N: dh, K: S },
      rows(pq, b * T, (b + 1) * T),
      rows(vh, b * S, (b + 1) * S),
      ctx,
    );
    out.set(dequantize(o), b * T * dh);
  }
  return { out, saved: { B, T, S, qh, kh, vh, p, pq } };
}

// eh (B*T, dh) the E-quantized output error -> dq (B*T, dh), dk, dv (B*S, dh) f32.
export function attendCoreBackward(
  name: string,
  site: AttentionSite,
  s: CoreSaved,
  eh: Tensor,
  ctx: RunContext,
): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { B, T, S, qh, kh, vh, p, pq } = s;
  const dh = qh.shape[1];
  const kr = ctx.kernels;
  const dv = new Float32Array(B * S * dh);
  const ds = new Float32Array(B * T * S);
  const scale = 1 / Math.sqrt(dh);
  for (let b = 0; b < B; b++) {
    const en = rows(eh, b * T, (b + 1) * T);
    const vn = rows(vh, b * S, (b + 1) * S);
    const dp = matmul(kr, { M: T, N: S, K: dh, transB: true }, en, vn, ctx);
    const pn = rows(pq, b * T, (b + 1) * T);
    dv.set(dequantize(matmul(kr, { M: S, N: dh, K: T, transA: true }, pn, en, ctx)), b * S * dh);
    const o = b * T * S;
    if (p instanceof Int16Array) {
      const d = dp.kind === 'fixed' ? dp.mant : dp.data;
      if (d instanceof Int8Array || d instanceof Int16Array)
        throw new Error(`${name}: the score error must be an accumulator or float32`);
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
  const dsq = site('Es', floatTensor([B * T, S], ds), ctx);
  const dq = new Float32Array(B * T * dh);
  const dk = new Float32Array(B * S * dh);
  for (let b = 0; b < B; b++) {
    const dn = rows(dsq, b * T, (b + 1) * T);
    const kn = rows(kh, b * S, (b + 1) * S);
    const qn = rows(qh, b * T, (b + 1) * T);
    dq.set(dequantize(matmul(kr, { M: T, N: dh, K: S }, dn, kn, ctx)), b * T * dh);
    dk.set(dequantize(matmul(kr, { M: S, N: dh, K: T, transA: true }, dn, qn, ctx)), b * S * dh);
  }
  return { dq, dk, dv };
}
