// SPDX-License-Identifier: MIT
// The LSTM's float path (some GEMM operand is float32): each step's gates and cell state are
// the kernel lstm_fwd_float (float64 arithmetic on the float32 GEMM results with lowbit's own
// sigmoid and tanh, stored as float32; arithmetic in kernels/ref/lstm-float.ts), its backward
// lstm_bwd_float; the same sites as the fixed path. Layout (T, N, .): the rows of one step are
// contiguous, and h_{-1}, h_0, ... are one (T+1, N, H) array, so each step's Ah input is a view
// (no copy) and, when Ah passes h as it is, dWh is one float32 GEMM over all steps.
// See lstm.ts.

import type { RunContext } from './context.js';
import type { LstmCore, LstmState } from './lstm-core.js';
import { matmul } from './matmul.js';
import { stepArray } from './arrays.js';
import { dequantize, floatTensor, type Tensor } from '../tensor/tensor.js';

export interface FloatSaved {
  readonly kind: 'float';
  readonly hq: Tensor[]; // per t: Ah(h_{t-1}) (N, H), a view of the forward's h_{t-1} rows
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
  lens: Int32Array | null,
  ctx: RunContext,
): { out: Float32Array; final: LstmState; saved: FloatSaved | null } {
  const H = l.hiddenSize;
  const G4 = 4 * H;
  const NH = N * H;
  const k = ctx.kernels;
  const gxv = dequantize(gx);
  const bias = l.bias.value;
  const train = ctx.training;
  // Outside training only the current step's gates and two cell states are kept.
  const hs = stepArray(ctx, 'float32', (T + 1) * NH, false);
  const cs = stepArray(ctx, 'float32', (train ? T + 1 : 2) * NH, false);
  const act = stepArray(ctx, 'float32', (train ? T : 1) * N * G4, false);
  const tcs = stepArray(ctx, 'float32', (train ? T : 1) * NH, false);
  if (initial) {
    hs.set(initial.h);
    cs.set(initial.c);
  } else {
    hs.fill(0, 0, NH);
    cs.fill(0, 0, NH);
  }
  const at = (a: Float32Array, w: number, i: number) => a.subarray(i * w, (i + 1) * w);
  const hqs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const hPrev = at(hs, NH, t);
    const hq = l.site('Ah', floatTensor([N, H], hPrev), ctx);
    if (train) hqs.push(hq);
    const gh = dequantize(matmul(k, { M: N, N: G4, K: H, transB: true }, hq, whq, ctx));
    const st = train ? t : 0;
    k.lstm_fwd_float(
      { N, H, t, lens },
      at(gxv, N * G4, t),
      gh,
      bias,
      hPrev,
      at(cs, NH, train ? t : t & 1),
      at(act, N * G4, st),
      at(tcs, NH, st),
      at(hs, NH, t + 1),
      at(cs, NH, train ? t + 1 : (t + 1) & 1),
    );
  }
  const final = {
    h: hs.slice(T * NH),
    c: at(cs, NH, train ? T : T & 1).slice(),
  };
  return {
    out: hs.subarray(NH),
    final,
    saved: train ? { kind: 'float', hq: hqs, act, c: cs, tc: tcs } : null,
  };
}

/**
 * h_{-1} .. h_{T-2} as one (T*N, H) view when every hq is float and step t's is the rows right
 * after step t-1's (Ah passed h as it is: views of the forward's stacked h), else null.
 */
function stackedHq(s: FloatSaved, NH: number): Float32Array | null {
  const q0 = s.hq[0];
  if (!q0 || q0.kind !== 'float') return null;
  const base = q0.data;
  const ok = s.hq.every(
    (q, t) =>
      q.kind === 'float' &&
      q.data.buffer === base.buffer &&
      q.data.byteOffset === base.byteOffset + t * NH * 4 &&
      q.data.length === NH,
  );
  return ok ? new Float32Array(base.buffer, base.byteOffset, s.hq.length * NH) : null;
}

// ey(t): the output error of step t (N, H), or null; the error on the final state (N, H) or
// null -> DZ (T*N, 4H) the Eh-quantized gate errors as values, dWh (4H, H) f32, and the error
// on the initial state (N, H).
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
): { DZ: Float32Array; dWh: Float32Array; dInitial: LstmState } {
  const H = l.hiddenSize;
  const G4 = 4 * H;
  const NH = N * H;
  const k = ctx.kernels;
  const dh = stepArray(ctx, 'float32', NH);
  const dc = stepArray(ctx, 'float32', NH);
  if (dFinal) {
    dh.set(dFinal.h);
    dc.set(dFinal.c);
  }
  const DZ = stepArray(ctx, 'float32', T * N * G4, false);
  // dWh = sum over t of Eh(dz_t)^T Ah(h_{t-1}). When every Ah(h_{t-1}) is h_{t-1} itself, a
  // float32 GEMM takes the dequantized Eh values whatever their kind: one GEMM over the
  // stacked steps after the loop (DZ holds the Eh values, hqs the h). Else one per step.
  const hqs = stackedHq(s, NH);
  let dWh = hqs ? null : stepArray(ctx, 'float32', G4 * H);
  const at = (a: Float32Array, w: number, i: number) => a.subarray(i * w, (i + 1) * w);
  let dhp: Float32Array | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const dz = at(DZ, N * G4, t);
    k.lstm_bwd_float(
      { N, H, t, lens },
      dhp,
      ey(t),
      at(s.act, N * G4, t),
      at(s.tc, NH, t),
      at(s.c, NH, t),
      dh,
      dc,
      dz,
    );
    const dzq = l.site('Eh', floatTensor([N, G4], dz), ctx);
    if (dzq.kind !== 'float' || dzq.data !== dz) dz.set(dequantize(dzq));
    if (dWh) {
      const g = matmul(k, { M: G4, N: H, K: N, transA: true }, dzq, s.hq[t], ctx);
      k.add_inplace_f32(dWh, dequantize(g));
    }
    dhp = dequantize(matmul(k, { M: N, N: H, K: G4 }, dzq, whq, ctx));
  }
  if (!dWh) {
    const dzs = floatTensor([T * N, G4], DZ);
    const hsq = floatTensor([T * N, H], hqs!);
    dWh = dequantize(matmul(k, { M: G4, N: H, K: T * N, transA: true }, dzs, hsq, ctx));
  }
  // The error on the initial state: dh_{-1} on rows live at step 0 (the others carried it).
  const dh0 = dh.slice();
  if (dhp)
    for (let n = 0; n < N; n++)
      if (!lens || lens[n] > 0) dh0.set(dhp.subarray(n * H, (n + 1) * H), n * H);
  return { DZ, dWh, dInitial: { h: dh0, c: dc.slice() } };
}
