// SPDX-License-Identifier: MIT
// AVX-512 VNNI integer microkernels, 8 rows x 32 columns (16 zmm accumulators):
// - int8 x int8 with vpdpbusd: four u8 x s8 products summed into each int32 lane without
//   intermediate saturation. A is packed as a + 128 (unsigned), so each tile starts from
//   -128 * (column sums of B): sum (a + 128) b - 128 sum b = sum a b, exact modulo 2^32.
// - any pair with int16 with vpdpwssd: two int16 x int16 products summed into int32 (the one
//   case past int32, (-32768)^2 * 2, wraps to the same value modulo 2^32).
// Compiled for AVX-512 F/BW/VL + VNNI whatever the build machine; run only where the CPU
// reports them (cpu.cc).

#include <algorithm>

#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma"
#include "isa-begin.h"

namespace {

#include "flush-avx512.h"

constexpr int MR = 8;
constexpr int NR = 32;

template <bool BYTES>
inline __m512i dot(__m512i acc, __m512i a, __m512i b) {
  return BYTES ? _mm512_dpbusd_epi32(acc, a, b) : _mm512_dpwssd_epi32(acc, a, b);
}

template <bool BYTES>
void tile(int64_t groups, const uint8_t* Ap, const uint8_t* Bp, const int32_t* init, int32_t* C,
          int64_t ldc, bool add) {
  __m512i c0[MR], c1[MR];
  const __m512i i0 = init ? _mm512_loadu_si512(init) : _mm512_setzero_si512();
  const __m512i i1 = init ? _mm512_loadu_si512(init + 16) : _mm512_setzero_si512();
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    c0[r] = i0;
    c1[r] = i1;
  }
  const int32_t* a = reinterpret_cast<const int32_t*>(Ap);
  const uint8_t* b = Bp;
  for (int64_t g = 0; g < groups; g++) {
    const __m512i b0 = _mm512_loadu_si512(b);
    const __m512i b1 = _mm512_loadu_si512(b + 64);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const __m512i x = _mm512_set1_epi32(a[r]);
      c0[r] = dot<BYTES>(c0[r], x, b0);
      c1[r] = dot<BYTES>(c1[r], x, b1);
    }
    a += MR;
    b += NR * 4;
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    int32_t* p = C + r * ldc;
    __m512i v0 = c0[r], v1 = c1[r];
    if (add) {
      v0 = _mm512_add_epi32(v0, _mm512_loadu_si512(p));
      v1 = _mm512_add_epi32(v1, _mm512_loadu_si512(p + 16));
    }
    _mm512_storeu_si512(p, v0);
    _mm512_storeu_si512(p + 16, v1);
  }
}

/**
 * int16 pairs into a float64 C tile (IntMicro::tileF64): vpdpwssd into the 16 int32
 * accumulators as in tile<false>, which every `chunk` groups are widened (vcvtdq2pd, 8 lanes
 * per half) and added into C's rows, then restarted from 0. The C tile (8 x 32 doubles, 2 KB)
 * stays in L1 between flushes; a flush costs 8 instructions per accumulator against `chunk`
 * vpdpwssd (chunk >= 8 where gemmIntF64 takes this route).
 */
void tileF64(int64_t groups, int64_t chunk, const uint8_t* Ap, const uint8_t* Bp, double* C,
             int64_t ldc, bool add) {
  __m512i c0[MR], c1[MR];
  const int32_t* a = reinterpret_cast<const int32_t*>(Ap);
  const uint8_t* b = Bp;
  bool first = !add;
  for (int64_t g0 = 0; g0 < groups; g0 += chunk) {
    const int64_t g1 = std::min<int64_t>(groups, g0 + chunk);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) c0[r] = c1[r] = _mm512_setzero_si512();
    for (int64_t g = g0; g < g1; g++) {
      const __m512i b0 = _mm512_loadu_si512(b);
      const __m512i b1 = _mm512_loadu_si512(b + 64);
#pragma GCC unroll 8
      for (int r = 0; r < MR; r++) {
        const __m512i x = _mm512_set1_epi32(a[r]);
        c0[r] = _mm512_dpwssd_epi32(c0[r], x, b0);
        c1[r] = _mm512_dpwssd_epi32(c1[r], x, b1);
      }
      a += MR;
      b += NR * 4;
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      double* p = C + r * ldc;
      __m512d d[4] = {_mm512_cvtepi32_pd(_mm512_castsi512_si256(c0[r])),
                      _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(c0[r], 1)),
                      _mm512_cvtepi32_pd(_mm512_castsi512_si256(c1[r])),
                      _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(c1[r], 1))};
      for (int h = 0; h < 4; h++) {
        if (!first) d[h] = _mm512_add_pd(d[h], _mm512_loadu_pd(p + 8 * h));
        _mm512_storeu_pd(p + 8 * h, d[h]);
      }
    }
    first = false;
  }
  if (first)  // no groups: C = 0
    for (int r = 0; r < MR; r++)
      for (int q = 0; q < NR; q++) C[r * ldc + q] = 0;
}

