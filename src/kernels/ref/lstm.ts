// SPDX-License-Identifier: MIT
// Reference kernels of one LSTM step over a batch on the fixed-point path (the definition of
// correct; assembly/lstm.ts computes the same bits). Rows n = 0..N-1, gates i, f, g, o in
// blocks of H (PyTorch's order). Rows with t >= lens[n] carry their state (h, c copied; no
// error flows into them). Formats:
//   z (gate pre-activation)      Q.12 integer (step 2^-12), each term clamped to +-2^24
//   i, f, g, o, tanh(c_t), h_t   Q0.15 int16 (step 2^-15)
//   c_t (cell state)             Q.15 int32
// Forward (nearest = round half up; sig, th: fixed-functions.ts):
//   z   = nearest(gx 2^(ex+12)) + nearest(gh 2^(eh+12)) + b12
//   i, f, o = sig(z_i, z_f, z_o);  g = th(z_g)
//   c_t = floor((f c_{t-1} + i g + 2^14) / 2^15)       (one rounding; saturates at int32)
//   tc  = th(floor((c_t + 4) / 8));  h_t = floor((o tc + 2^14) / 2^15)
// So z is within 1.5 * 2^-12 of the exact pre-activation (two rounded terms, the bias rounded
// once per forward), each gate within 2^-14 of its function of that z (fixed-functions.ts):
// i, f, o within 2^-14 + 1.5 * 2^-14, g within 2^-14 + 1.5 * 2^-12 of float of the exact z;
// c_t within 2^-16 of f c + i g, h_t within 2^-12 of o tanh(c_t) (test/unit/fixed-functions).
// Backward runs in float32 on the saved Q0.15 activations (exact in float32), each operation
// rounded to float32 in the order written:
//   dh   = dhp * scale (rows live at t+1), then dh += ey      (the error reaching h_t)
//   dcj  = dc + (dh * o) * (1 - tc * tc)
//   dz_i = ((dcj * g) * i) * (1 - i);   dz_f = ((dcj * c_{t-1}) * f) * (1 - f)
//   dz_g = (dcj * i) * (1 - g * g);     dz_o = ((dh * tc) * o) * (1 - o);   dc = dcj * f

import type { AccArray, LstmStep } from '../spec.js';
import { alignRound, fixedSigmoid, fixedTanh, V_FRAC } from './fixed-functions.js';

/** Each term of z is clamped to this (4096.0 in Q.12), far past the tables' ends. */
export const Z_TERM_MAX = 2 ** 24;
/** The cell state saturates at the int32 range (|c| < 65536: never in practice). */
const C_MAX = 2 ** 31 - 1;

const f = Math.fround;
const live = (s: LstmStep, n: number, t: number): boolean => !s.lens || t < s.lens[n];

// gx, gh (N,4H) accumulators onto Q.12 by 2^zx, 2^zh (zx = ex + 12); b12 (4H) Q.12;
// hPrev, cPrev (N,H) -> act (N,4H), tc, h (N,H) Q0.15, c (N,H) Q.15.
export function lstm_fwd_fixed(
  s: LstmStep,
  gx: AccArray,
  zx: number,
  gh: AccArray,
  zh: number,
  b12: Int32Array,
  hPrev: Int16Array,
  cPrev: Int32Array,
  act: Int16Array,
  tc: Int16Array,
  h: Int16Array,
  c: Int32Array,
): void {
  const { N, H } = s;
  const G = 4 * H;
  const half = 2 ** (V_FRAC - 1);
  const one = 2 ** V_FRAC;
  const sx = 2 ** zx;
  const sh = 2 ** zh;
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
      const z = (q: number) => {
        const o = n * G + q * H + j;
        return (
          alignRound(gx[o], sx, Z_TERM_MAX) + alignRound(gh[o], sh, Z_TERM_MAX) + b12[q * H + j]
        );
      };
      const i = fixedSigmoid(z(0));
      const fg = fixedSigmoid(z(1));
      const g = fixedTanh(z(2));
      const o = fixedSigmoid(z(3));
      const a = n * G + j;
      act[a] = i;
      act[a + H] = fg;
      act[a + 2 * H] = g;
      act[a + 3 * H] = o;
      const cn = Math.max(
        -C_MAX,
        Math.min(C_MAX, Math.floor((fg * cPrev[r + j] + i * g + half) / one)),
      );
      const t = fixedTanh(Math.floor((cn + 4) / 8));
      c[r + j] = cn;
      tc[r + j] = t;
      h[r + j] = Math.floor((o * t + half) / one);
    }
  }
}

// dhp (N,H) recurrent error of step t+1 (or null) at `scale`, ey (N,H) output error of step
// t (or null); act, tc, cPrev saved by the forward; dh, dc (N,H) in-out; dz (N,4H) out.
export function lstm_bwd_f32(
  s: LstmStep,
  dhp: AccArray | null,
  scale: number,
  ey: Float32Array | null,
  act: Int16Array,
  tc: Int16Array,
  cPrev: Int32Array,
  dh: Float32Array,
  dc: Float32Array,
  dz: Float32Array,
): void {
  const { N, H } = s;
  const G = 4 * H;
  const u = 2 ** -V_FRAC;
  for (let n = 0; n < N; n++) {
    const r = n * H;
    if (dhp && live(s, n, s.t + 1)) for (let j = 0; j < H; j++) dh[r + j] = dhp[r + j] * scale;
    if (ey) for (let j = 0; j < H; j++) dh[r + j] = f(dh[r + j] + ey[r + j]);
    if (!live(s, n, s.t)) {
      dz.fill(0, n * G, (n + 1) * G);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const a = n * G + j;
      const i = act[a] * u;
      const fg = act[a + H] * u;
      const g = act[a + 2 * H] * u;
      const o = act[a + 3 * H] * u;
      const t = tc[r + j] * u;
      const cp = cPrev[r + j] * u;
      const d = dh[r + j];
      const dcj = f(dc[r + j] + f(f(d * o) * f(1 - f(t * t))));
      dz[a] = f(f(f(dcj * g) * i) * f(1 - i));
      dz[a + H] = f(f(f(dcj * cp) * fg) * f(1 - fg));
      dz[a + 2 * H] = f(f(dcj * i) * f(1 - f(g * g)));
      dz[a + 3 * H] = f(f(f(d * t) * o) * f(1 - o));
      dc[r + j] = f(dcj * fg);
    }
  }
}
