// SPDX-License-Identifier: MIT
// The elementwise and layer kernels compiled for AVX2 (wider auto-vectorized loops, and
// floor as one vroundpd instead of a library call). The same source as elem-portable.cc.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "codes.h"
#include "gemm.h"
#include "kernels.h"
#include "pool.h"
#include "scratch.h"

#if defined(__x86_64__) || defined(_M_X64)
#define LOWBIT_TARGET "avx2"  // no fma: products and sums must round separately
#include "isa-begin.h"

#include "im2col-part.h"  // shiftedPlane, compiled for AVX2 here

namespace {
#include "layers-impl.h"
#include "optim-impl.h"
#include "quantize-impl.h"
#include "winograd-impl.h"

// quantize / requantize: the vector loops of quantize-avx2.cc.
const ElemKernels KERNELS{quantizeAvx2, requantizeAvx2, maxAbsK,          reluK,
                          reluBackwardK, swapOuterK,    maxpoolK,         maxpoolBackwardK,
                          colSumsK,     im2colK,        col2imK,          winogradConvK,
                          sgdMomentumK, sgdUpdateK, addInplaceK, wageubnMomentumK, kahanCarryK,
                          sumAbsK};
}  // namespace

#include "isa-end.h"

const ElemKernels* const ELEM_AVX2 = &KERNELS;
#else
const ElemKernels* const ELEM_AVX2 = nullptr;
#endif
