// SPDX-License-Identifier: MIT
// flag_quantize's range loop in AVX-512 intrinsics, included by norm-avx512.cc inside its
// anonymous namespace before norm-impl.h (which then calls flagRangeVec instead of its
// auto-vectorized flagRange: GCC kept that loop at ~1 ns per element). Sixteen elements per
// step as two halves of eight float64 lanes doing flagRange's operations in its order
// (v = x pre, u = v post, floor(u + 1/2) clamped to +-top, floor(u half + 1/2), the select on
// |u| >= 1), so each lane gives the scalar result bit for bit. int8 / int16 mantissas scaled
// by powers of two (the callers pass 2^xExp and 2^-scExp) take exact int32 shifts instead,
// sixteen lanes per operation (flagRangeShift). Masks handle the tail; the int32 mantissas
// narrow by truncation, as a typed-array store wraps. float32 values scaled by a power of two
// within float32's normal range take sixteen float32 lanes (flagRangeF32).

#include "load16-avx512.h"

/** The constants of one call, broadcast. */
struct FlagConsts {
  __m512d pre, post, half, top, negTop, one, h, zero;
  FlagConsts(double p, double q, double hf, double t)
      : pre(_mm512_set1_pd(p)),
        post(_mm512_set1_pd(q)),
        half(_mm512_set1_pd(hf)),
        top(_mm512_set1_pd(t)),
        negTop(_mm512_set1_pd(-t)),
        one(_mm512_set1_pd(1.0)),
        h(_mm512_set1_pd(0.5)),
        zero(_mm512_setzero_pd()) {}
};

/** Masks of eight lanes: clamped in the large case, and v != 0 (NaN included). */
struct Flag8 {
  __mmask8 sat, nonzero;
};

/**
 * Eight lanes of x: int32 mantissas, NaN as 0x80000000 (the caller stores 0). One floor for
 * both cases: t = u where |u| >= 1, else u half, so floor(t + 1/2) is flagRange's r or its
 * small, the same operations on the same operands; the clamp and the factor half then apply to
 * the large lanes only.
 */
inline __m256i flag8(const FlagConsts& K, __m512d x, Flag8& f) {
  const __m512d v = _mm512_mul_pd(x, K.pre);
  const __m512d u = _mm512_mul_pd(v, K.post);
  const __mmask8 big = _mm512_cmp_pd_mask(_mm512_abs_pd(u), K.one, _CMP_GE_OQ);
  const __m512d t = _mm512_mask_mul_pd(u, static_cast<__mmask8>(~big), u, K.half);
  __m512d m = _mm512_roundscale_pd(_mm512_add_pd(t, K.h), _MM_FROUND_TO_NEG_INF);
  const __mmask8 over = _mm512_mask_cmp_pd_mask(big, m, K.top, _CMP_GT_OQ);
  const __mmask8 below = _mm512_mask_cmp_pd_mask(big, m, K.negTop, _CMP_LT_OQ);
  m = _mm512_mask_mov_pd(m, over, K.top);
  m = _mm512_mask_mov_pd(m, below, K.negTop);
  m = _mm512_mask_mul_pd(m, big, m, K.half);
  f.sat = over | below;
  f.nonzero = _mm512_cmp_pd_mask(v, K.zero, _CMP_NEQ_UQ);
  return _mm512_cvttpd_epi32(m);
}

/**
 * Sixteen int32 lanes stored to TO under mask mk, narrowed by truncation (a typed-array store
 * wraps): narrowed in a register, then a plain store for a full block (the masked narrowing
 * store to memory, vpmovdw m256{k}, cost more than the rest of a block).
 */
template <typename TO>
inline void storeWrapped(TO* out, __mmask16 mk, __m512i w) {
  if constexpr (sizeof(TO) == 4) {
    if (mk == 0xffff) _mm512_storeu_si512(out, w);
    else _mm512_mask_storeu_epi32(out, mk, w);
  } else if constexpr (sizeof(TO) == 2) {
    const __m256i h = _mm512_cvtepi32_epi16(w);
    if (mk == 0xffff) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), h);
    else _mm256_mask_storeu_epi16(out, mk, h);
  } else {
    const __m128i b = _mm512_cvtepi32_epi8(w);
    if (mk == 0xffff) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
    else _mm_mask_storeu_epi8(out, mk, b);
  }
}

/** e where d = 2^e is a normal float64, else INT32_MIN. */
inline int pow2Exp(double d) {
  uint64_t b;
  __builtin_memcpy(&b, &d, 8);
  const int e = static_cast<int>((b >> 52) & 2047);
  if ((b & ((uint64_t(1) << 52) - 1)) != 0 || (b >> 63) != 0 || e == 0 || e == 2047)
    return INT32_MIN;
  return e - 1023;
}

