// SPDX-License-Identifier: MIT
// The LSTM's float path (some GEMM operand is float32): gates and cell state in float64
// arithmetic on the dequantized GEMM results, stored as float32; the same sites as the fixed
// path. Layout (T, N, .): the rows of one step are contiguous. See lstm.ts.

import type { RunContext } from './context.js';
import type { LstmCore, LstmState } from './lstm-core.js';
import { matmul } from './matmul.js';
import { dequantize, floatTensor, type Tensor } from '../tensor/tensor.js';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export interface FloatSaved {
  readonly kind: 'float';
  readonly hq: Tensor[]; // per t: Ah(h_{t-1}) (N, H)
  readonly act: Float32Array; // (T, N, 4H) gates i, f, g, o
  readonly c: Float32Array; // (T+1, N, H): c_{-1}, c_0, ...
  readonly tc: Float32Array; // (T, N, H) tanh(c_t)
}

// gx (T*N, 4H) = Ax(x) Wx^T, whq = Wh(W_hh), the initial state (N, H) or null for zeros, the
// valid steps per row or null -> h_t (T, N, H) f32 and the final state (N, H).
export function forwardFloat(
  l: LstmCore,
  T: number,
  N: number,
  gx: Tensor,
  whq: Tensor,
  initial: LstmState | null,
  len: Int32Array | null,
  ctx: RunContext,
): { out: Float32Array; final: LstmState; saved: FloatSaved | null } {
  const H = l.hiddenSize;
  const G4 = 4 * H;
  const k = ctx.kernels;
  const gxv = dequantize(gx);
  const bias = l.bias.value;
  const h = initial ? Float32Array.from(initial.h) : new Float32Array(N * H);
  const c = initial ? Float32Array.from(initial.c) : new Float32Array(N * H);
  const train = ctx.training;
  const act = train ? new Float32Array(T * N * G4) : new Float32Array(N * G4);
  const cs = train ? new Float32Array((T + 1) * N * H) : new Float32Array(0);
  const tcs = train ? new Float32Array(T * N * H) : new Float32Array(0);
  const hqs: Tensor[] = [];
  if (train) cs.set(c, 0);
  const out = new Float32Array(T * N * H);
  for (let t = 0; t < T; t++) {
    // A copy: h is updated in place below, and an unbound site returns its input as is.
    const hq = l.site('Ah', floatTensor([N, H], h.slice()), ctx);
    if (train) hqs.push(hq);
    const gh = dequantize(matmul(k, { M: N, N: G4, K: H, transB: true }, hq, whq));
    const ao = train ? t * N * G4 : 0;
    for (let n = 0; n < N; n++) {
      const hn = n * H;
      if (!len || t < len[n]) {
        const zo = (t * N + n) * G4;
        const go = n * G4;
        const a = ao + n * G4;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(gxv[zo + j] + gh[go + j] + bias[j]);
          const f = sigmoid(gxv[zo + H + j] + gh[go + H + j] + bias[H + j]);
          const g = Math.tanh(gxv[zo + 2 * H + j] + gh[go + 2 * H + j] + bias[2 * H + j]);
          const o = sigmoid(gxv[zo + 3 * H + j] + gh[go + 3 * H + j] + bias[3 * H + j]);
          act[a + j] = i;
          act[a + H + j] = f;
          act[a + 2 * H + j] = g;
          act[a + 3 * H + j] = o;
          const cn = f * c[hn + j] + i * g;
          const tc = Math.tanh(cn);
          c[hn + j] = cn;
          h[hn + j] = o * tc;
          if (train) tcs[(t * N + n) * H + j] = tc;
        }
      }
    }
    out.set(h, t * N * H);
    if (train) cs.set(c, (t + 1) * N * H);
  }
  return {
    out,
    final: { h, c },
    saved: train ? { kind: 'float', hq: hqs, act, c: cs, tc: tcs } : null,
  };
}

// ey (T, N, H) output errors (or the final one only), the error on the final state (N, H) or
// null -> DZ (T*N, 4H) f32, dWh (4H, H) f64, and the error on the initial state (N, H).
export function backwardFloat(
  l: LstmCore,
  s: FloatSaved,
  T: number,
  N: number,
  lens: Int32Array | null,
  ey: (t: number) => Float32Array | null,
  whq: Tensor,
  dFinal: LstmState | null,
  ctx: RunContext,
): { DZ: Float32Array; dWh: Float64Array; dInitial: LstmState } {
  const H = l.hiddenSize;
  const G4 = 4 * H;
  const k = ctx.kernels;
  const dh = dFinal ? Float32Array.from(dFinal.h) : new Float32Array(N * H);
  const dc = dFinal ? Float32Array.from(dFinal.c) : new Float32Array(N * H);
  const DZ = new Float32Array(T * N * G4);
  const dWh = new Float64Array(G4 * H);
  const dz = new Float32Array(N * G4);
  for (let t = T - 1; t >= 0; t--) {
    dz.fill(0);
    const e = ey(t);
    if (e) for (let i = 0; i < N * H; i++) dh[i] += e[i];
    for (let n = 0; n < N; n++) {
      if (lens && t >= lens[n]) continue; // carried state: dh, dc pass through unchanged
      const hn = n * H;
      const a = (t * N + n) * G4;
      const zo = n * G4;
      const cp = t * N * H + hn; // c_{t-1}
      const to = (t * N + n) * H;
      for (let j = 0; j < H; j++) {
        const i = s.act[a + j];
        const f = s.act[a + H + j];
        const g = s.act[a + 2 * H + j];
        const o = s.act[a + 3 * H + j];
        const tc = s.tc[to + j];
        const dhj = dh[hn + j];
        const dcj = dc[hn + j] + dhj * o * (1 - tc * tc);
        dz[zo + j] = dcj * g * i * (1 - i);
        dz[zo + H + j] = dcj * s.c[cp + j] * f * (1 - f);
        dz[zo + 2 * H + j] = dcj * i * (1 - g * g);
        dz[zo + 3 * H + j] = dhj * tc * o * (1 - o);
        dc[hn + j] = dcj * f;
      }
    }
    const dzq = l.site('Eh', floatTensor([N, G4], dz), ctx);
    DZ.set(dequantize(dzq), t * N * G4);
    const gwh = dequantize(matmul(k, { M: G4, N: H, K: N, transA: true }, dzq, s.hq[t]));
    for (let i = 0; i < gwh.length; i++) dWh[i] += gwh[i];
    const dhp = dequantize(matmul(k, { M: N, N: H, K: G4 }, dzq, whq));
    for (let n = 0; n < N; n++) {
      if (lens && t >= lens[n]) continue;
      for (let j = 0; j < H; j++) dh[n * H + j] = dhp[n * H + j];
    }
  }
  return { DZ, dWh, dInitial: { h: dh, c: dc } };
}
