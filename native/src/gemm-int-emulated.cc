// SPDX-License-Identifier: MIT
// The AVX-512 VNNI integer path with its vector microkernel replaced by a scalar one of the
// same semantics (vpdpbusd: four u8 x s8 products added to each int32 lane; vpdpwssd: two
// int16 x int16 products), for tests on CPUs without AVX-512: the same tile sizes, panel
// layouts, a + 128 offset, column-sum correction, blocking and packing (AVX2) as
// gemm-int-avx512.cc, so all of that path but its 30 lines of intrinsics runs bit-exact
// against the reference here. Not a dispatch choice: kernels("avx512vnni-emulated") only.

#include "gemm.h"

namespace {

constexpr int MR = 8;
constexpr int NR = 32;

template <bool BYTES>
void tile(int64_t groups, const uint8_t* A, const uint8_t* B, const int32_t* init, int32_t* C,
          int64_t ldc, bool add) {
  uint32_t acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) acc[r][c] = init ? static_cast<uint32_t>(init[c]) : 0u;
  for (int64_t g = 0; g < groups; g++) {
    const uint8_t* a = A + g * MR * 4;
    const uint8_t* b = B + g * NR * 4;
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR; c++) {
        uint32_t s = 0;
        if (BYTES) {
          for (int t = 0; t < 4; t++)
            s += static_cast<uint32_t>(int32_t(a[r * 4 + t]) * int32_t(int8_t(b[c * 4 + t])));
        } else {
          const int16_t* a16 = reinterpret_cast<const int16_t*>(a + r * 4);
          const int16_t* b16 = reinterpret_cast<const int16_t*>(b + c * 4);
          s = static_cast<uint32_t>(int32_t(a16[0]) * b16[0]) +
              static_cast<uint32_t>(int32_t(a16[1]) * b16[1]);
        }
        acc[r][c] += s;
      }
  }
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) {
      int32_t& d = C[r * ldc + c];
      d = static_cast<int32_t>(add ? static_cast<uint32_t>(d) + acc[r][c] : acc[r][c]);
    }
}

/** tileF64 of gemm-int-avx512.cc: int32 chunk sums of `chunk` groups added into float64 C. */
void tileF64(int64_t groups, int64_t chunk, const uint8_t* A, const uint8_t* B, double* C,
             int64_t ldc, bool add) {
  int32_t t[MR * NR];
  bool first = !add;
  for (int64_t g0 = 0; g0 < groups; g0 += chunk) {
    const int64_t n = groups - g0 < chunk ? groups - g0 : chunk;
    tile<false>(n, A + g0 * MR * 4, B + g0 * NR * 4, nullptr, t, NR, false);
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR; c++)
        C[r * ldc + c] = (first ? 0.0 : C[r * ldc + c]) + static_cast<double>(t[r * NR + c]);
    first = false;
  }
  if (first)
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR; c++) C[r * ldc + c] = 0;
}

const IntKernels KERNELS{
    IntMicro{MR, NR, 4, true, tile<true>, 128, 512, 4096, packAAvx2, packBAvx2, packBKMajorAvx2,
             nullptr, nullptr},
    IntMicro{MR, NR, 2, false, tile<false>, 128, 256, 4096, packAAvx2, packBAvx2, packBKMajorAvx2,
             tileF64, nullptr},
};

}  // namespace

const IntKernels* const INT_VNNI_EMULATED = &KERNELS;
