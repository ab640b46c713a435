// SPDX-License-Identifier: MIT
// The elementwise and layer kernels compiled for AVX-512 (F, BW, VL: 512-bit loops, 64-bit
// integer min/max), with the vector quantizers of quantize-avx512.cc and the 2x2 pooling rows
// of pool-rows-avx512.h. No FMA: products and
// sums round separately, as the reference's float64 operations do. The conv data movers
// (im2col, col2im, the outer-axes swap, the Winograd conv) stay null here: elemKernels takes
// them from the AVX2 table.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "codes.h"
#include "kernels.h"
#include "pool.h"
#include "scratch.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx2,popcnt,prefer-vector-width=512"
#include "isa-begin.h"

#include "im2col-part.h"  // shiftedPlane (layers-impl.h), compiled for AVX-512 here

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
// GCC 12 warns that the intrinsics' own _mm512_undefined_* placeholders are uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace {
#include "pool-rows-avx512.h"
#include "layers-impl.h"
#include "optim-impl.h"
#include "quantize-impl.h"

const ElemKernels KERNELS{quantizeAvx512, requantizeAvx512, maxAbsK,  reluK,   reluBackwardK,
                          nullptr,        maxpoolK,         maxpoolBackwardK,  colSumsK,
                          nullptr,        nullptr,          nullptr,           sgdMomentumK,
                          sgdUpdateK,     addInplaceK,      wageubnMomentumK, kahanCarryK};
}  // namespace
#pragma GCC diagnostic pop

#include "isa-end.h"

const ElemKernels* const ELEM_AVX512 = &KERNELS;
#else
const ElemKernels* const ELEM_AVX512 = nullptr;
#endif
