// SPDX-License-Identifier: MIT
// The direct integer weight-gradient driver (conv-wgrad-int.h): tap shifts and padding masks
// once per call, then per thread its images (large grids) or its blocks of 4 dW columns, in
// slices of images whose error rows stay in L1 while the 4-column blocks stream by.

#include "conv-wgrad-int.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pool.h"
#include "scratch.h"

namespace {

constexpr int64_t INT32_LIMIT = 2147483647;  // 2^31 - 1
constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;
constexpr int D = 4;
/**
 * Pixels per slice (whole images): the 4 error rows of a block, 16 KB of int16, stay in L1
 * while the x columns stream by; each dot call's 16 lane reductions are paid per slice.
 */
constexpr int64_t SLICE_PIXELS = 2048;
/**
 * Pixels a thread needs for the split by images (below it, by dW columns): fewer multiply the
 * dot calls and the sums to add (the int8 dW fell to 0.9x on 2 threads at 64 channels of 8 x 8).
 */
constexpr int64_t SPLIT_PIXELS = 8192;

}  // namespace

bool convWeightGradIntSupported(Isa isa, const int64_t* g) {
  if (!avx512(isa) || !CONV_WGRAD_INT_AVX512) return false;
  const bool same = g[6] == 1 && g[7] == 1 && g[10] == g[2] && g[11] == g[3];
  return same && g[8] < g[4] && g[9] < g[5] && g[4] * g[5] <= 49 && (g[2] * g[3]) % 32 == 0;
}

bool convWeightGradIntDirect(Isa isa, const int64_t* g, const int16_t* E, int64_t M,
                             const int16_t* x, bool batchMajor, int64_t maxE, int64_t maxX,
                             double* dW64, int32_t* dW32) {
  if (!convWeightGradIntSupported(isa, g)) return false;
  const int64_t N = g[0], C = g[1], W = g[3], KH = g[4], KW = g[5], ph = g[8], pw = g[9];
  const int64_t R = g[2] * W, taps = KH * KW, K = C * taps;
  maxE = std::min<int64_t>(maxE, 32768);
  maxX = std::min<int64_t>(maxX, 32768);
  auto zero = [&]() {
    if (dW64) std::memset(dW64, 0, sizeof(double) * M * K);
    else std::memset(dW32, 0, sizeof(int32_t) * M * K);
  };
  if (M == 0 || K == 0) return true;
  if (N == 0 || R == 0 || maxE == 0 || maxX == 0) {
    zero();
    return true;
  }
  // 32-pixel steps per int32 flush: each lane takes 2 products a step.
  const int64_t chunk = INT32_LIMIT / (maxE * maxX) / 2;
  if (chunk < 1) return false;
  // Exact float64 sums (integers below 2^53), dW64 itself or a buffer for int32 dW.
  std::vector<double> buf(dW64 ? 0 : M * K);
  double* P = dW64 ? dW64 : buf.data();
  std::memset(P, 0, sizeof(double) * M * K);
  // Per column block, each column's shift from its image's start (channel plane and tap) and
  // the 4 columns' lane masks side by side, [R / 32][4].
  const int64_t blocks = (K + D - 1) / D, vecs = R / 32;
  std::vector<int64_t> colOff(blocks * D);
  std::vector<uint32_t> tapMask(taps * vecs, 0), colMask(blocks * vecs * D);
  for (int64_t ky = 0; ky < KH; ky++)
    for (int64_t kx = 0; kx < KW; kx++)
      for (int64_t p = 0; p < R; p++) {
        const int64_t yy = p / W + ky - ph, xx = p % W + kx - pw;
        if (yy >= 0 && yy < g[2] && xx >= 0 && xx < W)
          tapMask[(ky * KW + kx) * vecs + p / 32] |= uint32_t(1) << (p % 32);
      }
  for (int64_t jb = 0; jb < blocks; jb++)
    for (int c = 0; c < D; c++) {
      const int64_t col = std::min(jb * D + c, K - 1);  // past K the last column repeats
      const int64_t ch = col / taps, tp = col % taps, ky = tp / KW, kx = tp % KW;
      colOff[jb * D + c] = ch * R + (ky - ph) * W + (kx - pw);
      for (int64_t i = 0; i < vecs; i++) colMask[(jb * vecs + i) * D + c] = tapMask[tp * vecs + i];
    }
  const int64_t per = std::max<int64_t>(1, (SLICE_PIXELS + R - 1) / R);
  const DirectColsI16 dc{R, C * R, batchMajor ? M * R : R};
  const int64_t Q = N * R;
  const int T = pool::threads();
  const bool threaded = T > 1 && M * Q * K >= MIN_THREADED_MACS;
  // Images [n0, n1), column blocks [b0, b1), added into Pp (M, K).
  const auto products = [&](int64_t n0, int64_t n1, int64_t b0, int64_t b1, double* Pp) {
    double out[D * D];
    const int16_t* a[D];
    const int16_t* b[D];
    for (int64_t s0 = n0; s0 < n1; s0 += per) {
      const int64_t S = (std::min(n1, s0 + per) - s0) * R;
      // Rows outer: the block's 4 error rows stay in L1 while the x columns stream by.
      for (int64_t im = 0; im < M; im += D) {
        const int rows = static_cast<int>(std::min<int64_t>(D, M - im));
        for (int r = 0; r < D; r++) {
          const int64_t row = im + std::min(r, rows - 1);
          a[r] = batchMajor ? E + (s0 * M + row) * R : E + row * Q + s0 * R;
        }
        for (int64_t jb = b0; jb < b1; jb++) {
          const int cols = static_cast<int>(std::min<int64_t>(D, K - jb * D));
          for (int c = 0; c < D; c++) b[c] = x + s0 * C * R + colOff[jb * D + c];
          std::fill(out, out + D * D, 0.0);
          CONV_WGRAD_INT_AVX512->dot(dc, 0, S, chunk, a, b, colMask.data() + jb * vecs * D,
                                     out);
          for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++) Pp[(im + r) * K + jb * D + q] += out[r * D + q];
        }
      }
    }
  };
  if (threaded && N >= T && Q >= T * SPLIT_PIXELS) {
    // By images: thread t its contiguous images (those the kernels before it wrote on it, split
    // the same way) into its own exact sums, added at the end (integers below 2^53: any order,
    // the same doubles). Split by dW columns, every thread read all of E and x.
    // The other threads' sums in this thread's scratch (kept across calls: no fresh pages).
    auto* part = static_cast<double*>(scratch(Slot::Part, sizeof(double) * (T - 1) * M * K));
    pool::run(T, [&](int t) {
      double* Pp = t == 0 ? P : part + (t - 1) * M * K;
      if (t > 0) std::memset(Pp, 0, sizeof(double) * M * K);
      products(t * N / T, (t + 1) * N / T, 0, blocks, Pp);
    });
    for (int t = 1; t < T; t++) {
      const double* q = part + (t - 1) * M * K;
      for (int64_t i = 0; i < M * K; i++) P[i] += q[i];
    }
  } else {
    const int tasks = static_cast<int>(threaded ? std::min<int64_t>(3 * T, blocks) : 1);
    const int64_t blocksPer = (blocks + tasks - 1) / tasks;
    pool::run(static_cast<int>((blocks + blocksPer - 1) / blocksPer), [&](int t) {
      const int64_t b0 = t * blocksPer;
      products(0, N, b0, std::min(blocks, b0 + blocksPer), P);
    });
  }
  if (dW32)
    for (int64_t i = 0; i < M * K; i++) dW32[i] = static_cast<int32_t>(P[i]);
  return true;
}
