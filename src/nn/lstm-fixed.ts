// SPDX-License-Identifier: MIT
// The LSTM's fixed-point path (every GEMM operand fixed-point). Each step's gate arithmetic is
// the integer kernel lstm_fwd_fixed (formats, rounding and error bound: kernels/ref/lstm.ts):
// h_t stays Q0.15 int16 (the next Ah site requantizes it), the cell state Q.15 int32. The
// recurrent GEMMs run on mantissas into the step workspace. Backward: the gates' float32
// kernel per step, the Eh site, then dWh += Eh(dz_t)^T Ah(h_{t-1}) (exact int32 products
// summed in float64) and dh_{t-1} = Eh(dz_t) Wh. Layout (T, N, .). See lstm.ts.

import { roundNearest } from '../quant/rounding.js';
import type { RunContext } from './context.js';
import type { LstmCore, LstmState } from './lstm-core.js';
import { matmul } from './matmul.js';
import { stepArray } from './arrays.js';
import { intGemm } from '../ops/intgemm.js';
import type { AccArray } from '../kernels/spec.js';
import type { MantArray } from '../tensor/dtype.js';
import { Z_FRAC, V_FRAC } from '../kernels/ref/fixed-functions.js';
import { Z_TERM_MAX } from '../kernels/ref/lstm.js';
import {
  dequantize,
  fixedTensor,
  floatTensor,
  type FixedTensor,
  type Tensor,
} from '../tensor/tensor.js';

export interface FixedSaved {
  readonly kind: 'fixed';
  readonly hq: Tensor[]; // per t: Ah(h_{t-1}) (N, H), fixed-point
  readonly act: Int16Array; // (T, N, 4H) gates i, f, g, o, Q0.15
  readonly tc: Int16Array; // (T, N, H) tanh(c_t), Q0.15
  readonly c: Int32Array; // (T+1, N, H) c_{-1}, c_0, ... Q.15
}

const Q = 2 ** V_FRAC;

/** A float state onto Q0.15 / Q.15 (exact when it came from this path), clamped to `lim`. */
function toQ(v: Float32Array | null, out: Int16Array | Int32Array, lim: number): void {
  if (!v) {
    out.fill(0);
    return;
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-lim, Math.min(lim, Math.round(v[i] * Q)));
}

// gx (T*N, 4H) = Ax(x) Wx^T accumulators, whq = Wh(W_hh), the initial state (N, H) f32 or
// null for zeros, the valid steps per row or null -> hs (T+1, N, H) Q0.15: h_{-1}, h_0, ...,
// and the final state (N, H) f32.
export function forwardFixed(
  l: LstmCore,
  name: string,
  T: number,
  N: number,
  gx: FixedTensor,
  whq: FixedTensor,
  initial: LstmState | null,
  lens: Int32Array | null,
  ctx: RunContext,
): { hs: Int16Array; final: LstmState; saved: FixedSaved | null } {
  const H = l.hiddenSize;
  const G4 = 4 * H;
  const NH = N * H;
  const k = ctx.kernels;
  if (gx.mant instanceof Int8Array || gx.mant instanceof Int16Array)
    throw new Error(`${name}: the input GEMM's accumulator must be int32 or float64`);
  const gxa: AccArray = gx.mant;
  const hs = stepArray(ctx, 'int16', (T + 1) * NH, false);
  const cs = stepArray(ctx, 'int32', (T + 1) * NH, false);
  const act = stepArray(ctx, 'int16', T * N * G4, false);
  const tc = stepArray(ctx, 'int16', T * NH, false);
  toQ(initial?.h ?? null, hs.subarray(0, NH), Q - 1);
  toQ(initial?.c ?? null, cs.subarray(0, NH), 2 ** 31 - 1);
  const bias = l.bias.value;
  const b12 = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++)
    b12[i] = Math.max(-Z_TERM_MAX, Math.min(Z_TERM_MAX, roundNearest(bias[i] * 2 ** Z_FRAC)));
  const zx = gx.exp + Z_FRAC;
  const hqs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const at = (a: Int16Array | Int32Array, w: number, i: number) => a.subarray(i * w, (i + 1) * w);
    const hPrev = hs.subarray(t * NH, (t + 1) * NH);
    const hq = l.site('Ah', fixedTensor([N, H], hPrev, -V_FRAC, 16), ctx);
    if (hq.kind !== 'fixed')
      throw new Error(`${name}: site Ah gave a float tensor on the fixed-point path`);
    if (ctx.training) hqs.push(hq);
    const gh = intGemm(k, { M: N, N: G4, K: H, transB: true }, hq.mant, whq.mant, 0, ctx);
    k.lstm_fwd_fixed(
      { N, H, t, lens },
      gxa.subarray(t * N * G4, (t + 1) * N * G4),
      zx,
      gh,
      hq.exp + whq.exp + Z_FRAC,
      b12,
      hPrev,
      at(cs, NH, t) as Int32Array,
      at(act, N * G4, t) as Int16Array,
      at(tc, NH, t) as Int16Array,
      at(hs, NH, t + 1) as Int16Array,
      at(cs, NH, t + 1) as Int32Array,
    );
  }
  // The final state as values (a kernel pass: Float32Array.from with a map function takes the
  // iterator path, ~90 ns an element, ~0.4 ms of a batch-32 step).
  const final = { h: new Float32Array(NH), c: new Float32Array(NH) };
  k.scale_to_f32(hs.subarray(T * NH), 1 / Q, final.h);
  k.scale_to_f32(cs.subarray(T * NH), 1 / Q, final.c);
  return { hs, final, saved: ctx.training ? { kind: 'fixed', hq: hqs, act, tc, c: cs } : null };
}

