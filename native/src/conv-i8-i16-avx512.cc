// SPDX-License-Identifier: MIT
// AVX-512 pieces of the int8 x int16 convolutions (conv-i8-i16.h): the split of int16 into
// its int8 halves and the combine of the halves' int32 convs, 32 and 16 lanes a step.
// Compiled whatever the build machine; run only where the CPU reports AVX-512 VNNI.

#include "conv-i8-i16.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma"
#include "isa-begin.h"

namespace {

/** hi[i] = (v + 128) >> 8, lo[i] = v - 256 * hi[i] (int8 each); returns max v and OR of hi. */
void split(const int16_t* src, int64_t n, int8_t* hi, int8_t* lo, int16_t* maxV,
           int16_t* orHi) {
  __m512i mx = _mm512_set1_epi16(INT16_MIN), any = _mm512_setzero_si512();
  const __m512i bias = _mm512_set1_epi16(128);
  for (int64_t i = 0; i < n; i += 32) {
    const __mmask32 m = n - i >= 32 ? ~__mmask32(0) : (__mmask32(1) << (n - i)) - 1;
    const __m512i v = _mm512_maskz_loadu_epi16(m, src + i);
    const __m512i h = _mm512_srai_epi16(_mm512_add_epi16(v, bias), 8);
    const __m512i l = _mm512_sub_epi16(v, _mm512_slli_epi16(h, 8));
    mx = _mm512_mask_max_epi16(mx, m, mx, v);
    any = _mm512_or_si512(any, h);
    _mm256_mask_storeu_epi8(hi + i, m, _mm512_cvtepi16_epi8(h));
    _mm256_mask_storeu_epi8(lo + i, m, _mm512_cvtepi16_epi8(l));
  }
  alignas(64) int16_t a[32], b[32];
  _mm512_store_si512(a, mx);
  _mm512_store_si512(b, any);
  int16_t m = INT16_MIN, o = 0;
  for (int k = 0; k < 32; k++) {
    m = a[k] > m ? a[k] : m;
    o = static_cast<int16_t>(o | b[k]);
  }
  *maxV = m;
  *orHi = o;
}

/** out[i] = 256 * hi[i] + lo[i] + add (wrapping int32) for i < n. */
void combine(const int32_t* hi, const int32_t* lo, int64_t n, uint32_t add, int32_t* out) {
  const __m512i a = _mm512_set1_epi32(static_cast<int32_t>(add));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    const __m512i h = _mm512_maskz_loadu_epi32(m, hi + i);
    const __m512i l = _mm512_maskz_loadu_epi32(m, lo + i);
    _mm512_mask_storeu_epi32(out + i, m,
                             _mm512_add_epi32(_mm512_add_epi32(_mm512_slli_epi32(h, 8), l), a));
  }
}

const ConvI8I16Micro MICRO{split, combine};

}  // namespace

#include "isa-end.h"

const ConvI8I16Micro* const CONV_I8_I16_AVX512 = &MICRO;
#else
const ConvI8I16Micro* const CONV_I8_I16_AVX512 = nullptr;
#endif