/** floor(x 2^s + 1/2) of int32 lanes |x| < 2^15, s in [-17, 16]: exact in int32. */
inline __m512i roundShift(__m512i x, int s) {
  if (s >= 0) return _mm512_slli_epi32(x, static_cast<unsigned>(s));
  const int r = -s;
  return _mm512_srai_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(1 << (r - 1))),
                           static_cast<unsigned>(r));
}

/**
 * flagRange for int8 / int16 mantissas when pre and post are powers of two: u = x 2^s is
 * exact, so |u| >= 1 is |x| >= 2^-s and floor(u + 1/2) is an arithmetic shift, sixteen int32
 * lanes at a time. Shifts past 16 either way give the same results as 16 or 17 (|x| < 2^15:
 * left, every nonzero lane saturates; right, every rounded lane is 0).
 */
template <typename T, typename TO>
FlagCounts flagRangeShift(const T* x, int64_t i0, int64_t i1, int s, int hBits, int top,
                          TO* out) {
  // large case: floor(x 2^s + 1/2) (lanes below 2^-s with s < -17 are small ones)
  const int sBig = s < -17 ? -17 : (s > 16 ? 16 : s);
  const int hs0 = s + hBits;         // small case: floor(x 2^(s + hBits) + 1/2)
  const int hs = hs0 < -17 ? -17 : (hs0 > 16 ? 16 : hs0);
  // |x| >= 2^-s: every nonzero x when s >= 0 (then the small case never runs)
  const int32_t bigFrom = s >= 0 ? 1 : (-s >= 16 ? 65536 : (1 << -s));
  const __m512i vTop = _mm512_set1_epi32(top), vNegTop = _mm512_set1_epi32(-top);
  const __m512i vFrom = _mm512_set1_epi32(bigFrom), zero = _mm512_setzero_si512();
  int64_t sat = 0, under = 0;
  for (int64_t i = i0; i < i1; i += 16) {
    const int64_t left = i1 - i;
    const __mmask16 mk = left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    __m512i w;
    if constexpr (sizeof(T) == 2) w = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(mk, x + i));
    else w = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mk, x + i));
    const __mmask16 big = _mm512_cmpge_epi32_mask(_mm512_abs_epi32(w), vFrom);
    __m512i r = roundShift(w, sBig);
    const __mmask16 over = _mm512_mask_cmpgt_epi32_mask(big, r, vTop);
    const __mmask16 below = _mm512_mask_cmplt_epi32_mask(big, r, vNegTop);
    r = _mm512_mask_mov_epi32(r, over, vTop);
    r = _mm512_mask_mov_epi32(r, below, vNegTop);
    r = _mm512_slli_epi32(r, static_cast<unsigned>(hBits));
    const __m512i m = _mm512_mask_mov_epi32(roundShift(w, hs), big, r);
    const __mmask16 nz = _mm512_mask_cmpneq_epi32_mask(mk, w, zero);
    sat += __builtin_popcount(static_cast<unsigned>((over | below) & mk));
    under += __builtin_popcount(static_cast<unsigned>(_mm512_mask_cmpeq_epi32_mask(nz, m, zero)));
    storeWrapped(out + i, mk, m);
  }
  return {sat, under};
}

/** flagRange's sixteen elements at x (mask mk) in float64 lanes; counts into sat, under. */
template <typename T, typename TO>
inline void flagBlock64(const FlagConsts& K, const T* x, __mmask16 mk, TO* out, int64_t& sat,
                        int64_t& under) {
  __m512d a, b;
  load16(x, mk, a, b);
  Flag8 fa, fb;
  const __m256i lo = flag8(K, a, fa);
  const __m256i hi = flag8(K, b, fb);
  __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
  // |m| <= (2^15 - 1) 2^15 < 2^31, so 0x80000000 only from NaN; an int32 0 is m == 0.
  const __mmask16 nan = _mm512_cmpeq_epi32_mask(w, _mm512_set1_epi32(INT32_MIN));
  const __mmask16 nonzero = _mm512_kunpackb(fb.nonzero, fa.nonzero);
  const __mmask16 zero = _mm512_mask_cmpeq_epi32_mask(mk & nonzero, w, _mm512_setzero_si512());
  w = _mm512_mask_mov_epi32(w, nan, _mm512_setzero_si512());
  sat += __builtin_popcount(static_cast<unsigned>(_mm512_kunpackb(fb.sat, fa.sat) & mk));
  under += __builtin_popcount(static_cast<unsigned>(zero));
  storeWrapped(out, mk, w);
}

