// SPDX-License-Identifier: MIT
// Sixteen elements of any storage type as two halves of eight float64 lanes, for the AVX-512
// quantizers (quantize-avx512.cc) and the flag quantizer (flag-avx512.h). Included inside a
// translation unit's AVX-512 target region (isa-begin.h) and anonymous namespace. Masked loads:
// lanes outside m read as 0 and touch no memory, so tails need no scalar loop.

/** Sixteen elements (mask m) of p as two float64 halves. */
template <typename T>
inline void load16(const T* p, __mmask16 m, __m512d& a, __m512d& b) {
  if constexpr (std::is_same<T, double>::value) {
    a = _mm512_maskz_loadu_pd(static_cast<__mmask8>(m), p);
    b = _mm512_maskz_loadu_pd(static_cast<__mmask8>(m >> 8), p + 8);
  } else if constexpr (std::is_same<T, float>::value) {
    const __m512 f = _mm512_maskz_loadu_ps(m, p);
    a = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
    b = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)));
  } else {
    __m512i w;
    if constexpr (sizeof(T) == 4) w = _mm512_maskz_loadu_epi32(m, p);
    else if constexpr (sizeof(T) == 2) w = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(m, p));
    else w = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p));
    a = _mm512_cvtepi32_pd(_mm512_castsi512_si256(w));
    b = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(w, 1));
  }
}
