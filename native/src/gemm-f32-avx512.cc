// SPDX-License-Identifier: MIT
// AVX-512 float32 microkernel: 8 x 32 tiles, 16 zmm accumulators, FMA. Compiled whatever the
// build machine; run only where the CPU reports AVX-512 (cpu.cc).

#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx2,fma"
#include "isa-begin.h"

namespace {

constexpr int MR = 8;
constexpr int NR = 32;

void tile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool add) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(B + k * NR);
    const __m512 b1 = _mm512_loadu_ps(B + k * NR + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const __m512 x = _mm512_set1_ps(A[k * MR + r]);
      c0[r] = _mm512_fmadd_ps(x, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(x, b1, c1[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    float* p = C + r * ldc;
    __m512 v0 = c0[r], v1 = c1[r];
    if (add) {
      v0 = _mm512_add_ps(_mm512_loadu_ps(p), v0);
      v1 = _mm512_add_ps(_mm512_loadu_ps(p + 16), v1);
    }
    _mm512_storeu_ps(p, v0);
    _mm512_storeu_ps(p + 16, v1);
  }
}

/** F32Micro::dot: 16 lanes, the tail k masked; 16 accumulators, 8 loads per 16 FMAs. */
void dot(int64_t kc, const float* const* a, const float* const* b, float* out) {
  constexpr int D = F32_DOT;
  __m512 acc[D][D];
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) acc[r][c] = _mm512_setzero_ps();
  auto step = [&](int64_t k, __mmask16 m) {
    __m512 x[D], y[D];
#pragma GCC unroll 4
    for (int r = 0; r < D; r++) x[r] = _mm512_maskz_loadu_ps(m, a[r] + k);
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) y[c] = _mm512_maskz_loadu_ps(m, b[c] + k);
#pragma GCC unroll 4
    for (int r = 0; r < D; r++)
#pragma GCC unroll 4
      for (int c = 0; c < D; c++) acc[r][c] = _mm512_fmadd_ps(x[r], y[c], acc[r][c]);
  };
  int64_t k = 0;
  for (; k + 16 <= kc; k += 16) step(k, 0xFFFF);
  if (k < kc) step(k, static_cast<__mmask16>((1u << (kc - k)) - 1));
  // Unrolled, so acc stays in registers (an indexed loop here kept acc in memory, stored
  // on every step of the loop above).
#pragma GCC unroll 4
  for (int r = 0; r < D; r++)
#pragma GCC unroll 4
    for (int c = 0; c < D; c++) out[r * D + c] = _mm512_reduce_add_ps(acc[r][c]);
}

// NC: a packed B block of 256 x 512 floats (512 KB) stays in a 2 MB L2 while the row blocks
// read it; 4096 columns (4 MB) did not, and ResNet-20's forward GEMMs (16-64 rows, 32768
// columns) ran at half the speed (bench/conv-shapes-f32.ts).
const F32Micro MICRO{MR, NR, tile, 128, 256, 512, dot};

}  // namespace

#include "isa-end.h"

const F32Micro* const F32_AVX512 = &MICRO;
#else
const F32Micro* const F32_AVX512 = nullptr;
#endif
