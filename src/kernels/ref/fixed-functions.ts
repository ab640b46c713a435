// SPDX-License-Identifier: MIT
// Sigmoid, tanh and exp(-x) on fixed-point integers, by linear interpolation in the Q20
// tables of fixed-tables.ts (values of f(k/64)). Inputs are Q.12 integers (step 2^-12),
// outputs Q0.15 (step 2^-15). All arithmetic is on integers below 2^53, so these plain
// float64 expressions are exact and assembly/fixed_functions.ts computes the same bits.
//   interp(T, a) = T[k] + floor(((T[k+1] - T[k]) r + 32) / 64),  k = floor(a / 64), r = a mod 64
//   q15(v20)     = floor((v20 + 16) / 32)
//   sig(z)  = min(q15(interp(SIGMOID, |z|)), 32767) for z >= 0, 32768 - that for z < 0;
//             32767 (resp. 1) for |z| >= 16 (the table's end)
//   th(z)   = sign(z) min(q15(interp(TANH, |z|)), 32767); 32767 for |z| >= 8
//   expneg(a) = q15(interp(EXPNEG, a)) for a in [0, 12), 0 beyond: exp(-a) in [0, 32768]
// Error against the float function at the same (Q.12) input: interpolation at step 1/64
// (h^2/8 max|f''|: sigmoid 2.9e-6, tanh 2.4e-5, exp 3.1e-5), table rounding 2^-21, output
// rounding 2^-16, and the cap at 32767 (2^-15): every output within 2^-14 of the function.

import { roundNearest } from '../../quant/rounding.js';
import { EXPNEG_Q20, SIGMOID_Q20, TANH_Q20 } from './fixed-tables.js';

/** Fractional bits of the inputs (Q.12) and outputs (Q0.15). */
export const Z_FRAC = 12;
export const V_FRAC = 15;
/** Ends of the tables in Q.12: sigmoid [0, 16), tanh [0, 8), exp(-x) [0, 12). */
const SIG_END = 16 << Z_FRAC;
const TANH_END = 8 << Z_FRAC;
const EXP_END = 12 << Z_FRAC;
const V_MAX = 32767;

function interp(t: Int32Array, a: number): number {
  const k = Math.floor(a / 64);
  const r = a - k * 64;
  return t[k] + Math.floor(((t[k + 1] - t[k]) * r + 32) / 64);
}

const q15 = (v20: number): number => Math.floor((v20 + 16) / 32);

/** sigmoid of a Q.12 integer, Q0.15 in [1, 32767]. */
export function fixedSigmoid(z: number): number {
  const a = Math.abs(z);
  const v = a >= SIG_END ? V_MAX : Math.min(q15(interp(SIGMOID_Q20, a)), V_MAX);
  return z < 0 ? 32768 - v : v;
}

/** tanh of a Q.12 integer, Q0.15 in [-32767, 32767]. */
export function fixedTanh(z: number): number {
  const a = Math.abs(z);
  const v = a >= TANH_END ? V_MAX : Math.min(q15(interp(TANH_Q20, a)), V_MAX);
  return z < 0 ? -v : v;
}

/** exp(-a) of a Q.12 integer a >= 0, Q0.15 in [0, 32768]. */
export function fixedExpNeg(a: number): number {
  return a >= EXP_END ? 0 : q15(interp(EXPNEG_Q20, a));
}

/** nearest(v scale) (round half up), clamped to [-lim, lim]: an accumulator onto a Q grid. */
export function alignRound(v: number, scale: number, lim: number): number {
  const r = roundNearest(v * scale);
  return r > lim ? lim : r < -lim ? -lim : r;
}
