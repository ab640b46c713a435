// SPDX-License-Identifier: MIT
// Su et al. 2020, 8-bit dynamic fixed point with stochastic (dfp8-sr) or nearest (dfp8-nr)
// rounding on W, A, E and G (their Table 1 compares the two).
//
// The paper's method section is not available to us; we follow the dynamic fixed-point method
// of its references (Courbariaux et al. 2014; Gupta et al. 2015): one shared exponent per
// tensor (per layer and site), kept across steps and moved by one per training step from the
// observed overflow rate (kind `dfp-tracked`, overflowRate 1e-4, Courbariaux's value).
// Stochastic rounding draws from the site's seeded xoshiro128**; `dfp8-sr-lfsr` uses the
// hardware-style 32-bit LFSR instead (src/quant/lfsr.ts), as the paper's FPGA does.
// The weights keep a float32 master copy (U and WU are not quantized), as in Gupta et al.

import type { SchemeInput } from '../schema.js';

const site = (rounding: 'nearest' | 'stochastic', rng: 'xoshiro' | 'lfsr' = 'xoshiro') => ({
  quantizer: 'dfp-tracked',
  bits: 8,
  rounding,
  rng,
});

const all = (s: ReturnType<typeof site>) => ({ W: s, A: s, E: s, G: s });

export const dfp8Sr: SchemeInput = {
  name: 'dfp8-sr',
  description:
    'Su et al.: 8-bit dynamic fixed point (overflow-tracked exponent) on W, A, E, G, stochastic rounding',
  sites: all(site('stochastic')),
};

export const dfp8Nr: SchemeInput = {
  name: 'dfp8-nr',
  description:
    'Su et al.: 8-bit dynamic fixed point (overflow-tracked exponent) on W, A, E, G, nearest rounding',
  sites: all(site('nearest')),
};

export const dfp8SrLfsr: SchemeInput = {
  name: 'dfp8-sr-lfsr',
  description:
    'dfp8-sr with stochastic rounding driven by a 32-bit LFSR (hardware-style generator)',
  sites: all(site('stochastic', 'lfsr')),
};
