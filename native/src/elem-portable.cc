// SPDX-License-Identifier: MIT
// The elementwise and layer kernels compiled for the baseline instruction set.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "codes.h"
#include "gemm.h"
#include "im2col-part.h"
#include "kernels.h"
#include "pool.h"
#include "scratch.h"

namespace {
#include "layers-impl.h"
#include "optim-impl.h"
#include "quantize-impl.h"
#include "winograd-impl.h"
}  // namespace

const ElemKernels ELEM_PORTABLE{quantizeK, requantizeK,   maxAbsK,  reluK,   reluBackwardK,
                                swapOuterK, maxpoolK,     maxpoolBackwardK, colSumsK,
                                im2colK,    col2imK,          winogradConvK,
                          sgdMomentumK, sgdUpdateK, addInplaceK, wageubnMomentumK, kahanCarryK,
                          sumAbsK};

namespace {
/** ELEM_AVX512 with its null entries from ELEM_AVX2. */
ElemKernels avx512Table() {
  ElemKernels k = *ELEM_AVX512;
  const ElemKernels& b = *ELEM_AVX2;
  if (!k.swapOuter) k.swapOuter = b.swapOuter;
  if (!k.im2col) k.im2col = b.im2col;
  if (!k.col2im) k.col2im = b.col2im;
  if (!k.winogradConv) k.winogradConv = b.winogradConv;
  return k;
}
}  // namespace

const ElemKernels& elemKernels(Isa isa) {
  if (avx512(isa) && ELEM_AVX512 && ELEM_AVX2) {
    static const ElemKernels k = avx512Table();
    return k;
  }
  return isa != Isa::Portable && ELEM_AVX2 ? *ELEM_AVX2 : ELEM_PORTABLE;
}
