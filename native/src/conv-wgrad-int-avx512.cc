// SPDX-License-Identifier: MIT
// AVX-512 VNNI direct integer dot of a conv's weight gradient (conv-wgrad-int.h): 4 error rows
// x 4 tap columns, 32 int16 pixels per vpdpwssd, x read from its shifted plane by masked loads
// (padding lanes load zeros, as im2col writes them). Compiled whatever the build machine; run
// only where the CPU reports AVX-512 VNNI (cpu.cc).

#include "conv-wgrad-int.h"

#include <algorithm>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma"
#include "isa-begin.h"

namespace {

#include "flush-avx512.h"

/** 32 lanes of a mask read from memory straight into a k register. */
inline __mmask32 loadMask(const uint32_t* p) { return _load_mask32(const_cast<__mmask32*>(p)); }

void dot(const DirectColsI16& d, int64_t j0, int64_t kc, int64_t chunk, const int16_t* const* a,
         const int16_t* const* b, const uint32_t* mask, double* out) {
  constexpr int D = 4;
  __m512i acc[D][D];
  const int64_t R = d.R;
  int64_t img = j0 / R, p = j0 - img * R, left = kc;
  int64_t steps = 0;  // 32-pixel steps since the last flush
  // The 16 int32 sums widened to float64 and added into out (exact: each lane within int32).
  auto flush = [&]() {
    addLanesF64<D>(acc, out);
#pragma GCC unroll 4
    for (int r = 0; r < D; r++)
#pragma GCC unroll 4
      for (int c = 0; c < D; c++) acc[r][c] = _mm512_setzero_si512();
    steps = 0;
  };
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) acc[r][c] = _mm512_setzero_si512();
  while (left > 0) {
    const int64_t end = std::min(R, p + left);
    const int16_t* a0 = a[0] + img * d.aR;
    const int16_t* a1 = a[1] + img * d.aR;
    const int16_t* a2 = a[2] + img * d.aR;
    const int16_t* a3 = a[3] + img * d.aR;
    const int16_t* b0 = b[0] + img * d.CR;
    const int16_t* b1 = b[1] + img * d.CR;
    const int16_t* b2 = b[2] + img * d.CR;
    const int16_t* b3 = b[3] + img * d.CR;
    for (int64_t q = p; q < end; q += 32) {
      if (steps == chunk) flush();
      const uint32_t* m = mask + (q >> 5) * D;
      const __m512i x[D] = {_mm512_loadu_si512(a0 + q), _mm512_loadu_si512(a1 + q),
                            _mm512_loadu_si512(a2 + q), _mm512_loadu_si512(a3 + q)};
      const __m512i y[D] = {_mm512_maskz_loadu_epi16(loadMask(m), b0 + q),
                            _mm512_maskz_loadu_epi16(loadMask(m + 1), b1 + q),
                            _mm512_maskz_loadu_epi16(loadMask(m + 2), b2 + q),
                            _mm512_maskz_loadu_epi16(loadMask(m + 3), b3 + q)};
#pragma GCC unroll 4
      for (int r = 0; r < D; r++)
#pragma GCC unroll 4
        for (int c = 0; c < D; c++) acc[r][c] = _mm512_dpwssd_epi32(acc[r][c], x[r], y[c]);
      steps++;
    }
    left -= end - p;
    p = 0;
    img++;
  }
  flush();
}

const ConvWgradIntMicro MICRO{dot};

}  // namespace

#include "isa-end.h"

const ConvWgradIntMicro* const CONV_WGRAD_INT_AVX512 = &MICRO;
#else
const ConvWgradIntMicro* const CONV_WGRAD_INT_AVX512 = nullptr;
#endif
