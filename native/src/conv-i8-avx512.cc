// SPDX-License-Identifier: MIT
// AVX-512 VNNI pieces of the direct int8 convolution (conv-i8.h): a tile of 8 output channels
// x 48 grid positions (24 int32 accumulators), each step 3 loads of 16 positions x 4 channels
// and 8 weight groups broadcast from memory into vpdpbusd. Compiled whatever the build machine;
// run only where the CPU reports AVX-512 VNNI (cpu.cc).

#include "conv-i8.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma"
#include "isa-begin.h"

namespace {

constexpr int O = 8;  // output channels a tile
constexpr int V = 3;  // vectors of 16 positions a tile

/**
 * acc += u (uint8) . the 4 int8 weights at w broadcast to every lane: vpdpbusd with an
 * embedded broadcast, written as an asm statement that updates acc in place (GCC 12 copied
 * accumulators through other registers around the intrinsic).
 */
inline void dpbusdBcast(__m512i& acc, __m512i u, const int32_t* w) {
  __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(u), "m"(*w));
}

void tile(const uint8_t* x, int64_t groups, int64_t gStride, const int64_t* tapOff,
          int64_t taps, const int32_t* wb, int32_t* out, int64_t ldo) {
  __m512i acc[O][V];
#pragma GCC unroll 8
  for (int o = 0; o < O; o++)
#pragma GCC unroll 3
    for (int v = 0; v < V; v++) acc[o][v] = _mm512_setzero_si512();
  for (int64_t g = 0; g < groups; g++) {
    const uint8_t* xg = x + g * gStride;
    for (int64_t t = 0; t < taps; t++) {
      const uint8_t* p = xg + tapOff[t];
      const __m512i u0 = _mm512_loadu_si512(p);
      const __m512i u1 = _mm512_loadu_si512(p + 64);
      const __m512i u2 = _mm512_loadu_si512(p + 128);
#pragma GCC unroll 8
      for (int o = 0; o < O; o++) {
        dpbusdBcast(acc[o][0], u0, wb + o);
        dpbusdBcast(acc[o][1], u1, wb + o);
        dpbusdBcast(acc[o][2], u2, wb + o);
      }
      wb += O;
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < O; o++)
#pragma GCC unroll 3
    for (int v = 0; v < V; v++) _mm512_storeu_si512(out + o * ldo + 16 * v, acc[o][v]);
}

/**
 * Pixels i..i+15 of 4 channel rows as 16 positions of 4 bytes (x ^ 0x80 = x + 128 as uint8),
 * 4 positions per vector, in pixel order.
 */
inline void quads16(const int8_t* const* src, int64_t i, __m128i flip, __m128i q[4]) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[0] + i));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[1] + i));
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[2] + i));
  const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[3] + i));
  const __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
  const __m128i cd0 = _mm_unpacklo_epi8(c, d), cd1 = _mm_unpackhi_epi8(c, d);
  q[0] = _mm_xor_si128(_mm_unpacklo_epi16(ab0, cd0), flip);
  q[1] = _mm_xor_si128(_mm_unpackhi_epi16(ab0, cd0), flip);
  q[2] = _mm_xor_si128(_mm_unpacklo_epi16(ab1, cd1), flip);
  q[3] = _mm_xor_si128(_mm_unpackhi_epi16(ab1, cd1), flip);
}

void interleave(const int8_t* const* src, int64_t n, uint8_t* dst) {
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i q[4];
    quads16(src, i, flip, q);
    __m128i* o = reinterpret_cast<__m128i*>(dst + 4 * i);
    for (int h = 0; h < 4; h++) _mm_storeu_si128(o + h, q[h]);
  }
  if (i + 8 <= n) {  // 8 pixels (rows of 8x8 planes)
    const __m128i a = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src[0] + i));
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src[1] + i));
    const __m128i c = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src[2] + i));
    const __m128i d = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src[3] + i));
    const __m128i ab = _mm_unpacklo_epi8(a, b), cd = _mm_unpacklo_epi8(c, d);
    __m128i* o = reinterpret_cast<__m128i*>(dst + 4 * i);
    _mm_storeu_si128(o, _mm_xor_si128(_mm_unpacklo_epi16(ab, cd), flip));
    _mm_storeu_si128(o + 1, _mm_xor_si128(_mm_unpackhi_epi16(ab, cd), flip));
    i += 8;
  }
  for (; i < n; i++)
    for (int k = 0; k < 4; k++) dst[4 * i + k] = static_cast<uint8_t>(src[k][i]) ^ 0x80;
}

void interleave2(const int8_t* const* src, int64_t n, uint8_t* dst) {
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i q[4];
    quads16(src, i, flip, q);
    // Each position's 4 bytes followed by a position of 128s (x = 0).
    __m128i* o = reinterpret_cast<__m128i*>(dst + 8 * i);
    for (int h = 0; h < 4; h++) {
      _mm_storeu_si128(o + 2 * h, _mm_unpacklo_epi32(q[h], flip));
      _mm_storeu_si128(o + 2 * h + 1, _mm_unpackhi_epi32(q[h], flip));
    }
  }
  for (; i < n; i++)
    for (int k = 0; k < 4; k++) dst[8 * i + k] = static_cast<uint8_t>(src[k][i]) ^ 0x80;
}

void addRuns(const int32_t* src, int64_t ldSrc, int32_t* dst, int64_t ldDst, int64_t M,
             int64_t n, const uint32_t* add) {
  const __mmask16 tail = static_cast<__mmask16>((1u << (n % 16)) - 1);
  for (int64_t o = 0; o < M; o++) {
    const int32_t* s = src + o * ldSrc;
    int32_t* d = dst + o * ldDst;
    const __m512i a = _mm512_set1_epi32(static_cast<int32_t>(add[o]));
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_si512(d + i, _mm512_add_epi32(_mm512_loadu_si512(s + i), a));
    if (tail)
      _mm512_mask_storeu_epi32(d + i, tail,
                               _mm512_add_epi32(_mm512_maskz_loadu_epi32(tail, s + i), a));
  }
}

void addRuns2(const int32_t* src, int64_t lo, int64_t ldSrc, int32_t* dst, int64_t ldDst,
              int64_t M, int64_t n, const uint32_t* add) {
  const __mmask16 tail = static_cast<__mmask16>((1u << (n % 16)) - 1);
  for (int64_t o = 0; o < M; o++) {
    const int32_t* s = src + o * ldSrc;
    int32_t* d = dst + o * ldDst;
    const __m512i a = _mm512_set1_epi32(static_cast<int32_t>(add[o]));
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m512i h = _mm512_slli_epi32(_mm512_loadu_si512(s + i), 8);
      const __m512i l = _mm512_loadu_si512(s + lo + i);
      _mm512_storeu_si512(d + i, _mm512_add_epi32(_mm512_add_epi32(h, l), a));
    }
    if (tail) {
      const __m512i h = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(tail, s + i), 8);
      const __m512i l = _mm512_maskz_loadu_epi32(tail, s + lo + i);
      _mm512_mask_storeu_epi32(d + i, tail, _mm512_add_epi32(_mm512_add_epi32(h, l), a));
    }
  }
}

const ConvI8Micro MICRO{tile, interleave, interleave2, addRuns, addRuns2};

}  // namespace

#include "isa-end.h"

const ConvI8Micro* const CONV_I8_AVX512 = &MICRO;
#else
const ConvI8Micro* const CONV_I8_AVX512 = nullptr;
#endif
