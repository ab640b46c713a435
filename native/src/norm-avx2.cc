// SPDX-License-Identifier: MIT
// BatchNorm, scaled-add and flag kernels compiled for AVX2 (the loops of norm-impl.h
// auto-vectorized 256 bits wide; floor as one vroundpd). No FMA: products and sums round
// separately, as the reference's float64 operations do.

#include <cstdint>
#include <type_traits>

#include "norm.h"
#include "pool.h"
#include "scratch.h"

#if defined(__x86_64__) || defined(_M_X64)
#define LOWBIT_TARGET "avx2"
#include "isa-begin.h"

namespace {
#include "norm-impl.h"
const NormKernels KERNELS = NORM_TABLE;
}  // namespace

#include "isa-end.h"

const NormKernels* const NORM_AVX2 = &KERNELS;
#else
const NormKernels* const NORM_AVX2 = nullptr;
#endif