/** dWh (4H, H) += dzq^T hq in float64: exact int32 products when both are fixed-point. */
function addRecurrentGrad(dWh: Float64Array, dzq: Tensor, hq: Tensor, ctx: RunContext): void {
  const [N, G4] = dzq.shape;
  const H = hq.shape[1];
  const g = matmul(ctx.kernels, { M: G4, N: H, K: N, transA: true }, dzq, hq, ctx);
  if (g.kind === 'fixed' && !(g.mant instanceof Int8Array || g.mant instanceof Int16Array))
    ctx.kernels.axpy_f64(g.mant, 2 ** g.exp, dWh);
  else {
    const v = dequantize(g);
    for (let i = 0; i < v.length; i++) dWh[i] += v[i];
  }
}

/**
 * dWh (4H, H) = sum over steps of Eh(dz_t)^T Ah(h_{t-1}), with 8- or 16-bit mantissas on both
 * sides: each step's mantissas go into (T*N, .) stacks and, after the steps, one exact GEMM per
 * run of consecutive steps with the same exponent sum over K = steps * N is scaled into dWh
 * once (digits-seq, 28 steps: ~9 runs instead of 28 GEMMs and 28 axpys, which cost more than
 * their products). Each run's sum is an exact integer times a power of two; the float64 sums
 * over runs are exact while the exponents stay within ~29 bits of each other, and otherwise
 * round in another order than step by step would. Other steps (a float or wider operand) go
 * through addRecurrentGrad at once.
 */
class RecurrentGrad {
  private dz: Int8Array | Int16Array | null = null; // (T*N, 4H)
  private h: Int8Array | Int16Array | null = null; // (T*N, H)
  private readonly exps: Float64Array; // per step: exponent of its products, NaN: not stacked

  constructor(
    private readonly T: number,
    private readonly N: number,
    private readonly G4: number,
    private readonly H: number,
    private readonly dWh: Float64Array,
    private readonly ctx: RunContext,
  ) {
    this.exps = new Float64Array(T).fill(NaN);
  }

  add(t: number, dzq: Tensor, hq: Tensor): void {
    const { N, G4, H } = this;
    if (dzq.kind === 'fixed' && hq.kind === 'fixed' && narrow(dzq.mant) && narrow(hq.mant)) {
      this.dz ??= stackOf(dzq.mant, this.T * N * G4, this.ctx);
      this.h ??= stackOf(hq.mant, this.T * N * H, this.ctx);
      if (
        this.dz.constructor === dzq.mant.constructor &&
        this.h.constructor === hq.mant.constructor
      ) {
        this.dz.set(dzq.mant, t * N * G4);
        this.h.set(hq.mant, t * N * H);
        this.exps[t] = dzq.exp + hq.exp;
        return;
      }
    }
    addRecurrentGrad(this.dWh, dzq, hq, this.ctx);
  }

