// SPDX-License-Identifier: MIT
// Reference kernels of one LSTM step on the float path (nn/lstm-float.ts; the definition of
// correct: assembly/lstm_float.ts and native/src/lstm-float-impl.h compute the same bits).
// Rows n = 0..N-1, gates i, f, g, o in blocks of H (PyTorch's order). Rows with
// t >= lens[n] carry their state (h, c copied, act and tc zero; no error flows into them).
// Every array is float32; the arithmetic is float64 in the order written, rounded to float32
// only where stored, with lowbit's own sigmoid and tanh (float-functions.ts):
//   forward:  z_q = (gx + gh) + b                   (q = i, f, g, o)
//             i, f, o = sigmoid(z);  g = tanh(z)    (float64; stored in act as float32)
//             c_t = f c_{t-1} + i g;  tc = tanh(c_t);  h_t = o tc   (from the float64 gates)
//   backward: dh = dhp on rows live at t+1 (dhp null: kept), then dh = f32(dh + ey)
//             dcj = dc + (dh o) (1 - tc tc)
//             dz_i = ((dcj g) i) (1 - i);   dz_f = ((dcj c_{t-1}) f) (1 - f)
//             dz_g = (dcj i) (1 - g g);     dz_o = ((dh tc) o) (1 - o);   dc = dcj f

import type { FloatFn, LstmStep } from '../spec.js';
import { expF64, sigmoidF64, tanhF64 } from './float-functions.js';

const live = (s: LstmStep, n: number, t: number): boolean => !s.lens || t < s.lens[n];

// gx, gh (N,4H) the input and recurrent GEMMs' rows of step t, bias (4H), hPrev, cPrev (N,H)
// -> act (N,4H), tc = tanh(c_t), h, c (N,H).
export function lstm_fwd_float(
  s: LstmStep,
  gx: Float32Array,
  gh: Float32Array,
  bias: Float32Array,
  hPrev: Float32Array,
  cPrev: Float32Array,
  act: Float32Array,
  tc: Float32Array,
  h: Float32Array,
  c: Float32Array,
): void {
  const { N, H } = s;
  const G = 4 * H;
  for (let n = 0; n < N; n++) {
    const r = n * H;
    if (!live(s, n, s.t)) {
      for (let j = 0; j < H; j++) {
        h[r + j] = hPrev[r + j];
        c[r + j] = cPrev[r + j];
        tc[r + j] = 0;
      }
      act.fill(0, n * G, (n + 1) * G);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const a = n * G + j;
      const i = sigmoidF64(gx[a] + gh[a] + bias[j]);
      const f = sigmoidF64(gx[a + H] + gh[a + H] + bias[H + j]);
      const g = tanhF64(gx[a + 2 * H] + gh[a + 2 * H] + bias[2 * H + j]);
      const o = sigmoidF64(gx[a + 3 * H] + gh[a + 3 * H] + bias[3 * H + j]);
      act[a] = i;
      act[a + H] = f;
      act[a + 2 * H] = g;
      act[a + 3 * H] = o;
      const cn = f * cPrev[r + j] + i * g;
      const t = tanhF64(cn);
      c[r + j] = cn;
      tc[r + j] = t;
      h[r + j] = o * t;
    }
  }
}

// dhp (N,H) the recurrent error of step t+1 (or null), ey (N,H) the output error of step t
// (or null); act, tc, cPrev (N,H) saved by the forward; dh, dc (N,H) in-out; dz (N,4H) out.
export function lstm_bwd_float(
  s: LstmStep,
  dhp: Float32Array | null,
  ey: Float32Array | null,
  act: Float32Array,
  tc: Float32Array,
  cPrev: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  dz: Float32Array,
): void {
  const { N, H } = s;
  const G = 4 * H;
  for (let n = 0; n < N; n++) {
    const r = n * H;
    if (dhp && live(s, n, s.t + 1)) for (let j = 0; j < H; j++) dh[r + j] = dhp[r + j];
    if (ey) for (let j = 0; j < H; j++) dh[r + j] += ey[r + j];
    if (!live(s, n, s.t)) {
      dz.fill(0, n * G, (n + 1) * G);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const a = n * G + j;
      const i = act[a];
      const f = act[a + H];
      const g = act[a + 2 * H];
      const o = act[a + 3 * H];
      const t = tc[r + j];
      const d = dh[r + j];
      const dcj = dc[r + j] + d * o * (1 - t * t);
      dz[a] = dcj * g * i * (1 - i);
      dz[a + H] = dcj * cPrev[r + j] * f * (1 - f);
      dz[a + 2 * H] = dcj * i * (1 - g * g);
      dz[a + 3 * H] = d * t * o * (1 - o);
      dc[r + j] = dcj * f;
    }
  }
}

const FNS: Record<FloatFn, (x: number) => number> = {
  exp: expF64,
  sigmoid: sigmoidF64,
  tanh: tanhF64,
};

/** y[i] = fn(x[i]) for i < y.length, float64, lowbit's own functions. */
export function float_fn_f64(fn: FloatFn, x: Float64Array, y: Float64Array): void {
  const f = FNS[fn];
  if (!f) throw new RangeError(`float_fn_f64: unknown function ${String(fn)}`);
  if (x.length < y.length)
    throw new RangeError(`float_fn_f64: x holds ${x.length} elements, needs ${y.length}`);
  for (let i = 0; i < y.length; i++) y[i] = f(x[i]);
}
