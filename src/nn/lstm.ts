// SPDX-License-Identifier: MIT
// LSTM (Hochreiter & Schmidhuber 1997, PyTorch's gate order i, f, g, o) with full backprop
// through time. Each of its two GEMMs has its own sites (role sites, see quant/site.ts), so a
// stateful quantizer tracks one tensor: the input GEMM Ax (x), Wx, Ex (the stacked gate
// errors), Gx; the recurrent GEMM Ah (each step's h_{t-1}), Wh, Eh (each step's gate error),
// Gh; and E, the incoming error. A scheme naming only A, W, E, G binds each role to those.
//   forward:  GX (N*T, 4H) = Ax(x) Wx(W_ih)^T            one GEMM for all steps
//             per t: z = GX_t + Ah(h_{t-1}) Wh(W_hh)^T + b; i,f,o = sigmoid, g = tanh
//                    c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)
//   backward: per t (reverse): dz_t from dh, dc;  dzq = Eh(dz_t);  dh_{t-1} = dzq Wh;
//             dWh += dzq^T Ah(h_{t-1});  then dx = Ex(DZ) Wx, dWx = Ex(DZ)^T Ax(x), one GEMM each
// When every GEMM operand is fixed-point the gates and the cell state run in integers too
// (lstm-fixed.ts; Q0.15 gates and h, Q.15 cell state, table sigmoid/tanh within 2^-14), and
// h_t leaves the layer as Q0.15 int16 mantissas; otherwise they run in float (lstm-float.ts).
// Internally a sequence is laid out (T, N, .) so each step's rows are contiguous.
// As an op (`run`, `runBackward`) it takes and gives the recurrent state by name: inputs x,
// the valid steps per row (`lengths`: steps t >= lengths[n] carry (h, c) unchanged, so the
// final state is the state after the last real token) and the initial state; outputs y and
// the final state; backward takes dy and an error on the final state and gives dx and the
// error on the initial state. As a Layer (`forward`, `backward`) it is the op with full rows,
// a zero initial state and no error on the final state.

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { uniformInit } from './init.js';
import { matmul, swapOuterTensor } from './matmul.js';
import { stepArray } from './arrays.js';
import type { LstmCore, LstmState } from './lstm-core.js';
import { backwardFloat, forwardFloat, type FloatSaved } from './lstm-float.js';
import { backwardFixed, forwardFixed, type FixedSaved } from './lstm-fixed.js';
import { intGemm } from '../ops/intgemm.js';
import { bitsOfAcc } from './arrays.js';
import { V_FRAC } from '../kernels/ref/fixed-functions.js';
import type { Rng } from '../quant/rng.js';
import { FormatQuantizer } from '../quant/format-quantizer.js';
import { fixedTensor, floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import {
  gemmKey,
  operandBytes,
  siteBits,
  siteOperand,
  type LayerCost,
  type MacEntry,
} from './cost.js';

export type { LstmState } from './lstm-core.js';

/** The op's inputs: x (N,T,F); valid steps per row (N) or null for full rows; the initial
 * state (N,H) or null for zeros. */
export interface LstmInputs {
  readonly x: Tensor;
  readonly lengths?: Int32Array | null;
  readonly initial?: LstmState | null;
}

/** The op's outputs: y (N,T,H) or (N,H), and the state after the last valid step (N,H). */
export interface LstmOutputs {
  readonly y: Tensor;
  readonly final: LstmState;
}

/** The backward op's inputs: dy as y, and an extra error on the final state or null. */
export interface LstmGrads {
  readonly dy: Tensor;
  readonly dFinal?: LstmState | null;
}

/** The backward op's outputs: dx (N,T,F) and the error on the initial state (N,H). */
export interface LstmInputGrads {
  readonly dx: Tensor;
  readonly dInitial: LstmState;
}

export interface LstmOptions {
  /** Output every step's h (N,T,H) (default) or only the final h (N,H). */
  returnSequences?: boolean;
}

interface Saved {
  readonly N: number;
  readonly T: number;
  readonly xq: Tensor; // (T*N, F)
  readonly wxq: Tensor;
  readonly whq: Tensor;
  readonly lengths: Int32Array | null;
  readonly path: FloatSaved | FixedSaved;
}

export class LSTM extends Layer implements LstmCore {
  readonly kind = 'lstm';
  override readonly siteNames = ['Ax', 'Ah', 'Wx', 'Wh', 'E', 'Ex', 'Eh', 'Gx', 'Gh'] as const;
  readonly weightIh: Param;
  readonly weightHh: Param;
  readonly bias: Param;
  readonly returnSequences: boolean;
  private saved: Saved | null = null;

  constructor(
    name: string,
    readonly inputSize: number,
    readonly hiddenSize: number,
    rng: Rng,
    opts: LstmOptions = {},
  ) {
    super(name);
    const H = hiddenSize;
    this.returnSequences = opts.returnSequences ?? true;
    this.weightIh = new Param(`${name}.weight_ih`, name, 'weight', [4 * H, inputSize]);
    this.weightHh = new Param(`${name}.weight_hh`, name, 'weight', [4 * H, H]);
    this.bias = new Param(`${name}.bias`, name, 'bias', [4 * H]);
    // PyTorch's default: U(-1/sqrt(H), 1/sqrt(H)) for all; forget-gate bias +1 helps long
    // sequences remember (Jozefowicz et al. 2015).
    const b = 1 / Math.sqrt(H);
    uniformInit(this.weightIh.value, b, rng);
    uniformInit(this.weightHh.value, b, rng);
    uniformInit(this.bias.value, b, rng);
    for (let j = H; j < 2 * H; j++) this.bias.value[j] += 1;
  }

  override params(): Param[] {
    return [this.weightIh, this.weightHh, this.bias];
  }

  outputShape(input: Shape): Shape {
    if (input.length !== 2 || input[1] !== this.inputSize) {
      throw new Error(
        `${this.name}: expected a sequence (T, ${this.inputSize}), got [${input.join(', ')}]`,
      );
    }
    return this.returnSequences ? [input[0], this.hiddenSize] : [this.hiddenSize];
  }

  /**
   * Input (T, F) per sample, N = batch. Forward: the input GEMM (T*N, F) x (F, 4H) and T
   * recurrent GEMMs (N, H) x (H, 4H); backward: per step dWh += (4H, N) x (N, H) and
   * dh = (N, 4H) x (4H, H), then dWx (4H, T*N) x (T*N, F) and dx (T*N, 4H) x (4H, F) (unless
   * inputGrad is off). Every step runs its GEMMs whatever the sequence lengths. Saves x at Ax,
   * the quantized weights, each step's h at Ah, and the gates, tanh(c) and c of every step
   * (int16/int32 on the integer path, float32 on the float path).
   */
  cost(input: Shape, batch: number): LayerCost {
    const output = this.outputShape(input);
    const [T, F] = input;
    const N = batch;
    const H = this.hiddenSize;
    const G4 = 4 * H;
    const ax = siteOperand(this, 'Ax');
    const wx = siteOperand(this, 'Wx');
    const wh = siteOperand(this, 'Wh');
    const fixed = ax !== 'f32' && wx !== 'f32' && wh !== 'f32' && !this.floatSite('Ah');
    // An unbound Ah passes h as it is: Q0.15 int16 on the integer path, float32 otherwise.
    const ah = siteOperand(this, 'Ah', fixed ? 'i16' : 'f32');
    const eh = siteOperand(this, 'Eh');
    const ex = siteOperand(this, 'Ex');
    const m = (pass: MacEntry['pass'], operands: string, macs: number): MacEntry => ({
      pass,
      layer: this.name,
      operands,
      macs,
    });
    const macs = [
      m('forward', gemmKey(ax, wx), T * N * G4 * F),
      m('forward', gemmKey(ah, wh), T * N * G4 * H),
      m('backward dw', gemmKey(eh, ah), T * G4 * H * N),
      m('backward dx', gemmKey(eh, wh), T * N * H * G4),
      m('backward dw', gemmKey(ex, ax), G4 * F * T * N),
    ];
    if (this.inputGrad) macs.push(m('backward dx', gemmKey(ex, wx), T * N * F * G4));
    const NH = N * H;
    const perStep = fixed
      ? T * N * G4 * 2 + T * NH * 2 + (T + 1) * NH * 4
      : 4 * (T * N * G4 + T * NH + (T + 1) * NH);
    const weights =
      (wx === 'f32' ? 0 : this.weightIh.size * operandBytes(wx)) +
      (wh === 'f32' ? 0 : this.weightHh.size * operandBytes(wh));
    return {
      output,
      macs,
      // The final state is an output of the op (the caller holds it), not saved here.
      savedBytes: T * N * F * operandBytes(ax) + weights + T * NH * operandBytes(ah) + perStep,
      nominalSavedBytes:
        (T * N * F * siteBits(this, 'Ax') + T * NH * siteBits(this, 'Ah')) / 8 + perStep,
      workspaceBytes: 0,
    };
  }

  site(name: string, x: Tensor, ctx: RunContext): Tensor {
    return this.quant(name, x, ctx);
  }

  /** True when the scheme made site `name` float32 (the recurrent path then runs in float). */
  private floatSite(name: string): boolean {
    const q = this.sites.get(name)?.quantizer;
    return q instanceof FormatQuantizer && q.format.kind === 'float32';
  }

  // x (N,T,F) -> (N,T,H) or (N,H): full rows from a zero state.
  forward(x: Tensor, ctx: RunContext): Tensor {
    return this.run({ x }, ctx).y;
  }

  // dy (N,T,H) or (N,H) -> dx (N,T,F): no error on the final state.
  backward(dy: Tensor, ctx: RunContext): Tensor {
    return this.runBackward({ dy }, ctx).dx;
  }

  // x (N,T,F) -> y (N,T,H) or (N,H), fixed-point Q0.15 on the integer path, and the final
  // state (N,H) f32.
  run(inputs: LstmInputs, ctx: RunContext): LstmOutputs {
    const { x } = inputs;
    const len = inputs.lengths ?? null;
    const initial = inputs.initial ?? null;
    if (x.shape.length !== 3 || x.shape[2] !== this.inputSize) {
      throw new Error(
        `${this.name}: expected input (N, T, ${this.inputSize}), got [${x.shape.join(', ')}]`,
      );
    }
    const [N, T, F] = x.shape;
    const H = this.hiddenSize;
    const G4 = 4 * H;
    const k = ctx.kernels;
    if (len && len.length !== N)
      throw new Error(`${this.name}: ${len.length} lengths for a batch of ${N}`);
    for (const [v, what] of [
      [initial?.h, 'h'],
      [initial?.c, 'c'],
    ] as const) {
      if (v && v.length !== N * H)
        throw new Error(`${this.name}: initial state ${what} is not (${N}, ${H})`);
    }
    const xt = swapOuterTensor(k, x, N, T, F, [T * N, F], ctx);
    const xq = this.quant('Ax', xt, ctx);
    const wxq = this.quant('Wx', floatTensor(this.weightIh.shape, this.weightIh.value), ctx);
    const whq = this.quant('Wh', floatTensor(this.weightHh.shape, this.weightHh.value), ctx);
    const g = { M: T * N, N: G4, K: F, transB: true };
    let out: Tensor;
    let final: LstmState;
    let path: FloatSaved | FixedSaved | null;
    if (
      xq.kind === 'fixed' &&
      wxq.kind === 'fixed' &&
      whq.kind === 'fixed' &&
      !this.floatSite('Ah')
    ) {
      const acc = intGemm(k, g, xq.mant, wxq.mant, 0, ctx);
      const gx = fixedTensor([T * N, G4], acc, xq.exp + wxq.exp, bitsOfAcc(acc));
      const r = forwardFixed(this, this.name, T, N, gx, whq, initial, len, ctx);
      path = r.saved;
      final = r.final;
      const hs = r.hs.subarray(N * H);
      out = this.returnSequences
        ? swapOuterTensor(k, fixedTensor([T * N, H], hs, -V_FRAC, 16), T, N, H, [N, T, H], ctx)
        : fixedTensor([N, H], hs.slice((T - 1) * N * H), -V_FRAC, 16);
    } else {
      const r = forwardFloat(this, T, N, matmul(k, g, xq, wxq, ctx), whq, initial, len, ctx);
      path = r.saved;
      final = r.final;
      out = this.returnSequences
        ? swapOuterTensor(k, floatTensor([T * N, H], r.out), T, N, H, [N, T, H], ctx)
        : floatTensor([N, H], Float32Array.from(final.h));
    }
    if (path) {
      const lengths = len ? Int32Array.from(len) : null;
      this.saved = { N, T, xq, wxq, whq, lengths, path };
    }
    return { y: out, final };
  }

  // dy (N,T,H) or (N,H), error on the final state (N,H) or null -> dx (N,T,F) and the error on
  // the initial state (N,H); adds dWx, dWh (through Gx, Gh) and db.
  runBackward(grads: LstmGrads, ctx: RunContext): LstmInputGrads {
    const { dy } = grads;
    const dFinal = grads.dFinal ?? null;
    const s = this.saved;
    if (!s) throw new Error(`${this.name}: backward without a training forward`);
    const { N, T } = s;
    const H = this.hiddenSize;
    const G4 = 4 * H;
    const F = this.inputSize;
    const k = ctx.kernels;
    const NH = N * H;
    const ey = this.quant('E', dy, ctx);
    let e = ey.kind === 'float' ? ey.data : stepArray(ctx, 'float32', ey.mant.length, false);
    if (ey.kind === 'fixed') k.scale_to_f32(ey.mant, 2 ** ey.exp, e);
    if (this.returnSequences) {
      const et = stepArray(ctx, 'float32', T * NH, false);
      k.swap_outer(e, N, T, H, null, et);
      e = et;
    }
    const eyAt = this.returnSequences
      ? (t: number) => e.subarray(t * NH, (t + 1) * NH)
      : (t: number) => (t === T - 1 ? e : null);
    if (dFinal && (dFinal.h.length !== NH || dFinal.c.length !== NH))
      throw new Error(`${this.name}: the error on the final state is not (${N}, ${H})`);
    const { DZ, dWh, dInitial } =
      s.path.kind === 'fixed'
        ? backwardFixed(this, s.path, T, N, s.lengths, eyAt, s.whq, dFinal, ctx)
        : backwardFloat(this, s.path, T, N, s.lengths, eyAt, s.whq, dFinal, ctx);
    const dzAll = this.quant('Ex', floatTensor([T * N, G4], DZ), ctx);
    const dWx = matmul(k, { M: G4, N: F, K: T * N, transA: true }, dzAll, s.xq, ctx);
    this.weightIh.addGrad(this.quant('Gx', reshape(dWx, this.weightIh.shape), ctx), k);
    let dWh32: Float32Array;
    if (dWh instanceof Float32Array) dWh32 = dWh;
    else (dWh32 = stepArray(ctx, 'float32', dWh.length, false)).set(dWh); // rounded as .from
    this.weightHh.addGrad(this.quant('Gh', floatTensor(this.weightHh.shape, dWh32), ctx), k);
    // The bias gradient is the exact column sum of the (Eh-quantized) gate errors.
    const db = stepArray(ctx, 'float64', G4);
    k.sum_rows_f64(DZ, T * N, G4, db);
    const db32 = stepArray(ctx, 'float32', G4, false);
    db32.set(db); // rounded to float32 as Float32Array.from rounds
    this.bias.addGrad(floatTensor([G4], db32));
    // The first layer's input (ids or pixels) takes no error: zeros, from the step workspace.
    if (!this.inputGrad) return { dx: floatTensor([N, T, F]), dInitial };
    const dxt = matmul(k, { M: T * N, N: F, K: G4 }, dzAll, s.wxq, ctx);
    return { dx: swapOuterTensor(k, dxt, T, N, F, [N, T, F], ctx), dInitial };
  }

  override clearSaved(): void {
    this.saved = null;
  }
}
