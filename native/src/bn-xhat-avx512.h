// SPDX-License-Identifier: MIT
// bn_xhat_int's plane loop for int32 x (a conv's output) in AVX-512 intrinsics, for
// norm-avx512.cc (included inside its target region and anonymous namespace, before
// norm-impl.h, whose bnXhatIntK calls it for int32 x). Eight float64 lanes do xhatIntPlane's
// operations in its order: (x - mu) rs, rounded to float32 and back, times scale plus 1/2,
// floor; then the int32 clamp (NaN stored as 0), the flags and the min and max in int32
// lanes. The auto-vectorized loop took ~3x bn_forward's time.

/** xhatIntPlane for int32 x: the same stores, min, max and flags. */
inline void xhatInt32Vec(const int32_t* x, int64_t R, double mu, double rs, double scale,
                         int32_t* out, int32_t& lo, int32_t& hi, int32_t& flags) {
  const __m512d vmu = _mm512_set1_pd(mu), vrs = _mm512_set1_pd(rs), vsc = _mm512_set1_pd(scale);
  const __m512d half = _mm512_set1_pd(0.5), zero = _mm512_setzero_pd();
  const __m512d lo31 = _mm512_set1_pd(-2147483648.0), hi31 = _mm512_set1_pd(2147483647.0);
  __m256i vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  __mmask8 nan = 0, over = 0;
  for (int64_t r = 0; r < R; r += 8) {
    const __mmask8 t = R - r >= 8 ? __mmask8(0xff) : static_cast<__mmask8>((1u << (R - r)) - 1);
    const __m512d xv = _mm512_cvtepi32_pd(_mm256_maskz_loadu_epi32(t, x + r));
    const __m512d tt = _mm512_mul_pd(_mm512_sub_pd(xv, vmu), vrs);
    const __m512d f = _mm512_cvtps_pd(_mm512_cvtpd_ps(tt));
    const __m512d w = _mm512_add_pd(_mm512_mul_pd(f, vsc), half);
    const __m512d v = _mm512_roundscale_pd(w, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __mmask8 bad = _mm512_mask_cmp_pd_mask(t, v, v, _CMP_UNORD_Q);
    nan |= bad;
    over |= _mm512_mask_cmp_pd_mask(t, v, lo31, _CMP_LT_OQ) |
            _mm512_mask_cmp_pd_mask(t, v, hi31, _CMP_GT_OQ);
    __m512d c = _mm512_min_pd(_mm512_max_pd(v, lo31), hi31);
    c = _mm512_mask_mov_pd(c, bad, zero);
    const __m256i q = _mm512_cvttpd_epi32(c);
    _mm256_mask_storeu_epi32(out + r, t, q);
    vlo = _mm256_mask_min_epi32(vlo, t, vlo, q);
    vhi = _mm256_mask_max_epi32(vhi, t, vhi, q);
  }
  int32_t l[8], h[8];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(l), vlo);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(h), vhi);
  for (int j = 0; j < 8; j++) {
    lo = l[j] < lo ? l[j] : lo;
    hi = h[j] > hi ? h[j] : hi;
  }
  flags |= (nan ? 1 : 0) | (over ? 2 : 0);
}
