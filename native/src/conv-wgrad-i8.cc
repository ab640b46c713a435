// SPDX-License-Identifier: MIT
// The direct int8 weight-gradient driver (conv-wgrad-i8.h): E and xu laid out once on the
// padded grid, then tasks over blocks of 4 dW columns, slices of the grid whose 4 error rows
// stay in L1 while the 4-column blocks stream by.

#include "conv-wgrad-i8.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pool.h"
#include "scratch.h"

namespace {

constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;
constexpr int D = 4;
/**
 * Grid positions per slice: the 4 error rows of a block, 32 KB of int8, stay in L1 while the
 * xu columns stream by; each dot call's 16 lane reductions are paid per slice (8192 timed
 * ~5% faster than 4096 at ResNet-20's 32x32 and 16x16 planes).
 */
constexpr int64_t SLICE = 8192;
static_assert(SLICE % 64 == 0 && SLICE <= DOT_MAX_LEN, "one dot call's int32 lanes stay exact");

}  // namespace

bool convWeightGradI8Supported(Isa isa, const int64_t* g) {
  if (!avx512(isa) || !CONV_WGRAD_I8_AVX512) return false;
  const bool same = g[6] == 1 && g[7] == 1 && g[10] == g[2] && g[11] == g[3];
  return same && g[8] < g[4] && g[9] < g[5] && g[4] * g[5] <= 49;
}

bool convWeightGradI8Direct(Isa isa, const int64_t* g, const int8_t* E, int64_t M,
                            const int8_t* x, bool batchMajor, double* dW64, int32_t* dW32) {
  if (!convWeightGradI8Supported(isa, g)) return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3], KH = g[4], KW = g[5], ph = g[8],
                pw = g[9];
  const int64_t R = H * W, taps = KH * KW, K = C * taps, Q = N * R;
  if (M == 0 || K == 0) return true;
  if (Q == 0) {
    if (dW64) std::memset(dW64, 0, sizeof(double) * M * K);
    else std::memset(dW32, 0, sizeof(int32_t) * M * K);
    return true;
  }
  // The padded grid: margins wide enough for every tap's shift either way.
  const int64_t mc = std::max(pw, KW - 1 - pw), mr = std::max(ph, KH - 1 - ph);
  const int64_t Wp = W + mc, Ps = (H + mr) * Wp;
  const int64_t L = (N * Ps + 63) / 64 * 64;  // positions the dot runs over
  const int64_t lead = mr * Wp + mc, Lx = lead + L + lead + 64;
  // E on the grid (0 in the margins) and each row's sum; xu = x + 128 on the grid, 128 (x = 0)
  // in the margins. This thread's scratch (kept across calls), read by the tasks below.
  const ConvWgradI8Micro* mk = CONV_WGRAD_I8_AVX512;
  int8_t* e = static_cast<int8_t*>(scratch(Slot::PackA, M * L));
  uint8_t* xu = static_cast<uint8_t*>(scratch(Slot::PackB, C * Lx));
  auto* P = static_cast<int64_t*>(scratch(Slot::Init, sizeof(int64_t) * M * K));
  std::vector<int64_t> rowSum(M, 0);
  // Task i < M lays out error row i (and zeroes its P row), task M + c channel c of xu: each
  // writes only its own rows, images in order, so every split gives the same bytes.
  const auto place = [&](int64_t i) {
    if (i < M) {
      std::memset(e + i * L, 0, L);
      std::memset(P + i * K, 0, sizeof(int64_t) * K);
      for (int64_t n = 0; n < N; n++) {
        const int8_t* src = batchMajor ? E + (n * M + i) * R : E + i * Q + n * R;
        rowSum[i] += mk->sumBytes(src, R);
        mk->placeRows(src, H, W, reinterpret_cast<uint8_t*>(e + i * L + n * Ps), Wp, 0);
      }
      return;
    }
    const int64_t c = i - M;
    std::memset(xu + c * Lx, 128, Lx);
    for (int64_t n = 0; n < N; n++)
      mk->placeRows(x + (n * C + c) * R, H, W, xu + c * Lx + lead + n * Ps, Wp, 0x80);
  };
  const int T = pool::threads();
  const bool threaded = T > 1 && M * Q * K >= MIN_THREADED_MACS;
  if (threaded) pool::run(static_cast<int>(M + C), [&](int i) { place(i); });
  else
    for (int64_t i = 0; i < M + C; i++) place(i);
  // Each dW column's xu: its channel's grid shifted by its tap; past K the last column repeats.
  const int64_t blocks = (K + D - 1) / D;
  std::vector<const uint8_t*> colPtr(blocks * D);
  for (int64_t i = 0; i < blocks * D; i++) {
    const int64_t col = std::min(i, K - 1), ch = col / taps, tp = col % taps;
    colPtr[i] = xu + ch * Lx + lead + (tp / KW - ph) * Wp + (tp % KW - pw);
  }
  const int tasks = static_cast<int>(threaded ? std::min<int64_t>(3 * T, blocks) : 1);
  const int64_t blocksPer = (blocks + tasks - 1) / tasks;
  pool::run(static_cast<int>((blocks + blocksPer - 1) / blocksPer), [&](int t) {
    const int64_t b0 = t * blocksPer, b1 = std::min(blocks, b0 + blocksPer);
    int64_t out[D * D];
    const uint8_t* a[D];
    const int8_t* b[D];
    for (int64_t j0 = 0; j0 < L; j0 += SLICE) {
      const int64_t len = std::min(SLICE, L - j0);
      // Rows outer: the block's 4 error rows stay in L1 while the xu columns stream by.
      for (int64_t im = 0; im < M; im += D) {
        const int rows = static_cast<int>(std::min<int64_t>(D, M - im));
        for (int r = 0; r < D; r++) b[r] = e + (im + std::min(r, rows - 1)) * L + j0;
        for (int64_t jb = b0; jb < b1; jb++) {
          const int cols = static_cast<int>(std::min<int64_t>(D, K - jb * D));
          for (int c = 0; c < D; c++) a[c] = colPtr[jb * D + c] + j0;
          std::fill(out, out + D * D, int64_t(0));
          mk->dot(len, a, b, out);
          for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++) P[(im + r) * K + jb * D + q] += out[r * D + q];
        }
      }
    }
    // sum(E x) = sum(E xu) - 128 sum(E) per row, then the caller's accumulator type.
    for (int64_t r = 0; r < M; r++)
      for (int64_t i = r * K + b0 * D, end = r * K + std::min(K, b1 * D); i < end; i++) {
        const int64_t v = P[i] - 128 * rowSum[r];
        if (dW64) dW64[i] = static_cast<double>(v);
        else dW32[i] = static_cast<int32_t>(v);
      }
  });
  return true;
}
