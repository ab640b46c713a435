// SPDX-License-Identifier: MIT
// AVX2 float32 microkernel: 6 x 16 tiles, 12 ymm accumulators, FMA.

#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx2,fma"
#include "isa-begin.h"

namespace {

constexpr int MR = 6;
constexpr int NR = 16;

void tile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool add) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) c0[r] = c1[r] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(B + k * NR);
    const __m256 b1 = _mm256_loadu_ps(B + k * NR + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      const __m256 x = _mm256_broadcast_ss(A + k * MR + r);
      c0[r] = _mm256_fmadd_ps(x, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(x, b1, c1[r]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) {
    float* p = C + r * ldc;
    __m256 v0 = c0[r], v1 = c1[r];
    if (add) {
      v0 = _mm256_add_ps(_mm256_loadu_ps(p), v0);
      v1 = _mm256_add_ps(_mm256_loadu_ps(p + 8), v1);
    }
    _mm256_storeu_ps(p, v0);
    _mm256_storeu_ps(p + 8, v1);
  }
}

// NC: a packed B block of 256 x 384 floats (384 KB) fits a 512 KB L2.
const F32Micro MICRO{MR, NR, tile, 96, 256, 384};

}  // namespace

#include "isa-end.h"

const F32Micro* const F32_AVX2 = &MICRO;
#else
const F32Micro* const F32_AVX2 = nullptr;
#endif
