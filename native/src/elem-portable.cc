// SPDX-License-Identifier: MIT
// The elementwise and layer kernels compiled for the baseline instruction set.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "codes.h"
#include "gemm.h"
#include "kernels.h"
#include "pool.h"
#include "scratch.h"

namespace {
#include "layers-impl.h"
#include "quantize-impl.h"
#include "winograd-impl.h"
}  // namespace

const ElemKernels ELEM_PORTABLE{quantizeK, requantizeK,   maxAbsK,  reluK,   reluBackwardK,
                                swapOuterK, maxpoolK,     maxpoolBackwardK, colSumsK,
                                im2colK,    col2imK,          winogradConvK};

const ElemKernels& elemKernels(Isa isa) {
  return isa != Isa::Portable && ELEM_AVX2 ? *ELEM_AVX2 : ELEM_PORTABLE;
}
