// SPDX-License-Identifier: MIT
// AVX-512 VNNI int8 dot of a conv's weight gradient on the padded grid (conv-wgrad-i8.h): 4
// error rows x 4 tap columns, 64 positions per vpdpbusd (uint8 xu times int8 E), whole-vector
// loads (no masks: the margins hold the padding). Compiled whatever the build machine; run
// only where the CPU reports AVX-512 VNNI (cpu.cc).

#include "conv-wgrad-i8.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma"
#include "isa-begin.h"

namespace {

constexpr int D = 4;

/** The sum of 16 int32 lanes, widened to int64 first (exact for any lanes). */
inline int64_t laneSum(__m512i v) {
  const __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v));
  const __m512i hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1));
  return _mm512_reduce_add_epi64(_mm512_add_epi64(lo, hi));
}

/**
 * acc += u (uint8) . s (int8), 4 products per int32 lane: vpdpbusd written as an asm statement
 * that updates acc in place (GCC 12 copied the 16 accumulators through other registers every
 * step around the intrinsic, ~30% slower).
 */
inline void dpbusd(__m512i& acc, __m512i u, __m512i s) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s));
}

void dot(int64_t len, const uint8_t* const* a, const int8_t* const* b, int64_t* out) {
  __m512i acc[D][D];
  const uint8_t *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
  const int8_t *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) acc[r][c] = _mm512_setzero_si512();
  for (int64_t j = 0; j < len; j += 64) {
    const __m512i u[D] = {_mm512_loadu_si512(a0 + j), _mm512_loadu_si512(a1 + j),
                          _mm512_loadu_si512(a2 + j), _mm512_loadu_si512(a3 + j)};
    const int8_t* rows[D] = {b0, b1, b2, b3};
#pragma GCC unroll 4
    for (int r = 0; r < D; r++) {
      const __m512i s = _mm512_loadu_si512(rows[r] + j);  // one row at a time: 21 live zmm
#pragma GCC unroll 4
      for (int c = 0; c < D; c++) dpbusd(acc[r][c], u[c], s);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) out[r * D + c] += laneSum(acc[r][c]);
}

void placeRows(const int8_t* src, int64_t rows, int64_t W, uint8_t* dst, int64_t ldDst,
               uint8_t flip) {
  const __m512i f = _mm512_set1_epi8(static_cast<char>(flip));
  for (int64_t y = 0; y < rows; y++, src += W, dst += ldDst) {
    for (int64_t i = 0; i < W; i += 64) {
      const __mmask64 m = W - i >= 64 ? ~__mmask64(0) : (__mmask64(1) << (W - i)) - 1;
      _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), f));
    }
  }
}

int64_t sumBytes(const int8_t* src, int64_t n) {
  // sum(x) = sum(x + 128 as uint8) - 128 n, the uint8 sums by vpsadbw into 8 int64 lanes.
  const __m512i f = _mm512_set1_epi8(static_cast<char>(0x80)), zero = _mm512_setzero_si512();
  __m512i acc = zero;
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 m = n - i >= 64 ? ~__mmask64(0) : (__mmask64(1) << (n - i)) - 1;
    const __m512i u = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), f);
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_maskz_mov_epi8(m, u), zero));
  }
  return _mm512_reduce_add_epi64(acc) - 128 * n;
}

const ConvWgradI8Micro MICRO{dot, placeRows, sumBytes};

}  // namespace

#include "isa-end.h"

const ConvWgradI8Micro* const CONV_WGRAD_I8_AVX512 = &MICRO;
#else
const ConvWgradI8Micro* const CONV_WGRAD_I8_AVX512 = nullptr;
#endif
