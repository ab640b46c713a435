// SPDX-License-Identifier: MIT
// The core built-in schemes: plain float32, and `fixed8`, all-sites 8-bit dynamic fixed point.

import type { SchemeInput } from '../schema.js';

/** float32 everywhere: plain float training, the baseline every scheme is compared with. */
export const fp32: SchemeInput = {
  name: 'fp32',
  description: 'float32 at every site: plain float32 training (the baseline)',
  sites: {},
};

const dfp8 = (rounding: 'nearest' | 'stochastic') => ({ format: 'dfp<8>', rounding });

/**
 * fixed8: 8-bit dynamic fixed point (one power-of-two exponent per tensor from its max |x|) at
 * W, A, E, G and U, nearest rounding forward (W, A) and stochastic rounding backward (E, G) and
 * for the update (U), so small gradients and updates survive in expectation. GEMMs and
 * convolutions run on int8 mantissas with int32 accumulators; the weights keep a float32
 * master copy that receives the 8-bit updates.
 */
export const fixed8: SchemeInput = {
  name: 'fixed8',
  description: '8-bit dynamic fixed point at W, A, E, G, U; stochastic rounding on E, G, U',
  sites: {
    W: dfp8('nearest'),
    A: dfp8('nearest'),
    E: dfp8('stochastic'),
    G: dfp8('stochastic'),
    U: dfp8('stochastic'),
  },
};
