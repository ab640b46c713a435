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
// The gate nonlinearities and the cell state run in float32 on dequantized sums (they round
// anyway); every matrix product runs on mantissas when its operands are fixed-point.
// Variable lengths: with `lengths` set, steps t >= lengths[n] carry (h, c) unchanged, so the
// final state is the state after the last real token.

import { Layer } from './layer.js';
import { Param } from './param.js';
import type { RunContext } from './context.js';
import { uniformInit } from './init.js';
import { matmul } from './matmul.js';
import type { Rng } from '../quant/rng.js';
import { dequantize, floatTensor, reshape, type Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';

export interface LstmOptions {
  /** Output every step's h (N,T,H) (default) or only the final h (N,H). */
  returnSequences?: boolean;
}

interface Saved {
  readonly N: number;
  readonly T: number;
  readonly xq: Tensor; // (N*T, F)
  readonly wxq: Tensor;
  readonly whq: Tensor;
  readonly hq: Tensor[]; // per t: A(h_{t-1}) (N, H)
  readonly act: Float32Array; // (T, N, 4H) gate activations i, f, g, o
  readonly c: Float32Array; // (T+1, N, H): c_{-1}, c_0, ...
  readonly tc: Float32Array; // (T, N, H) tanh(c_t)
  readonly lengths: Int32Array | null;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export class LSTM extends Layer {
  readonly kind = 'lstm';
  override readonly siteNames = ['Ax', 'Ah', 'Wx', 'Wh', 'E', 'Ex', 'Eh', 'Gx', 'Gh'] as const;
  readonly weightIh: Param;
  readonly weightHh: Param;
  readonly bias: Param;
  readonly returnSequences: boolean;
  /** Valid steps per sample (set before forward), or null when every row is full. */
  lengths: Int32Array | null = null;
  /** Initial state (N,H) for the next forward, or null for zeros. */
  h0: Float32Array | null = null;
  c0: Float32Array | null = null;
  /** Final state of the last forward (N,H). */
  hT: Float32Array = new Float32Array(0);
  cT: Float32Array = new Float32Array(0);
  /** Extra error on the final state for the next backward (from a decoder), or null. */
  dhT: Float32Array | null = null;
  dcT: Float32Array | null = null;
  /** Error on the initial state after backward (N,H). */
  dh0: Float32Array = new Float32Array(0);
  dc0: Float32Array = new Float32Array(0);
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

  // x (N,T,F) -> (N,T,H) or (N,H)
  forward(x: Tensor, ctx: RunContext): Tensor {
    if (x.shape.length !== 3 || x.shape[2] !== this.inputSize) {
      throw new Error(
        `${this.name}: expected input (N, T, ${this.inputSize}), got [${x.shape.join(', ')}]`,
      );
    }
    const [N, T, F] = x.shape;
    const H = this.hiddenSize;
    const G4 = 4 * H;
    const k = ctx.kernels;
    const len = this.lengths;
    if (len && len.length !== N)
      throw new Error(`${this.name}: ${len.length} lengths for a batch of ${N}`);
    const xq = this.quant('Ax', reshape(x, [N * T, F]), ctx);
    const wxq = this.quant('Wx', floatTensor(this.weightIh.shape, this.weightIh.value), ctx);
    const whq = this.quant('Wh', floatTensor(this.weightHh.shape, this.weightHh.value), ctx);
    const gx = dequantize(matmul(k, { M: N * T, N: G4, K: F, transB: true }, xq, wxq));
    const bias = this.bias.value;
    const h = this.h0 ? Float32Array.from(this.h0) : new Float32Array(N * H);
    const c = this.c0 ? Float32Array.from(this.c0) : new Float32Array(N * H);
    if (h.length !== N * H || c.length !== N * H)
      throw new Error(`${this.name}: initial state is not (${N}, ${H})`);
    const train = ctx.training;
    const act = train ? new Float32Array(T * N * G4) : new Float32Array(N * G4);
    const cs = train ? new Float32Array((T + 1) * N * H) : new Float32Array(0);
    const tcs = train ? new Float32Array(T * N * H) : new Float32Array(0);
    const hqs: Tensor[] = [];
    if (train) cs.set(c, 0);
    const out = this.returnSequences ? new Float32Array(N * T * H) : new Float32Array(0);
    for (let t = 0; t < T; t++) {
      // A copy: h is updated in place below, and an unbound site returns its input as is.
      const hq = this.quant('Ah', floatTensor([N, H], h.slice()), ctx);
      if (train) hqs.push(hq);
      const gh = dequantize(matmul(k, { M: N, N: G4, K: H, transB: true }, hq, whq));
      const ao = train ? t * N * G4 : 0;
      for (let n = 0; n < N; n++) {
        const live = !len || t < len[n];
        const hn = n * H;
        if (live) {
          const zo = (n * T + t) * G4;
          const go = n * G4;
          const a = ao + n * G4;
          for (let j = 0; j < H; j++) {
            const i = sigmoid(gx[zo + j] + gh[go + j] + bias[j]);
            const f = sigmoid(gx[zo + H + j] + gh[go + H + j] + bias[H + j]);
            const g = Math.tanh(gx[zo + 2 * H + j] + gh[go + 2 * H + j] + bias[2 * H + j]);
            const o = sigmoid(gx[zo + 3 * H + j] + gh[go + 3 * H + j] + bias[3 * H + j]);
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
        if (this.returnSequences) out.set(h.subarray(hn, hn + H), (n * T + t) * H);
      }
      if (train) cs.set(c, (t + 1) * N * H);
    }
    this.hT = h;
    this.cT = c;
    if (train) {
      this.saved = {
        N,
        T,
        xq,
        wxq,
        whq,
        hq: hqs,
        act,
        c: cs,
        tc: tcs,
        lengths: len ? Int32Array.from(len) : null,
      };
    }
    return this.returnSequences
      ? floatTensor([N, T, H], out)
      : floatTensor([N, H], Float32Array.from(h));
  }

  // dy (N,T,H) or (N,H) -> dx (N,T,F); adds dWx, dWh (through G) and db.
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const s = this.saved;
    if (!s) throw new Error(`${this.name}: backward without a training forward`);
    const { N, T } = s;
    const H = this.hiddenSize;
    const G4 = 4 * H;
    const F = this.inputSize;
    const k = ctx.kernels;
    const ey = dequantize(this.quant('E', dy, ctx));
    const dh = this.dhT ? Float32Array.from(this.dhT) : new Float32Array(N * H);
    const dc = this.dcT ? Float32Array.from(this.dcT) : new Float32Array(N * H);
    if (!this.returnSequences) for (let i = 0; i < N * H; i++) dh[i] += ey[i];
    const DZ = new Float32Array(N * T * G4);
    const dWh = new Float64Array(G4 * H);
    const db = new Float64Array(G4);
    const dz = new Float32Array(N * G4);
    const len = s.lengths;
    for (let t = T - 1; t >= 0; t--) {
      dz.fill(0);
      for (let n = 0; n < N; n++) {
        const hn = n * H;
        if (this.returnSequences) {
          const yo = (n * T + t) * H;
          for (let j = 0; j < H; j++) dh[hn + j] += ey[yo + j];
        }
        if (len && t >= len[n]) continue; // carried state: dh, dc pass through unchanged
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
      const dzq = this.quant('Eh', floatTensor([N, G4], dz), ctx);
      const dzv = dequantize(dzq);
      for (let n = 0; n < N; n++) {
        DZ.set(dzv.subarray(n * G4, (n + 1) * G4), (n * T + t) * G4);
        for (let j = 0; j < G4; j++) db[j] += dzv[n * G4 + j];
      }
      const gwh = dequantize(matmul(k, { M: G4, N: H, K: N, transA: true }, dzq, s.hq[t]));
      for (let i = 0; i < gwh.length; i++) dWh[i] += gwh[i];
      const dhp = dequantize(matmul(k, { M: N, N: H, K: G4 }, dzq, s.whq));
      for (let n = 0; n < N; n++) {
        if (len && t >= len[n]) continue;
        for (let j = 0; j < H; j++) dh[n * H + j] = dhp[n * H + j];
      }
    }
    this.dh0 = dh;
    this.dc0 = dc;
    const dzAll = this.quant('Ex', floatTensor([N * T, G4], DZ), ctx);
    const dx = matmul(k, { M: N * T, N: F, K: G4 }, dzAll, s.wxq);
    const dWx = matmul(k, { M: G4, N: F, K: N * T, transA: true }, dzAll, s.xq);
    this.weightIh.addGrad(this.quant('Gx', reshape(dWx, this.weightIh.shape), ctx));
    this.weightHh.addGrad(
      this.quant('Gh', floatTensor(this.weightHh.shape, Float32Array.from(dWh)), ctx),
    );
    this.bias.addGrad(floatTensor([G4], Float32Array.from(db)));
    return reshape(dx, [N, T, F]);
  }

  override clearSaved(): void {
    this.saved = null;
  }
}
