// SPDX-License-Identifier: MIT
// Zhang et al. 2020, adaptive fixed-point training: W and A in int8, activation gradients (E)
// start at int8 and per layer grow to int16/int24 when the QEM measure (eq. 2) exceeds
// T_data = 0.03; QPA re-chooses width and resolution every Itv steps (alpha = 0.04,
// beta = 0.1, delta = 100, gamma = 2, Mode2: the paper's constants, sec. 5).
// Choices: W and A use the same controller capped at 8 bits (QPA picks their resolution and
// interval; the paper reports all weights and activations stayed int8); nearest rounding (the
// paper's quantification appendix is not available); the initialization phase (Itv = 1) is
// the first 60 steps, one tenth of an MNIST epoch at batch 100 (set `initSteps` for others).
// Weight gradients and the update stay float32: the paper quantizes the three GEMM inputs.
// `adaptive-mode1` lets widths shrink as well (Mode1).

import type { SchemeInput } from '../schema.js';

const int8 = { quantizer: 'adaptive', initBits: 8, maxBits: 8 };

export const adaptive: SchemeInput = {
  name: 'adaptive',
  description: 'Zhang et al.: int8 W/A, activation gradients int8->int16->int24 by QEM/QPA (Mode2)',
  sites: { W: int8, A: int8, E: { quantizer: 'adaptive', mode: 'mode2' } },
};

export const adaptiveMode1: SchemeInput = {
  name: 'adaptive-mode1',
  description:
    'adaptive with QPA Mode1 (widths restart at int8 at each adjustment, so they can shrink)',
  sites: { W: int8, A: int8, E: { quantizer: 'adaptive', mode: 'mode1' } },
};
