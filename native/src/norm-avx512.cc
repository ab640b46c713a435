// SPDX-License-Identifier: MIT
// BatchNorm, scaled-add and flag kernels compiled for AVX-512 (F, BW, VL: 512-bit loops,
// 64-bit integer min/max; flag_quantize in intrinsics). No FMA: products and sums round
// separately, as the reference's float64 operations do.

#include <cstdint>
#include <type_traits>

#include "norm.h"
#include "pool.h"
#include "scratch.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx2,prefer-vector-width=512"
#include "isa-begin.h"

// GCC 12 warns that the intrinsics' own _mm512_undefined_* placeholders are uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace {
#include "flag-avx512.h"
// flag_quantize's loop in intrinsics (flag-avx512.h) instead of norm-impl.h's flagRange.
#define LOWBIT_FLAG_RANGE flagRangeVec
// add_scaled's float32 and int32 calls in one pass (add-scaled-avx512.h).
#include "add-scaled-avx512.h"
#define LOWBIT_ADD_SCALED_VEC 1
// bn_sums' exact int32 sums in vpmuldq lanes (bn-sums-avx512.h).
#include "bn-sums-avx512.h"
#define LOWBIT_SUMS_EXACT32_PLANE sumsExact32Plane
// bn_xhat_int's plane loop for int32 x (bn-xhat-avx512.h).
#include "bn-xhat-avx512.h"
#define LOWBIT_XHAT_INT32 xhatInt32Vec
#include "norm-impl.h"
ADD_SCALED_VEC_BODY
const NormKernels KERNELS = NORM_TABLE;
}  // namespace

#pragma GCC diagnostic pop
#include "isa-end.h"

const NormKernels* const NORM_AVX512 = &KERNELS;
#else
const NormKernels* const NORM_AVX512 = nullptr;
#endif