/**
 * flagRange for float32 x when pre post = 2^c with -126 <= c <= 127 and half = 2^h, 0 <= h <=
 * 12: sixteen float32 lanes, products and sums rounded toward -infinity (RD), as
 * quantize-avx512.cc's Block32. The reference's u = (x pre) post is exact in float64;
 * u32 = RD(x 2^c) equals it for 2^-126 <= |u| < 2^128, so |u32| >= 1 is |u| >= 1 (beyond the
 * float32 range u32 is +-float32's largest or -inf: saturated alike). The reference rounds
 * floor(t + 1/2) of t = u (large) or u half (small), exact values; here floor(RD(t32 + 1/2))
 * with t32 = u32 or RD(u32 half) <= t: never above floor(t + 1/2), and equal to it where t32 =
 * t (the integer below t + 1/2 is a float32) or where |t| < 2^-114 (t + 1/2 inside (0, 1)).
 * |m| <= (2^h - 1) 2^h < 2^24 is exact.
 */
template <typename TO>
FlagCounts flagRangeF32(const float* x, int64_t i0, int64_t i1, float scale, float half,
                        float top, TO* out) {
  constexpr int RD = _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC;
  const __m512 sc = _mm512_set1_ps(scale), hf = _mm512_set1_ps(half), tp = _mm512_set1_ps(top);
  const __m512 ntp = _mm512_set1_ps(-top), one = _mm512_set1_ps(1.0f);
  const __m512 h = _mm512_set1_ps(0.5f), z = _mm512_setzero_ps();
  int64_t sat = 0, under = 0;
  for (int64_t i = i0; i < i1; i += 16) {
    const int64_t left = i1 - i;
    const __mmask16 mk = left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    const __m512 a = _mm512_maskz_loadu_ps(mk, x + i);
    const __m512 u = _mm512_mul_round_ps(a, sc, RD);
    const __mmask16 nz = _mm512_mask_cmp_ps_mask(mk, a, z, _CMP_NEQ_UQ);  // NaN: nonzero
    const __mmask16 big = _mm512_cmp_ps_mask(_mm512_abs_ps(u), one, _CMP_GE_OQ);
    const __m512 t = _mm512_mask_mul_round_ps(u, static_cast<__mmask16>(~big), u, hf, RD);
    __m512 m = _mm512_roundscale_ps(_mm512_add_round_ps(t, h, RD), RD);
    const __mmask16 over = _mm512_mask_cmp_ps_mask(big & mk, m, tp, _CMP_GT_OQ);
    const __mmask16 below = _mm512_mask_cmp_ps_mask(big & mk, m, ntp, _CMP_LT_OQ);
    m = _mm512_mask_mov_ps(m, over, tp);
    m = _mm512_mask_mov_ps(m, below, ntp);
    m = _mm512_mask_mul_ps(m, big, m, hf);
    sat += __builtin_popcount(static_cast<unsigned>(over | below));
    const __mmask16 zero = _mm512_mask_cmp_ps_mask(nz, m, z, _CMP_EQ_OQ);
    under += __builtin_popcount(static_cast<unsigned>(zero));
    // NaN stores 0 (a typed-array store of NaN).
    storeWrapped(out + i, mk, _mm512_maskz_cvttps_epi32(_mm512_cmp_ps_mask(m, m, _CMP_ORD_Q), m));
  }
  return {sat, under};
}

template <typename T, typename TO>
FlagCounts flagRangeVec(const T* x, int64_t i0, int64_t i1, double pre, double post,
                        double half, double top, TO* out) {
  if constexpr (std::is_integral<T>::value && sizeof(T) <= 2) {
    const int a = pow2Exp(pre), b = pow2Exp(post), h = pow2Exp(half);
    // The reference's products x pre and (x pre) post are then exact normal numbers (|x| <
    // 2^15): no overflow to infinity, no underflow to 0 or to a subnormal.
    if (a > -1000 && a < 900 && b != INT32_MIN && h >= 0 && h <= 15 && a + b > -1000 &&
        a + b < 900)
      return flagRangeShift(x, i0, i1, a + b, h, static_cast<int>(top), out);
  }
  const FlagConsts K(pre, post, half, top);
  if constexpr (std::is_same<T, float>::value) {
    const int a = pow2Exp(pre), b = pow2Exp(post), h = pow2Exp(half);
    // x pre and then post exact in float64 (|a|, |b| < 900), their product a float32 normal
    // power of two, top = half - 1.
    if (a > -900 && a < 900 && b > -900 && b < 900 && a + b >= -126 && a + b <= 127 &&
        h >= 0 && h <= 12 && top == half - 1) {
      const float scale = static_cast<float>(pre * post);
      return flagRangeF32(x, i0, i1, scale, static_cast<float>(half), static_cast<float>(top),
                          out);
    }
  }
  int64_t sat = 0, under = 0;
  for (int64_t i = i0; i < i1; i += 16) {
    const int64_t left = i1 - i;
    const __mmask16 mk = left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    flagBlock64(K, x + i, mk, out + i, sat, under);
  }
  return {sat, under};
}