/**
 * IntMicro::dotF64: 4 x 4 int16 dot products over kc, 32 k per step (the tail masked), 16
 * vpdpwssd per 8 loads, no packing. Every `chunk` steps each accumulator's 16 int32 lanes are
 * widened to float64 (two halves of 8), reduced and added into out: exact integers.
 */
void dotF64(int64_t kc, int64_t chunk, const int16_t* const* a, const int16_t* const* b,
            double* out) {
  constexpr int D = INT_DOT;
  __m512i acc[D][D];
  auto step = [&](int64_t k, __mmask32 m) {
    __m512i x[D], y[D];
#pragma GCC unroll 4
    for (int r = 0; r < D; r++) x[r] = _mm512_maskz_loadu_epi16(m, a[r] + k);
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) y[c] = _mm512_maskz_loadu_epi16(m, b[c] + k);
#pragma GCC unroll 4
    for (int r = 0; r < D; r++)
#pragma GCC unroll 4
      for (int c = 0; c < D; c++) acc[r][c] = _mm512_dpwssd_epi32(acc[r][c], x[r], y[c]);
  };
  int64_t k = 0;
  while (k < kc) {
#pragma GCC unroll 4
    for (int r = 0; r < D; r++)
#pragma GCC unroll 4
      for (int c = 0; c < D; c++) acc[r][c] = _mm512_setzero_si512();
    const int64_t end = std::min<int64_t>(kc, k + chunk * 32);
    for (; k + 32 <= end; k += 32) step(k, ~__mmask32(0));
    if (k < end) {
      step(k, static_cast<__mmask32>((uint64_t(1) << (end - k)) - 1));
      k = end;
    }
    addLanesF64<D>(acc, out);
  }
}

/**
 * B panels of bytes (G = 4): packed as on AVX2, the column sums (the u8 x s8 tiles' -128
 * correction) then from the packed groups with vpdpbusd against ones: 4 signed bytes of a
 * column summed into its int32 lane per instruction, 32 columns in two (AVX2 needs three
 * instructions per 8 columns).
 */
void packBBytes(const PanelSrc& s, int width, int G, uint8_t* out, int32_t* colsum) {
  if (!colsum || width != NR || G != 4) return packBAvx2(s, width, G, out, colsum);
  packBAvx2(s, width, G, out, nullptr);
  const int64_t groups = (s.kc + G - 1) / G;
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
  for (int64_t g = 0; g < groups; g++) {
    s0 = _mm512_dpbusd_epi32(s0, ones, _mm512_loadu_si512(out + g * NR * 4));
    s1 = _mm512_dpbusd_epi32(s1, ones, _mm512_loadu_si512(out + g * NR * 4 + 64));
  }
  _mm512_storeu_si512(colsum, s0);
  _mm512_storeu_si512(colsum + 16, s1);
}

const IntKernels KERNELS{
    IntMicro{MR, NR, 4, true, tile<true>, 128, 512, 4096, packAAvx2, packBBytes, packBKMajorAvx2,
             nullptr, nullptr},
    IntMicro{MR, NR, 2, false, tile<false>, 128, 256, 4096, packAAvx2, packBAvx2, packBKMajorAvx2,
             tileF64, dotF64},
};

}  // namespace

#include "isa-end.h"

const IntKernels* const INT_AVX512VNNI = &KERNELS;
#else
const IntKernels* const INT_AVX512VNNI = nullptr;
#endif
