// SPDX-License-Identifier: MIT
// AVX-512 direct float32 conv microkernel: 8 output channels x 32 pixels, 16 zmm
// accumulators, B read from the shifted input plane by masked loads (lanes in the padding
// load zeros, as im2col writes them). Compiled whatever the build machine; run only where the
// CPU reports AVX-512 (cpu.cc).

#include "conv-f32.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx2,fma"
#include "isa-begin.h"

namespace {

constexpr int MR = 8;

void tile(const DirectTile& d, int64_t k0, int64_t k1, const float* A, float* y, int64_t ldy,
          int rows, bool add) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  // k = c * taps + t: walk the taps, then on to the next channel plane (one flat loop, so
  // the accumulators stay in registers).
  const int64_t c = k0 / d.taps;
  int t = static_cast<int>(k0 - c * d.taps);
  const float* plane = d.x + c * d.HW;
  const int64_t* off = d.off;
  const uint16_t* m0 = d.m0;
  const uint16_t* m1 = d.m1;
  const int taps = d.taps;
  const int64_t HW = d.HW;
  for (int64_t k = k0; k < k1; k++, A += MR) {
    const float* src = plane + off[t];
    const __m512 b0 = _mm512_maskz_loadu_ps(m0[t], src);
    const __m512 b1 = _mm512_maskz_loadu_ps(m1[t], src + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const __m512 a = _mm512_set1_ps(A[r]);
      c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
    }
    if (++t == taps) {
      t = 0;
      plane += HW;
    }
  }
  // Fixed indices (the loop unrolled, rows tested inside): the accumulators stay registers.
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    if (r >= rows) break;
    float* p = y + r * ldy;
    __m512 v0 = c0[r], v1 = c1[r];
    if (add) {
      v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(d.s0, p), v0);
      v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(d.s1, p + 16), v1);
    }
    _mm512_mask_storeu_ps(p, d.s0, v0);
    _mm512_mask_storeu_ps(p + 16, d.s1, v1);
  }
}

/** ConvDirectMicro::dot: the lanes and reduction of gemm-f32-avx512.cc's dot. */
void dot(const DirectCols& d, int64_t j0, int64_t kc, const float* const* a,
         const float* const* b, const int* tap, float* out) {
  constexpr int D = 4;
  __m512 acc[D][D];
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) acc[r][c] = _mm512_setzero_ps();
  int64_t img = j0 / d.R, p = j0 - img * d.R;
  const int64_t R = d.R, CR = d.CR;
  const int taps = d.taps;
  int64_t imgOff = img * CR, aOff = img * d.aR;
  for (int64_t k = 0; k < kc; k += 16) {
    const uint16_t* m = d.mask + (p >> 4) * taps;
    __m512 x[D], y[D];
#pragma GCC unroll 4
    for (int r = 0; r < D; r++) x[r] = _mm512_loadu_ps(a[r] + aOff + p);
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) y[c] = _mm512_maskz_loadu_ps(m[tap[c]], b[c] + imgOff + p);
#pragma GCC unroll 4
    for (int r = 0; r < D; r++)
#pragma GCC unroll 4
      for (int c = 0; c < D; c++) acc[r][c] = _mm512_fmadd_ps(x[r], y[c], acc[r][c]);
    p += 16;
    if (p == R) {
      p = 0;
      imgOff += CR;
      aOff += d.aR;
    }
  }
  // Unrolled, so acc stays in registers: with an indexed loop here GCC kept acc in memory
  // and stored all 16 accumulators on every step of the loop above.
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) out[r * D + c] = _mm512_reduce_add_ps(acc[r][c]);
}

const ConvDirectMicro MICRO{MR, tile, dot};

}  // namespace

#include "isa-end.h"

const ConvDirectMicro* const CONV_DIRECT_AVX512 = &MICRO;
#else
const ConvDirectMicro* const CONV_DIRECT_AVX512 = nullptr;
#endif
