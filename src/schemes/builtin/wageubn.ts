// SPDX-License-Identifier: MIT
// Yang et al. 2020, WAGEUBN: W, A, G, E, U, BN and Momentum all in integers.
//
// Sites (widths of sec. IV-A: k_W = k_A = k_E1 = k_gamma = k_beta = 8, k_GC = k_G_gamma =
// k_G_beta = 15, k_BN = k_mu = k_sigma = 16, k_WU = 24; optimizer k_Mom = 3, k_Acc = 13,
// k_lr = 10, checked against eq. 21/23):
//   W   Q_W, direct Q(x, 8) clipped to (-1, 1)              eq. 9
//   A   Q_A, direct Q(x, 8)                                  eq. 13 (no range limit: the
//       mantissa widens when activations exceed 1, shown in telemetry)
//   G   Q_GW = CQ, k_GC = 15, dr = 128 halving at epochs 30 and 60 (the paper's schedule)  eq. 6, 17
//   E   the error entering a Conv/Linear backward (the paper's e_3, which feeds g_W): Q_E2,
//       16-bit SQ in `wageubn` (eq. 15), the 9-bit flag format in `wageubn8` (eq. 16).
//       After a BatchNorm this re-quantizes BN's E2 output, which is (nearly) idempotent.
//   E1  Q_E1 = SQ(x, 8) (eq. 14) on e_0, the error arriving at a layer (Fig. 2): with
//       BatchNorm, on the error entering BN; on a Conv/Linear that no BN follows (LeNet-5, the
//       MLP), on its incoming error before E (there e_3 = Q_E2(e_0 * relu'), and lowbit has
//       applied relu' already: the mask commutes with SQ but for R(x) when the largest value
//       is masked). So the errors of models without BN are 8-bit too, as in the paper's layer.
//   BatchNorm: BN.mu, BN.sigma, BN.xhat direct 16 bits; BN.gamma, BN.beta direct 8 bits
//       (eq. 11-12); E2 as E; BN.ggamma, BN.gbeta direct 15 bits (eq. 17, 21).
//   WU  weights stored as Q(x, 24) (eq. 22-23), clipped to (-1, 1) (eq. 8); BN's gamma and
//       beta (BN.WU) as Q(x, 24) unclipped; the optimizer is WAGEUBN's integer Momentum
//       (src/optim/wageubn-momentum.ts) with the discrete MSRA init of eq. 8. It keeps its own
//       accumulator (k_Acc) and update (k_WU) widths: the U and M sites are not used.
//   ACC Q_Acc, direct Q(x, 13) with ties to even (eq. 19-20). The paper names no tie rule.
//       Choice: round half to even. Mom_q Acc_q + g_q lies on the 2^-14 grid and Q_Acc keeps
//       2^-12, so about a quarter of the elements are exact ties; eq. 5's round half up sends
//       them all toward +inf, and every weight then drifts down by about half the mean update
//       per step even when the gradients average zero. Half to even is unbiased and, unlike
//       stochastic rounding, needs no generator in the optimizer.
// First and last layers stay float32 (sites and storage), as the paper does; override with
// `layers.first` / `layers.last` in a scheme that extends this one.

import type { SchemeInput } from '../schema.js';

const direct = (bits: number, clip = false, rounding?: 'nearest-even') => ({
  quantizer: 'wageubn-direct',
  bits,
  ...(clip ? { clip } : {}),
  ...(rounding ? { rounding } : {}),
});
const shift = (bits: number) => ({ quantizer: 'wageubn-shift', bits });
const f32 = { format: 'float32' };
const float = { W: f32, A: f32, E: f32, E1: f32, G: f32, WU: f32, ACC: f32 };

function wageubnScheme(
  name: string,
  e2: Record<string, unknown>,
  description: string,
): SchemeInput {
  return {
    name,
    description,
    sites: {
      W: direct(8, true),
      A: direct(8),
      G: { quantizer: 'wageubn-constant', bits: 8, kGC: 15, drHalveAt: [30, 60] },
      E: e2,
      E1: shift(8),
      E2: e2,
      'BN.mu': direct(16),
      'BN.sigma': direct(16),
      'BN.xhat': direct(16),
      'BN.gamma': direct(8),
      'BN.beta': direct(8),
      'BN.ggamma': direct(15),
      'BN.gbeta': direct(15),
      WU: direct(24, true),
      'BN.WU': direct(24),
      ACC: direct(13, false, 'nearest-even'),
    },
    layers: { first: float, last: float },
    optimizer: {
      lazy: false,
      wageubn: { kMom: 3, kAcc: 13, kLr: 10, kGC: 15, kWU: 24, msraInit: true },
    },
  };
}

export const wageubn: SchemeInput = wageubnScheme(
  'wageubn',
  shift(16),
  'Yang et al. WAGEUBN: 8-bit W/A/G/E1, 16-bit E2 (shift), quantized BN and integer Momentum; first/last float',
);

export const wageubn8: SchemeInput = wageubnScheme(
  'wageubn8',
  { quantizer: 'wageubn-flag', bits: 8 },
  'Yang et al. WAGEUBN full 8-bit: as wageubn with E2 in the 9-bit flag format (eq. 16)',
);
