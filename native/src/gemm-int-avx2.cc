// SPDX-License-Identifier: MIT
// AVX2 integer microkernel: int16 pairs (G = 2) multiplied with vpmaddwd (two int16 x int16
// products summed into int32, exact: only (-32768)^2 * 2 = 2^31 leaves int32, and it wraps to
// -2^31, which is the same value modulo 2^32 as the sums it feeds), accumulated with vpaddd.
// int8 operands are widened to int16 while packing. vpmaddubsw (u8 x s8, pairs summed into
// int16 with saturation) is not used: with a + 128 in 0..255 and b in -128..127 a pair reaches
// 65280 and saturates, so its sums would not be exact. Tiles of 4 rows x 24 columns: 12 ymm
// accumulators, 3 for B, 1 for the broadcast of A.

#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx2,fma"
#include "isa-begin.h"

namespace {

constexpr int MR = 4;
constexpr int NR = 24;

void tile(int64_t groups, const uint8_t* Ap, const uint8_t* Bp, const int32_t* init, int32_t* C,
          int64_t ldc, bool add) {
  __m256i c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
  if (init) {
    const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init));
    const __m256i i1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + 8));
    const __m256i i2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + 16));
    c00 = c10 = c20 = c30 = i0;
    c01 = c11 = c21 = c31 = i1;
    c02 = c12 = c22 = c32 = i2;
  } else {
    c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 =
        _mm256_setzero_si256();
  }
  const int32_t* a = reinterpret_cast<const int32_t*>(Ap);
  const __m256i* b = reinterpret_cast<const __m256i*>(Bp);
  for (int64_t g = 0; g < groups; g++) {
    const __m256i b0 = _mm256_loadu_si256(b);
    const __m256i b1 = _mm256_loadu_si256(b + 1);
    const __m256i b2 = _mm256_loadu_si256(b + 2);
    __m256i x = _mm256_set1_epi32(a[0]);
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
    c02 = _mm256_add_epi32(c02, _mm256_madd_epi16(x, b2));
    x = _mm256_set1_epi32(a[1]);
    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
    c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
    c12 = _mm256_add_epi32(c12, _mm256_madd_epi16(x, b2));
    x = _mm256_set1_epi32(a[2]);
    c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
    c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
    c22 = _mm256_add_epi32(c22, _mm256_madd_epi16(x, b2));
    x = _mm256_set1_epi32(a[3]);
    c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
    c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
    c32 = _mm256_add_epi32(c32, _mm256_madd_epi16(x, b2));
    a += MR;
    b += 3;
  }
  auto put = [&](int32_t* p, __m256i v) {
    __m256i* q = reinterpret_cast<__m256i*>(p);
    if (add) v = _mm256_add_epi32(v, _mm256_loadu_si256(q));
    _mm256_storeu_si256(q, v);
  };
  put(C, c00);
  put(C + 8, c01);
  put(C + 16, c02);
  put(C + ldc, c10);
  put(C + ldc + 8, c11);
  put(C + ldc + 16, c12);
  put(C + 2 * ldc, c20);
  put(C + 2 * ldc + 8, c21);
  put(C + 2 * ldc + 16, c22);
  put(C + 3 * ldc, c30);
  put(C + 3 * ldc + 8, c31);
  put(C + 3 * ldc + 16, c32);
}

const IntMicro MICRO{MR, NR, 2, false, tile, 128, 256, 3072, packAAvx2, packBAvx2, packBKMajorAvx2,
                     nullptr, nullptr};
const IntKernels KERNELS{MICRO, MICRO};

}  // namespace

#include "isa-end.h"

const IntKernels* const INT_AVX2 = &KERNELS;
#else
const IntKernels* const INT_AVX2 = nullptr;
#endif
