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

/** The lanes of v summed: halves, then pairs, then the last two (a fixed order). */
float hsum(__m256 v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

/** F32Micro::dot: 8 lanes, the tail k masked; 16 accumulators. */
void dot(int64_t kc, const float* const* a, const float* const* b, float* out) {
  constexpr int D = F32_DOT;
  __m256 acc[D][D];
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) acc[r][c] = _mm256_setzero_ps();
  auto step = [&](int64_t k, __m256i m, bool masked) {
    __m256 x[D], y[D];
#pragma GCC unroll 4
    for (int r = 0; r < D; r++)
      x[r] = masked ? _mm256_maskload_ps(a[r] + k, m) : _mm256_loadu_ps(a[r] + k);
#pragma GCC unroll 4
    for (int c = 0; c < D; c++)
      y[c] = masked ? _mm256_maskload_ps(b[c] + k, m) : _mm256_loadu_ps(b[c] + k);
#pragma GCC unroll 4
    for (int r = 0; r < D; r++)
#pragma GCC unroll 4
      for (int c = 0; c < D; c++) acc[r][c] = _mm256_fmadd_ps(x[r], y[c], acc[r][c]);
  };
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) step(k, _mm256_setzero_si256(), false);
  if (k < kc) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    step(k, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(kc - k)), lane), true);
  }
  // Unrolled, so acc stays in registers (an indexed loop here kept acc in memory, stored
  // on every step of the loop above).
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) out[r * D + c] = hsum(acc[r][c]);
}

// NC: a packed B block of 256 x 384 floats (384 KB) fits a 512 KB L2.
const F32Micro MICRO{MR, NR, tile, 96, 256, 384, dot};

}  // namespace

#include "isa-end.h"

const F32Micro* const F32_AVX2 = &MICRO;
#else
const F32Micro* const F32_AVX2 = nullptr;
#endif
