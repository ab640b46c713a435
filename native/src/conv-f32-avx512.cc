// SPDX-License-Identifier: MIT
// AVX-512 direct float32 conv microkernel: 8 output channels x 16-48 pixels, up to 24 zmm
// accumulators, B read from the shifted input plane by masked loads (lanes in the padding
// load zeros, as im2col writes them). Compiled whatever the build machine; run only where the
// CPU reports AVX-512 (cpu.cc).

#include "conv-f32.h"

#include <algorithm>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx2,fma"
#include "isa-begin.h"

namespace {

constexpr int MR = 8;

/** 16 lanes of a mask read from memory straight into a k register (a load-port uop). */
inline __mmask16 loadMask(const uint16_t* p) {
  return _load_mask16(const_cast<__mmask16*>(p));
}

/**
 * MR x NV*16 outputs in MR * NV zmm accumulators (NV = 3: 24 FMAs per 3 pixel loads and 8
 * weight broadcasts, against 16 per 2 + 8 at NV = 2). Each output is summed k by k whatever
 * NV: the same bits.
 */
template <int NV>
void tile(const DirectTile& d, int64_t k0, int64_t k1, const float* A, float* y, int64_t ldy,
          int rows, bool add) {
  __m512 c[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) c[r][v] = _mm512_setzero_ps();
  // k = c * taps + t: walk the taps, then on to the next channel plane (one flat loop, so
  // the accumulators stay in registers).
  const int64_t ch = k0 / d.taps;
  int t = static_cast<int>(k0 - ch * d.taps);
  const float* plane = d.x + ch * d.HW;
  const int64_t* off = d.off;
  const uint16_t* m = d.m;
  const int taps = d.taps;
  const int64_t HW = d.HW;
  for (int64_t k = k0; k < k1; k++, A += MR) {
    const float* src = plane + off[t];
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++)
      b[v] = _mm512_maskz_loadu_ps(loadMask(m + v * taps + t), src + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const __m512 a = _mm512_set1_ps(A[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) c[r][v] = _mm512_fmadd_ps(a, b[v], c[r][v]);
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
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      __m512 o = c[r][v];
      if (add) o = _mm512_add_ps(_mm512_maskz_loadu_ps(d.s[v], p + 16 * v), o);
      _mm512_mask_storeu_ps(p + 16 * v, d.s[v], o);
    }
  }
}

/**
 * ConvDirectMicro::dot: the lanes and reduction of gemm-f32-avx512.cc's dot. The pixel loop
 * runs image by image with one offset for the 8 rows and one packed mask load (the four
 * columns' lanes) per step, so the pointers stay in general registers.
 */
void dot(const DirectCols& d, int64_t j0, int64_t kc, const float* const* a,
         const float* const* b, const uint16_t* mask, float* out) {
  constexpr int D = 4;
  __m512 acc[D][D];
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) acc[r][c] = _mm512_setzero_ps();
  const int64_t R = d.R;
  int64_t img = j0 / R, p = j0 - img * R, left = kc;
  while (left > 0) {
    const int64_t end = std::min(R, p + left);
    const float* a0 = a[0] + img * d.aR;
    const float* a1 = a[1] + img * d.aR;
    const float* a2 = a[2] + img * d.aR;
    const float* a3 = a[3] + img * d.aR;
    const float* b0 = b[0] + img * d.CR;
    const float* b1 = b[1] + img * d.CR;
    const float* b2 = b[2] + img * d.CR;
    const float* b3 = b[3] + img * d.CR;
    for (int64_t q = p; q < end; q += 16) {
      const uint16_t* m = mask + (q >> 4) * D;
      const __m512 x[D] = {_mm512_loadu_ps(a0 + q), _mm512_loadu_ps(a1 + q),
                           _mm512_loadu_ps(a2 + q), _mm512_loadu_ps(a3 + q)};
      // Masks loaded straight into k registers (load ports): moving them from general
      // registers and shifting took the FMA ports (p0, p5), 5 uops per 16 FMAs.
      const __m512 y[D] = {_mm512_maskz_loadu_ps(loadMask(m), b0 + q),
                           _mm512_maskz_loadu_ps(loadMask(m + 1), b1 + q),
                           _mm512_maskz_loadu_ps(loadMask(m + 2), b2 + q),
                           _mm512_maskz_loadu_ps(loadMask(m + 3), b3 + q)};
#pragma GCC unroll 4
      for (int r = 0; r < D; r++)
#pragma GCC unroll 4
        for (int c = 0; c < D; c++) acc[r][c] = _mm512_fmadd_ps(x[r], y[c], acc[r][c]);
    }
    left -= end - p;
    p = 0;
    img++;
  }
  // The 16 lane sums at once, each by _mm512_reduce_add_ps's tree (halves of 8, of 4, then
  // lanes i and i + 2, then 0 and 1: float adds commute, so the same bits) in 15 vector adds
  // instead of 16 reductions of 4 adds and 3 shuffles each.
  __m512 s8[8], s4[4], s2[2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) {
    // [A lo, B lo] + [A hi, B hi]: 128-bit lanes (A0 + A2, A1 + A3, B0 + B2, B1 + B3).
    const __m512 a = acc[(2 * i) / D][(2 * i) % D], b = acc[(2 * i + 1) / D][(2 * i + 1) % D];
    s8[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                          _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++)  // 128-bit lane L: the 4 sums of halves of 8 of acc 4i + L
    s4[i] = _mm512_add_ps(_mm512_shuffle_f32x4(s8[2 * i], s8[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                          _mm512_shuffle_f32x4(s8[2 * i], s8[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
#pragma GCC unroll 2
  for (int i = 0; i < 2; i++)  // lane L: (s4[0] + s4[2], s4[1] + s4[3]) of acc 8i + L, 8i + 4 + L
    s2[i] = _mm512_add_ps(_mm512_shuffle_ps(s4[2 * i], s4[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                          _mm512_shuffle_ps(s4[2 * i], s4[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  // Element 4L + e: the sum of acc 4e + L, that is acc[r][c] at 4c + r.
  const __m512 sum = _mm512_add_ps(_mm512_shuffle_ps(s2[0], s2[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_ps(s2[0], s2[1], _MM_SHUFFLE(3, 1, 3, 1)));
  alignas(64) float t[D * D];
  _mm512_store_ps(t, sum);
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) out[r * D + c] = t[c * D + r];
}

const ConvDirectMicro MICRO{MR, {tile<1>, tile<2>, tile<3>}, dot};

}  // namespace

#include "isa-end.h"

const ConvDirectMicro* const CONV_DIRECT_AVX512 = &MICRO;
#else
const ConvDirectMicro* const CONV_DIRECT_AVX512 = nullptr;
#endif
