// SPDX-License-Identifier: MIT
// AVX-512 rows of 2x2, stride-2 max pooling and its backward pass for 4-byte elements (int32
// and float32), included inside the anonymous namespace of elem-avx512.cc before
// layers-impl.h, whose 2x2 loops call them (LOWBIT_POOL_ROWS). The scalar loops branch on
// every compare and mispredict on activations; here 16 windows take masked loads, one
// deinterleave per row and compare masks, with the reference's order and strict > (ties keep
// the earlier element), and float32 NaN compares false as there.
#define LOWBIT_POOL_ROWS 1

template <typename T>
inline __mmask16 gtMask(__m512i a, __m512i b) {
  if constexpr (std::is_same<T, float>::value)
    return _mm512_cmp_ps_mask(_mm512_castsi512_ps(a), _mm512_castsi512_ps(b), _CMP_GT_OQ);
  else return _mm512_cmpgt_epi32_mask(a, b);
}

inline __mmask16 firstN(int64_t n) {
  return n >= 16 ? __mmask16(0xffff) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

/** y[ow], arg[ow] for ow < OW from rows r0, r1 (2 OW elements each used). */
template <typename T>
void poolRow2x2(const T* r0, const T* r1, int64_t OW, T* y, uint8_t* arg) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t ow = 0; ow < OW; ow += 16) {
    const int64_t cnt = OW - ow < 16 ? OW - ow : 16;
    const __mmask16 m = firstN(cnt), lo = firstN(2 * cnt), hi = firstN(2 * cnt - 16);
    const __m512i a0 = _mm512_maskz_loadu_epi32(lo, r0 + 2 * ow);
    const __m512i a1 = _mm512_maskz_loadu_epi32(hi, r0 + 2 * ow + 16);
    const __m512i b0 = _mm512_maskz_loadu_epi32(lo, r1 + 2 * ow);
    const __m512i b1 = _mm512_maskz_loadu_epi32(hi, r1 + 2 * ow + 16);
    __m512i best = _mm512_permutex2var_epi32(a0, even, a1);
    __m512i bi = _mm512_setzero_si512();
    const __m512i cand[3] = {_mm512_permutex2var_epi32(a0, odd, a1),
                             _mm512_permutex2var_epi32(b0, even, b1),
                             _mm512_permutex2var_epi32(b0, odd, b1)};
    for (int c = 0; c < 3; c++) {
      const __mmask16 k = gtMask<T>(cand[c], best);
      best = _mm512_mask_mov_epi32(best, k, cand[c]);
      bi = _mm512_mask_mov_epi32(bi, k, _mm512_set1_epi32(c + 1));
    }
    _mm512_mask_storeu_epi32(y + ow, m, best);
    _mm512_mask_cvtepi32_storeu_epi8(arg + ow, m, bi);
  }
}

/** Rows r0, r1 of dx (2 OW elements each) from dy[ow] and arg[ow]: 0 + dy at the argmax. */
template <typename T>
void unpoolRow2x2(const T* g, const uint8_t* ar, int64_t OW, T* r0, T* r1) {
  const __m512i lo16 = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi16 = _mm512_add_epi32(lo16, _mm512_set1_epi32(8));
  for (int64_t ow = 0; ow < OW; ow += 16) {
    const int64_t cnt = OW - ow < 16 ? OW - ow : 16;
    const __mmask16 m = firstN(cnt), lo = firstN(2 * cnt), hi = firstN(2 * cnt - 16);
    __m512i v = _mm512_maskz_loadu_epi32(m, g + ow);
    if constexpr (std::is_same<T, float>::value)  // 0 + dy, as the reference adds (-0 -> +0)
      v = _mm512_castps_si512(_mm512_add_ps(_mm512_setzero_ps(), _mm512_castsi512_ps(v)));
    const __m512i a = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, ar + ow));
    __m512i z[4];
    for (int c = 0; c < 4; c++)
      z[c] = _mm512_maskz_mov_epi32(_mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32(c)), v);
    _mm512_mask_storeu_epi32(r0 + 2 * ow, lo, _mm512_permutex2var_epi32(z[0], lo16, z[1]));
    _mm512_mask_storeu_epi32(r0 + 2 * ow + 16, hi, _mm512_permutex2var_epi32(z[0], hi16, z[1]));
    _mm512_mask_storeu_epi32(r1 + 2 * ow, lo, _mm512_permutex2var_epi32(z[2], lo16, z[3]));
    _mm512_mask_storeu_epi32(r1 + 2 * ow + 16, hi, _mm512_permutex2var_epi32(z[2], hi16, z[3]));
  }
}
