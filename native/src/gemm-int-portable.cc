// SPDX-License-Identifier: MIT
// Portable integer microkernel: int16 pairs (G = 2), 4 x 8 tiles, plain C++ that compilers
// vectorize for the baseline instruction set (SSE2 on x86-64, NEON on arm64). Sums wrap
// modulo 2^32 (unsigned arithmetic), like the vector kernels.

#include "gemm.h"

namespace {

constexpr int MR = 4;
constexpr int NR = 16;

void tile(int64_t groups, const uint8_t* Ap, const uint8_t* Bp, const int32_t* init, int32_t* C,
          int64_t ldc, bool add) {
  const int16_t* A = reinterpret_cast<const int16_t*>(Ap);
  const int16_t* B = reinterpret_cast<const int16_t*>(Bp);
  int32_t acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) acc[r][c] = init ? init[c] : 0;
  for (int64_t g = 0; g < groups; g++) {
    const int16_t* a = A + g * MR * 2;
    const int16_t* b = B + g * NR * 2;
    // Even and odd k of the group apart, so the products below are plain widening
    // multiplies a compiler vectorizes (pmullw/pmulhw on SSE2, smlal on NEON).
    int16_t b0[NR], b1[NR];
    for (int c = 0; c < NR; c++) {
      b0[c] = b[2 * c];
      b1[c] = b[2 * c + 1];
    }
    for (int r = 0; r < MR; r++) {
      const int32_t a0 = a[2 * r], a1 = a[2 * r + 1];
      // Each product fits int32 (|a b| <= 2^30); the sums wrap like the vector kernels'.
      for (int c = 0; c < NR; c++)
        acc[r][c] = static_cast<int32_t>(static_cast<uint32_t>(acc[r][c]) +
                                         static_cast<uint32_t>(a0 * b0[c] + 0u) +
                                         static_cast<uint32_t>(a1 * b1[c]));
    }
  }
  for (int r = 0; r < MR; r++) {
    int32_t* cr = C + r * ldc;
    for (int c = 0; c < NR; c++)
      cr[c] = add ? static_cast<int32_t>(static_cast<uint32_t>(cr[c]) + acc[r][c]) : acc[r][c];
  }
}

const IntMicro MICRO{MR, NR, 2, false, tile, 128, 512, 2048, packAPortable, packBPortable, nullptr,
                     nullptr, nullptr};
const IntKernels KERNELS{MICRO, MICRO};

}  // namespace

const IntKernels* const INT_PORTABLE = &KERNELS;