  /** The stacked steps' products into dWh, runs in decreasing t (the order they came in). */
  finish(): void {
    const { N, G4, H, exps, dz, h } = this;
    if (!dz || !h) return;
    const k = this.ctx.kernels;
    for (let t1 = this.T - 1; t1 >= 0;) {
      const e = exps[t1];
      let t0 = t1;
      while (t0 > 0 && exps[t0 - 1] === e) t0--;
      if (!Number.isNaN(e)) {
        const g = { M: G4, N: H, K: (t1 + 1 - t0) * N, transA: true };
        const a = dz.subarray(t0 * N * G4, (t1 + 1) * N * G4);
        const b = h.subarray(t0 * N * H, (t1 + 1) * N * H);
        k.axpy_f64(intGemm(k, g, a, b, 0, this.ctx), 2 ** e, this.dWh);
      }
      t1 = t0 - 1;
    }
  }
}

const narrow = (m: MantArray): m is Int8Array | Int16Array =>
  m instanceof Int8Array || m instanceof Int16Array;

function stackOf(m: Int8Array | Int16Array, n: number, ctx: RunContext): Int8Array | Int16Array {
  return stepArray(ctx, m instanceof Int8Array ? 'int8' : 'int16', n, false);
}

/** dh_{t-1} = dzq Wh: the accumulator and its scale. */
function recurrentError(dzq: Tensor, whq: Tensor, ctx: RunContext): [AccArray, number] {
  const [N, G4] = dzq.shape;
  const H = whq.shape[1];
  const p = matmul(ctx.kernels, { M: N, N: H, K: G4 }, dzq, whq, ctx);
  if (p.kind === 'fixed' && !(p.mant instanceof Int8Array || p.mant instanceof Int16Array))
    return [p.mant, 2 ** p.exp];
  return [Float64Array.from(dequantize(p)), 1];
}

// ey(t): the output error of step t (N, H), or null; the error on the final state (N, H) or
// null -> DZ (T*N, 4H) the Eh-quantized gate errors as values, dWh (4H, H), and the error on
// the initial state (N, H).
export function backwardFixed(
  l: LstmCore,
  s: FixedSaved,
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
  const NH = N * H;
  const k = ctx.kernels;
  const dh = stepArray(ctx, 'float32', NH);
  const dc = stepArray(ctx, 'float32', NH);
  if (dFinal) {
    dh.set(dFinal.h);
    dc.set(dFinal.c);
  }
  const DZ = stepArray(ctx, 'float32', T * N * G4, false);
  const dWh = stepArray(ctx, 'float64', G4 * H);
  const dz = stepArray(ctx, 'float32', N * G4, false);
  let dhp: AccArray | null = null;
  let scale = 1;
  const grad = new RecurrentGrad(T, N, G4, H, dWh, ctx);
  for (let t = T - 1; t >= 0; t--) {
    k.lstm_bwd_f32(
      { N, H, t, lens },
      dhp,
      scale,
      ey(t),
      s.act.subarray(t * N * G4, (t + 1) * N * G4),
      s.tc.subarray(t * NH, (t + 1) * NH),
      s.c.subarray(t * NH, (t + 1) * NH),
      dh,
      dc,
      dz,
    );
    const dzq = l.site('Eh', floatTensor([N, G4], dz), ctx);
    const block = DZ.subarray(t * N * G4, (t + 1) * N * G4);
    if (dzq.kind === 'fixed') k.scale_to_f32(dzq.mant, 2 ** dzq.exp, block);
    else block.set(dzq.data);
    grad.add(t, dzq, s.hq[t]);
    [dhp, scale] = recurrentError(dzq, whq, ctx);
  }
  grad.finish();
  // The error on the initial state: dh_{-1} on rows live at step 0 (the others carried it).
  const dh0 = Float32Array.from(dh);
  if (dhp)
    for (let n = 0; n < N; n++) {
      if (lens && lens[n] <= 0) continue;
      for (let j = 0; j < H; j++) dh0[n * H + j] = dhp[n * H + j] * scale;
    }
  return { DZ, dWh, dInitial: { h: dh0, c: Float32Array.from(dc) } };
}
