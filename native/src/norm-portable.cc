// SPDX-License-Identifier: MIT
// BatchNorm, scaled-add and flag kernels compiled for the baseline instruction set, and the
// choice of table per instruction set.

#include <cstdint>
#include <type_traits>

#include "norm.h"
#include "pool.h"
#include "scratch.h"

namespace {
#include "norm-impl.h"
}  // namespace

const NormKernels NORM_PORTABLE = NORM_TABLE;

const NormKernels& normKernels(Isa isa) {
  if (avx512(isa) && NORM_AVX512) return *NORM_AVX512;
  if (isa != Isa::Portable && NORM_AVX2) return *NORM_AVX2;
  return NORM_PORTABLE;
}
