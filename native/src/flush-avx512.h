// SPDX-License-Identifier: MIT
// The int32 -> float64 flush of a D x D block of int32 dot accumulators, shared by the AVX-512
// int16 dot kernels (gemm-int-avx512.cc dotF64, conv-wgrad-int-avx512.cc). Included inside a
// translation unit's AVX-512 target region (isa-begin.h) and anonymous namespace.

/**
 * out[r * D + c] += the sum of acc[r][c]'s 16 int32 lanes, widened to float64 in two halves of 8
 * (exact: each lane is within int32 and the sum of 16 within 2^53). Unrolled so that, inlined,
 * the accumulators stay in registers.
 */
template <int D>
inline void addLanesF64(const __m512i (&acc)[D][D], double* out) {
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) {
      const __m512d lo = _mm512_cvtepi32_pd(_mm512_castsi512_si256(acc[r][c]));
      const __m512d hi = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(acc[r][c], 1));
      out[r * D + c] += _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
    }
}
