// SPDX-License-Identifier: MIT
// AVX2 quantize / requantize: four float64 lanes doing the reference's operations (x = v *
// 2^-exp; floor(x + 1/2), floor(x + u) or floor(x); clamp; counts), so every lane gives the
// scalar result bit for bit; division by 2^s is the exact multiplication by 2^-s. Stochastic
// rounding takes its xoshiro128** words from a scalar loop in order (one per element, the
// generator state saved after the last), then the vector lanes use their top 24 bits. Calls
// whose output type cannot hold [lo, hi] keep the scalar loop (quantize-impl.h), which
// wraps like a typed-array store.

#include <cstdint>
#include <type_traits>

#include "codes.h"
#include "kernels.h"
#include "pool.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx2"  // no fma: products and sums must round separately
#include "isa-begin.h"

namespace {
#include "quantize-impl.h"

/** Elements per batch of random words. */
constexpr int64_t BATCH = 512;

/** Four lanes of x -> clamped integer lanes (int32), counting as clampCount does. */
struct Clamp {
  __m256d lo, hi;
  int64_t saturated = 0, underflow = 0;
  Clamp(double l, double h) : lo(_mm256_set1_pd(l)), hi(_mm256_set1_pd(h)) {}
  __m128i operator()(__m256d q, __m256d x) {
    const __m256d over = _mm256_cmp_pd(q, hi, _CMP_GT_OQ);
    const __m256d under = _mm256_cmp_pd(q, lo, _CMP_LT_OQ);
    const __m256d zero = _mm256_and_pd(_mm256_cmp_pd(q, _mm256_setzero_pd(), _CMP_EQ_OQ),
                                       _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_NEQ_UQ));
    saturated += __builtin_popcount(_mm256_movemask_pd(_mm256_or_pd(over, under)));
    underflow += __builtin_popcount(_mm256_movemask_pd(zero));
    q = _mm256_blendv_pd(q, hi, over);
    q = _mm256_blendv_pd(q, lo, under);
    // NaN stores as 0 (a typed-array store of NaN).
    q = _mm256_blendv_pd(q, _mm256_setzero_pd(), _mm256_cmp_pd(q, q, _CMP_UNORD_Q));
    return _mm256_cvttpd_epi32(q);
  }
};

template <typename TO>
inline void store8(TO* out, __m128i a, __m128i b) {
  if (sizeof(TO) == 4) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), a);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4), b);
  } else if (sizeof(TO) == 2) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_packs_epi32(a, b));
  } else {
    const __m128i w = _mm_packs_epi32(a, b);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(w, w));
  }
}

template <typename T>
inline __m256d load4(const T* p) {
  if (std::is_same<T, double>::value) return _mm256_loadu_pd(reinterpret_cast<const double*>(p));
  if (std::is_same<T, float>::value)
    return _mm256_cvtps_pd(_mm_loadu_ps(reinterpret_cast<const float*>(p)));
  if (sizeof(T) == 4)
    return _mm256_cvtepi32_pd(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  if (sizeof(T) == 2)
    return _mm256_cvtepi32_pd(
        _mm_cvtepi16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  int32_t four;  // four int8 (memcpy: no aliasing or alignment assumption)
  __builtin_memcpy(&four, p, 4);
  return _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(_mm_cvtsi32_si128(four)));
}

/** (u >> 8) for four random words, as float64 lanes. */
inline __m256d top24(const uint32_t* u) {
  return _mm256_cvtepi32_pd(
      _mm_srli_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(u)), 8));
}

template <typename TI, typename TO, int MODE>
QuantCounts quantizeV(const TI* v, int64_t n, double scale, double lo, double hi, uint32_t* st,
                      TO* out) {
  Clamp clamp(lo, hi);
  const __m256d sc = _mm256_set1_pd(scale), half = _mm256_set1_pd(0.5);
  const __m256d inv24 = _mm256_set1_pd(1.0 / 16777216.0);
  uint32_t zero[4] = {0, 0, 0, 0};
  Xoshiro rng(st ? st : zero);
  alignas(32) uint32_t u[BATCH];
  int64_t i = 0;
  for (; i + 8 <= n;) {
    const int64_t m = (n - i) / 8 * 8 < BATCH ? (n - i) / 8 * 8 : BATCH;
    if (MODE == ROUND_STOCHASTIC)
      for (int64_t j = 0; j < m; j++) u[j] = rng.next();
    for (int64_t j = 0; j < m; j += 8, i += 8) {
      __m128i r[2];
      for (int h = 0; h < 2; h++) {
        const __m256d x = _mm256_mul_pd(load4(v + i + 4 * h), sc);
        __m256d q;
        if (MODE == ROUND_NEAREST) q = _mm256_floor_pd(_mm256_add_pd(x, half));
        else if (MODE == ROUND_STOCHASTIC)
          q = _mm256_floor_pd(_mm256_add_pd(x, _mm256_mul_pd(top24(u + j + 4 * h), inv24)));
        else q = _mm256_floor_pd(x);
        r[h] = clamp(q, x);
      }
      store8(out + i, r[0], r[1]);
    }
  }
  QuantCounts c{clamp.saturated, clamp.underflow};
  // The tail in the scalar loop, continuing the same generator.
  if (MODE == ROUND_STOCHASTIC) rng.save(st);
  const QuantCounts t = quantizeT<TI, TO, MODE>(v + i, n - i, scale, lo, hi, st, out + i);
  return {c.saturated + t.saturated, c.underflow + t.underflow};
}

