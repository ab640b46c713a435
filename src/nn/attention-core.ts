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
import { matmulBatch } from './matmul.js';
import { stepArray, stepValues } from './arrays.js';
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

// qh (B*T, dh), kh, vh (B*S, dh) -> o (B*T, dh) f32, and what backward needs. Each product
// is one batched GEMM over the B blocks (matmulBatch), the fixed softmax one kernel call.
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
  // sc (B*T, S): block b = q_b k_b^T
  const sc = matmulBatch(kr, { M: T, N: S, K: dh, transB: true }, B, qh, kh, ctx);
  let p: Float32Array | Int16Array;
  if (fixed) {
    if (sc.kind !== 'fixed' || sc.mant instanceof Int8Array || sc.mant instanceof Int16Array)
      throw new Error(`${name}: fixed-point scores must be an int32 or float64 accumulator`);
    p = c.pInWorkspace ? stepArray(ctx, 'int16', B * T * S, false) : new Int16Array(B * T * S);
    // Every row at once: the kernel works row by row with each row's own key count.
    kr.softmax_fixed(sc.mant, B * T, S, valid, 2 ** (sc.exp + Z_FRAC) * scale, p);
  } else {
    p = new Float32Array(B * T * S);
    const sv = dequantize(sc);
    for (let r = 0; r < B * T; r++) {
      const o = r * S;
      const L = valid[r];
      let mx = -Infinity;
      for (let s = 0; s < L; s++) mx = Math.max(mx, sv[o + s] * scale);
      let sum = 0;
      for (let s = 0; s < L; s++) sum += p[o + s] = Math.exp(sv[o + s] * scale - mx);
      for (let s = 0; s < L; s++) p[o + s] /= sum;
    }
  }
  const P =
    p instanceof Int16Array ? fixedTensor([B * T, S], p, -V_FRAC, 16) : floatTensor([B * T, S], p);
  const pq = site('Ap', P, ctx);
  // out (B*T, dh): block b = Ap(P_b) v_b
  const out = stepValues(matmulBatch(kr, { M: T, N: dh, K: S }, B, pq, vh, ctx), ctx);
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
  const scale = 1 / Math.sqrt(dh);
  // dp (B*T, S): block b = e_b v_b^T; dv (B*S, dh): block b = P_b^T e_b
  const dp = matmulBatch(kr, { M: T, N: S, K: dh, transB: true }, B, eh, vh, ctx);
  const dv = stepValues(matmulBatch(kr, { M: S, N: dh, K: T, transA: true }, B, pq, eh, ctx), ctx);
  const ds = stepArray(ctx, 'float32', B * T * S);
  if (p instanceof Int16Array) {
    const d = dp.kind === 'fixed' ? dp.mant : dp.data;
    if (d instanceof Int8Array || d instanceof Int16Array)
      throw new Error(`${name}: the score error must be an accumulator or float32`);
    const scaleD = dp.kind === 'fixed' ? 2 ** dp.exp : 1;
    kr.softmax_bwd(p, d, scaleD, B * T, S, scale, ds);
  } else {
    const dpv = dequantize(dp);
    for (let r = 0; r < B * T * S; r += S) {
      let dot = 0;
      for (let j = 0; j < S; j++) dot += p[r + j] * dpv[r + j];
      for (let j = 0; j < S; j++) ds[r + j] = p[r + j] * (dpv[r + j] - dot) * scale;
    }
  }
  const dsq = site('Es', floatTensor([B * T, S], ds), ctx);
  // dq (B*T, dh): block b = Es(dS_b) k_b; dk (B*S, dh): block b = Es(dS_b)^T q_b
  const dq = stepValues(matmulBatch(kr, { M: T, N: dh, K: S }, B, dsq, kh, ctx), ctx);
  const dk = stepValues(matmulBatch(kr, { M: S, N: dh, K: T, transA: true }, B, dsq, qh, ctx), ctx);
  return { dq, dk, dv };
}
