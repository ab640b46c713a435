// SPDX-License-Identifier: MIT
// Park et al. 2018: dynamic fixed point with nearest rounding (no stochastic computing) at
// every site, the parameters themselves stored in it (WU), and the lazy update.
//   int8       dfp<8> at W, A, E, G, U, WU, M, V and the logits L   (the paper's INT8 baseline)
//   int16      dfp<16> everywhere                                    (its INT16 baseline)
//   int8-lazy  int8 plus Algorithm 1 (Kahan summation) with an INT16 accumulator (ACC) and
//              update (U), INT16 optimizer state M, V (the paper found INT16 necessary for
//              Adam; we use it for Momentum too, as its AlexNet run did), and the classifier's
//              W, E, G, WU and logits L at the width eq. 5 gives for its number of classes
//              (alpha = 0.5, never below 8 bits; sec. 4.2 puts INT16 on "the activation and
//              the gradient values between the last FC layer and the softmax layer").
// BatchNorm (sec. 4.1): "the inputs and outputs of BN layers were also quantized, but internal
// parameters and operations were done without quantization": BN.x, BN.y (forward) and E1 (the
// error entering BN; its output error is the conv's E) at the scheme's width; BN's statistics,
// normalisation and affine sites stay float, and its parameters gamma, beta are kept and
// updated in float32 (BN.U, BN.WU, BN.M, BN.V, BN.ACC). E1 also names the error entering a
// Conv/Linear no BN follows, where requantizing a dfp<b> tensor at dfp<b> changes nothing.

import type { SchemeInput } from '../schema.js';

const dfp = (bits: number) => ({ format: `dfp<${bits}>`, rounding: 'nearest' });
const f32 = { format: 'float32' };
const every = (bits: number) => {
  const s = dfp(bits);
  return {
    W: s,
    A: s,
    E: s,
    E1: s,
    G: s,
    L: s,
    U: s,
    WU: s,
    M: s,
    V: s,
    'BN.x': s,
    'BN.y': s,
    'BN.U': f32,
    'BN.WU': f32,
    'BN.M': f32,
    'BN.V': f32,
    'BN.ACC': f32,
  };
};

export const int8: SchemeInput = {
  name: 'int8',
  description:
    'Park et al. INT8: dynamic fixed point, nearest rounding, weights stored in 8 bits, BN parameters float',
  sites: every(8),
};

export const int16: SchemeInput = {
  name: 'int16',
  description:
    'Park et al. INT16: 16-bit dynamic fixed point, nearest rounding, at every site, BN parameters float',
  sites: every(16),
};

const classifier = { quantizer: 'dfp-classifier', alpha: 0.5, minBits: 8 };

export const int8Lazy: SchemeInput = {
  name: 'int8-lazy',
  description:
    'Park et al. INT8 with the lazy update (Kahan, INT16 accumulator) and the eq. 5 classifier width',
  sites: { ...every(8), U: dfp(16), M: dfp(16), V: dfp(16), ACC: dfp(16) },
  layers: {
    last: {
      W: classifier,
      E: classifier,
      E1: classifier,
      G: classifier,
      L: classifier,
      WU: classifier,
    },
  },
  optimizer: { lazy: true },
};

// Sec. 4.4 (GANs): INT8 weights, INT16 activations, errors, gradients and Adam state. Only the
// weights' storage (W, WU) is 8 bits, so without the lazy update every update smaller than half
// an 8-bit step is lost; int8w16-lazy keeps it in the INT16 Kahan accumulator (ACC).
const w8a16 = {
  ...every(16),
  W: dfp(8),
  WU: dfp(8),
};

export const int8w16: SchemeInput = {
  name: 'int8w16',
  description:
    'Park et al. GAN setting: INT8 weights (W, WU), INT16 activations, errors, gradients, update and Adam state, no lazy update',
  sites: w8a16,
};

export const int8w16Lazy: SchemeInput = {
  name: 'int8w16-lazy',
  description:
    'Park et al. GAN setting with the lazy update: int8w16 plus Algorithm 1 (Kahan) with an INT16 accumulator (ACC)',
  sites: { ...w8a16, ACC: dfp(16) },
  optimizer: { lazy: true },
};