template <typename TM, typename TO, int MODE>
QuantCounts requantV(const TM* m, int64_t n, int s, double div, double half, double p24,
                     double lo, double hi, uint32_t* st, TO* out) {
  Clamp clamp(lo, hi);
  // x / 2^s is exactly x * 2^-s (both are the exact quotient; no rounding is involved).
  const __m256d inv = _mm256_set1_pd(1.0 / div), hf = _mm256_set1_pd(half);
  const __m256d p = _mm256_set1_pd(p24);
  const __m128i shift = _mm_cvtsi32_si128(s > 0 && s <= 24 ? 24 - s : 0);
  uint32_t zero[4] = {0, 0, 0, 0};
  Xoshiro rng(st ? st : zero);
  alignas(32) uint32_t u[BATCH];
  int64_t i = 0;
  for (; i + 8 <= n;) {
    const int64_t cnt = (n - i) / 8 * 8 < BATCH ? (n - i) / 8 * 8 : BATCH;
    if (MODE == ROUND_STOCHASTIC)
      for (int64_t j = 0; j < cnt; j++) u[j] = rng.next();
    for (int64_t j = 0; j < cnt; j += 8, i += 8) {
      __m128i r[2];
      for (int h = 0; h < 2; h++) {
        const __m256d x = load4(m + i + 4 * h);
        __m256d q;
        if (s <= 0) {
          q = _mm256_mul_pd(x, inv);
        } else if (MODE == ROUND_NEAREST) {
          q = _mm256_floor_pd(_mm256_mul_pd(_mm256_add_pd(x, hf), inv));
        } else if (MODE == ROUND_STOCHASTIC) {
          const __m128i k = _mm_srli_epi32(
              _mm_loadu_si128(reinterpret_cast<const __m128i*>(u + j + 4 * h)), 8);
          const __m256d rr = s <= 24 ? _mm256_cvtepi32_pd(_mm_srl_epi32(k, shift))
                                     : _mm256_mul_pd(_mm256_cvtepi32_pd(k), p);
          q = _mm256_floor_pd(_mm256_mul_pd(_mm256_add_pd(x, rr), inv));
        } else {
          q = _mm256_floor_pd(_mm256_mul_pd(x, inv));
        }
        r[h] = clamp(q, x);
      }
      store8(out + i, r[0], r[1]);
    }
  }
  QuantCounts c{clamp.saturated, clamp.underflow};
  if (MODE == ROUND_STOCHASTIC) rng.save(st);
  const QuantCounts t =
      requantF64<TM, TO, MODE>(m + i, n - i, s, div, half, p24, lo, hi, st, out + i);
  return {c.saturated + t.saturated, c.underflow + t.underflow};
}

/** Whether [lo, hi] fits the output type (else stores must wrap: the scalar loop). */
template <typename TO>
bool fits(double lo, double hi) {
  return lo >= -static_cast<double>(uint64_t(1) << (8 * sizeof(TO) - 1)) &&
         hi <= static_cast<double>((uint64_t(1) << (8 * sizeof(TO) - 1)) - 1);
}

template <typename TI, typename TO>
QuantCounts quantizeTo(const TI* v, int64_t n, double scale, double lo, double hi, int mode,
                       uint32_t* st, TO* out) {
  if (!fits<TO>(lo, hi)) return quantizeMode(v, n, scale, lo, hi, mode, st, out);
  switch (mode) {
    case ROUND_STOCHASTIC:
      return quantizeV<TI, TO, ROUND_STOCHASTIC>(v, n, scale, lo, hi, st, out);
    case ROUND_FLOOR:
      return quantizeV<TI, TO, ROUND_FLOOR>(v, n, scale, lo, hi, st, out);
    default:
      return quantizeV<TI, TO, ROUND_NEAREST>(v, n, scale, lo, hi, st, out);
  }
}

template <typename TM, typename TO>
QuantCounts requantTo(const TM* m, int64_t n, int s, double div, double half, double p24,
                      double lo, double hi, int mode, uint32_t* st, TO* out) {
  // Shifts whose powers of two leave the normal float64 range keep the scalar loop.
  if (!fits<TO>(lo, hi) || s < -1000 || s > 1000)
    return requantMode(m, n, s, div, half, p24, lo, hi, mode, st, out);
  switch (mode) {
    case ROUND_STOCHASTIC:
      return requantV<TM, TO, ROUND_STOCHASTIC>(m, n, s, div, half, p24, lo, hi, st, out);
    case ROUND_FLOOR:
      return requantV<TM, TO, ROUND_FLOOR>(m, n, s, div, half, p24, lo, hi, st, out);
    default:
      return requantV<TM, TO, ROUND_NEAREST>(m, n, s, div, half, p24, lo, hi, st, out);
  }
}

}  // namespace

QuantCounts quantizeAvx2(const View& values, double scale, double lo, double hi, int mode,
                         uint32_t* st, const View& out) {
  return withIntKind(out, [&](auto* o) {
    if (values.kind == Kind::F32)
      return quantizeTo(static_cast<const float*>(values.p), values.n, scale, lo, hi, mode, st, o);
    return quantizeTo(static_cast<const double*>(values.p), values.n, scale, lo, hi, mode, st, o);
  });
}

QuantCounts requantizeAvx2(const View& mant, int s, double div, double half, double p24,
                           double lo, double hi, int mode, uint32_t* st, const View& out) {
  return withIntKind(out, [&](auto* o) {
    return withMantKind(mant, [&](auto* m) {
      return requantTo(m, mant.n, s, div, half, p24, lo, hi, mode, st, o);
    });
  });
}

#include "isa-end.h"
#endif
