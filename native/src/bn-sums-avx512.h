// SPDX-License-Identifier: MIT
// bn_sums' exact sums for int32 a and b in AVX-512 lanes, for norm-avx512.cc (included inside
// its target region and anonymous namespace, before norm-impl.h, whose bnSumsK calls it for
// int32 pairs). The same integers as sumsExactChannel: each product a b (|a b| <= 2^62, from
// vpmuldq on the even and odd int32 lanes) adds as p >> 32 (arithmetic) and p & (2^32 - 1) to
// int64 lanes, a adds sign-extended; the lanes' sums are the exact sums split another way,
// and hi 2^32 + lo with 0 <= lo < 2^32 names one integer whatever the split. No count of terms
// below 2^31 overflows a lane. Masked-out elements (mask byte 0) count as a = 0. a may also be
// int8 or int16 (a backward pass's quantized error against the int32 x-hat), sign-extended to
// int32 lanes on load; it was summed one element at a time there (~0.9 ns per element).
// Planes come in memory order (norm-impl.h sumsExactPlanes), each into its channel's lanes.

/** Sixteen elements of a (int8, int16 or int32) from p under mask t, as int32 lanes. */
template <typename A>
inline __m512i loadInt32Lanes(const A* p, __mmask16 t) {
  if constexpr (sizeof(A) == 1) return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(t, p));
  else if constexpr (sizeof(A) == 2) return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(t, p));
  else return _mm512_maskz_loadu_epi32(t, p);
}

/**
 * One (n, c) plane's R elements of a and b (int32; b == a: the sums of a and a^2) added into
 * the channel's lane sums acc = [sa lanes 0..7, ph lanes 0..7, pl lanes 0..7] (int64).
 */
template <typename A>
inline void sumsExact32Plane(const A* a, const int32_t* b, const int8_t* mask, int64_t R,
                             int64_t* acc) {
  const __m512i low = _mm512_set1_epi64(0xffffffffll);
  __m512i sa = _mm512_loadu_si512(acc), ph = _mm512_loadu_si512(acc + 8),
          pl = _mm512_loadu_si512(acc + 16);
  const bool self = static_cast<const void*>(a) == static_cast<const void*>(b);
  for (int64_t r = 0; r < R; r += 16) {
    const __mmask16 t =
        R - r >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (R - r)) - 1);
    __m512i av = loadInt32Lanes(a + r, t);
    if (mask) {
      const __m128i m8 = _mm_maskz_loadu_epi8(t, mask + r);
      av = _mm512_maskz_mov_epi32(_mm_test_epi8_mask(m8, m8), av);
    }
    const __m512i bv = self ? av : _mm512_maskz_loadu_epi32(t, b + r);
    // vpmuldq multiplies the low int32 of each int64 lane: the even elements, then the odd
    // ones shifted down.
    const __m512i pe = _mm512_mul_epi32(av, bv);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(av, 32), _mm512_srli_epi64(bv, 32));
    ph = _mm512_add_epi64(ph, _mm512_srai_epi64(pe, 32));
    ph = _mm512_add_epi64(ph, _mm512_srai_epi64(po, 32));
    pl = _mm512_add_epi64(pl, _mm512_and_si512(pe, low));
    pl = _mm512_add_epi64(pl, _mm512_and_si512(po, low));
    sa = _mm512_add_epi64(sa, _mm512_srai_epi64(_mm512_slli_epi64(av, 32), 32));
    sa = _mm512_add_epi64(sa, _mm512_srai_epi64(av, 32));
  }
  _mm512_storeu_si512(acc, sa);
  _mm512_storeu_si512(acc + 8, ph);
  _mm512_storeu_si512(acc + 16, pl);
}
