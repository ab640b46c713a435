// SPDX-License-Identifier: MIT
// lstm-fixed.h on AVX-512 (F, BW, DQ): sixteen units a vector, the operations of
// assembly/lstm.ts's 4-lane loop (itself the reference's integers): each Q.12 term
// ((v >> (s - 1)) + 1) >> 1 = floor(v 2^-s + 1/2) clamped to +-2^24, the gates by table
// interpolation with gathers (fixed-functions.ts), the cell state in int64 lanes. Branch-free:
// random pre-activations made a scalar loop's range and sign branches mispredict (it ran
// ~2.5x slower than WASM's 4 lanes). Carried rows copy their state; the row tail is masked.

#include <cstdint>
#include <cstring>

#include "fixed-tables.h"
#include "lstm-fixed.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512dq,avx512vl,avx2"
#include "isa-begin.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace {

using V = __m512i;

inline V splat(int32_t v) { return _mm512_set1_epi32(v); }

/**
 * floor(v 2^-s + 1/2) clamped to +-2^24, -24 <= s <= 31 (no overflow). s <= 0 scales up
 * exactly: v is clamped to +-2^(24+s) first, past which v 2^-s would be clamped anyway.
 */
inline V term(V v, int s) {
  if (s <= 0) {
    const V c = splat(1 << (24 + s));
    return _mm512_sll_epi32(_mm512_max_epi32(_mm512_min_epi32(v, c), _mm512_sub_epi32(splat(0), c)),
                            _mm_cvtsi32_si128(-s));
  }
  const V r = _mm512_srai_epi32(
      _mm512_add_epi32(_mm512_sra_epi32(v, _mm_cvtsi32_si128(s - 1)), splat(1)), 1);
  return _mm512_max_epi32(_mm512_min_epi32(r, splat(1 << 24)), splat(-(1 << 24)));
}

/** min(q15(interp(t, |z|)), 32767), or 32767 for |z| >= end. */
inline V magnitude(const int32_t* t, V z, int32_t end) {
  // |z| unsigned: |INT32_MIN| = 2^31 is past every table's end, as in the reference.
  const V a = _mm512_abs_epi32(z);
  const __mmask16 out = _mm512_cmpge_epu32_mask(a, splat(end));
  const V ai = _mm512_min_epu32(a, splat(end - 1));
  const V k = _mm512_srai_epi32(ai, 6);
  const V r = _mm512_and_si512(ai, splat(63));
  const V lo = _mm512_i32gather_epi32(k, t, 4);
  const V hi = _mm512_i32gather_epi32(_mm512_add_epi32(k, splat(1)), t, 4);
  const V v = _mm512_add_epi32(
      lo, _mm512_srai_epi32(
              _mm512_add_epi32(_mm512_mullo_epi32(_mm512_sub_epi32(hi, lo), r), splat(32)), 6));
  const V q = _mm512_min_epi32(_mm512_srai_epi32(_mm512_add_epi32(v, splat(16)), 5), splat(32767));
  return _mm512_mask_blend_epi32(out, q, splat(32767));
}

inline V sigmoidQ(V z) {
  const V v = magnitude(SIGMOID_Q20, z, 16 << 12);
  return _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(z, splat(0)), v,
                                 _mm512_sub_epi32(splat(32768), v));
}

inline V tanhQ(V z) {
  const V v = magnitude(TANH_Q20, z, 8 << 12);
  return _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(z, splat(0)), v,
                                 _mm512_sub_epi32(splat(0), v));
}

/** clamp((f cp + ig + 2^14) >> 15, +-(2^31 - 1)) on eight int64 lanes of int32 inputs. */
inline __m256i cell8(__m256i f, __m256i cp, __m256i ig) {
  const __m512i p = _mm512_mullo_epi64(_mm512_cvtepi32_epi64(f), _mm512_cvtepi32_epi64(cp));
  __m512i s = _mm512_add_epi64(_mm512_add_epi64(p, _mm512_cvtepi32_epi64(ig)),
                               _mm512_set1_epi64(16384));
  s = _mm512_srai_epi64(s, 15);
  s = _mm512_min_epi64(_mm512_max_epi64(s, _mm512_set1_epi64(-2147483647)),
                       _mm512_set1_epi64(2147483647));
  return _mm512_cvtepi64_epi32(s);
}

inline V cell(V f, V cp, V ig) {
  const __m256i lo = cell8(_mm512_castsi512_si256(f), _mm512_castsi512_si256(cp),
                           _mm512_castsi512_si256(ig));
  const __m256i hi = cell8(_mm512_extracti64x4_epi64(f, 1), _mm512_extracti64x4_epi64(cp, 1),
                           _mm512_extracti64x4_epi64(ig, 1));
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

inline V ld(__mmask16 m, const int32_t* p) { return _mm512_maskz_loadu_epi32(m, p); }
inline void st16(__mmask16 m, int16_t* p, V v) { _mm512_mask_cvtepi32_storeu_epi16(p, m, v); }

void fwdRows(const LstmFixedFwd& a, int64_t n0, int64_t n1) {
  const int64_t H = a.H, G = 4 * H;
  for (int64_t n = n0; n < n1; n++) {
    const int64_t r = n * H;
    if (a.lens && a.t >= a.lens[n]) {
      std::memcpy(a.h + r, a.hPrev + r, H * sizeof(int16_t));
      std::memcpy(a.c + r, a.cPrev + r, H * sizeof(int32_t));
      std::memset(a.tc + r, 0, H * sizeof(int16_t));
      std::memset(a.act + n * G, 0, G * sizeof(int16_t));
      continue;
    }
    for (int64_t j = 0; j < H; j += 16) {
      const __mmask16 m = H - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (H - j)) - 1);
      const int64_t o = n * G + j;
      auto z = [&](int64_t q) {
        return _mm512_add_epi32(
            _mm512_add_epi32(term(ld(m, a.gx + o + q * H), a.srx),
                             term(ld(m, a.gh + o + q * H), a.srh)),
            ld(m, a.b12 + q * H + j));
      };
      const V i = sigmoidQ(z(0)), f = sigmoidQ(z(1)), g = tanhQ(z(2)), og = sigmoidQ(z(3));
      st16(m, a.act + o, i);
      st16(m, a.act + o + H, f);
      st16(m, a.act + o + 2 * H, g);
      st16(m, a.act + o + 3 * H, og);
      const V cn = cell(f, ld(m, a.cPrev + r + j), _mm512_mullo_epi32(i, g));
      // floor((cn + 4) / 8) without overflow near 2^31: ((cn >> 2) + 1) >> 1.
      const V th = tanhQ(_mm512_srai_epi32(_mm512_add_epi32(_mm512_srai_epi32(cn, 2), splat(1)), 1));
      _mm512_mask_storeu_epi32(a.c + r + j, m, cn);
      st16(m, a.tc + r + j, th);
      st16(m, a.h + r + j,
           _mm512_srai_epi32(_mm512_add_epi32(_mm512_mullo_epi32(og, th), splat(16384)), 15));
    }
  }
}

}  // namespace
#pragma GCC diagnostic pop

#include "isa-end.h"

void (*const LSTM_FIXED_FWD_AVX512)(const LstmFixedFwd&, int64_t, int64_t) = fwdRows;
#else
void (*const LSTM_FIXED_FWD_AVX512)(const LstmFixedFwd&, int64_t, int64_t) = nullptr;
#endif
