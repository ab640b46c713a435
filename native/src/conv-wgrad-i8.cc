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
  const int T = pool::threads();
  const bool threaded = T > 1 && M * Q * K >= MIN_THREADED_MACS;
  // Layout tasks over images, J a multiple of the threads (the pool gives each thread a
  // contiguous run of tasks): task j lays out images [n_j, n_j+1) of E and xu, mostly what
  // the kernel before (split the same way) wrote on that thread. The products then split by
  // grid positions where there are at least SLICE a thread (ResNet-20's 32 x 32 planes), each
  // thread its images' positions (from 64-aligned b_p: whole vectors) into its own P_p (M, K)
  // int64, added up at the end (integers: any split, the same sums); on smaller grids, by dW
  // columns over all positions (a position split there multiplied the dot calls and the P_p
  // to add: 2 threads over 1 fell to 0.9x at 64 channels of 8 x 8). Split by columns, each
  // thread reads all of E and xu, half of it from the other core's cache: at 16 channels of
  // 32 x 32, 2 threads over 1 went from 1.38x to 1.53x split by positions.
  const int64_t J = threaded ? std::max<int64_t>(1, std::min<int64_t>(N, 2 * T) / T * T) : 1;
  const int64_t parts = threaded && L >= T * SLICE ? T : 1;
  const auto imageAt = [&](int64_t j) { return j * N / J; };
  const auto posAt = [&](int64_t p) { return p == parts ? L : p * N / parts * Ps / 64 * 64; };
  auto* P = static_cast<int64_t*>(scratch(Slot::Init, sizeof(int64_t) * (parts * M * K + J * M)));
  int64_t* const rowSums = P + parts * M * K;  // (J, M): each layout task's sums of E's rows
  // Each dW column's xu: its channel's grid shifted by its tap; past K the last column repeats.
  const int64_t blocks = (K + D - 1) / D;
  std::vector<const uint8_t*> colPtr(blocks * D);
  for (int64_t i = 0; i < blocks * D; i++) {
    const int64_t col = std::min(i, K - 1), ch = col / taps, tp = col % taps;
    colPtr[i] = xu + ch * Lx + lead + (tp / KW - ph) * Wp + (tp % KW - pw);
  }
  const auto layOut = [&](int64_t j) {
    const int64_t n0 = imageAt(j), n1 = imageAt(j + 1);
    // E's rows: this task's images (their margins zero), the last task also the tail to L.
    const int64_t e0 = n0 * Ps, e1 = j == J - 1 ? L : n1 * Ps;
    for (int64_t i = 0; i < M; i++) {
      int64_t sum = 0;
      std::memset(e + i * L + e0, 0, e1 - e0);
      for (int64_t n = n0; n < n1; n++) {
        const int8_t* src = batchMajor ? E + (n * M + i) * R : E + i * Q + n * R;
        sum += mk->sumBytes(src, R);
        mk->placeRows(src, H, W, reinterpret_cast<uint8_t*>(e + i * L + n * Ps), Wp, 0);
      }
      rowSums[j * M + i] = sum;
    }
    // xu's rows: this task's images, the first task also the lead, the last the tail.
    const int64_t x0 = j == 0 ? 0 : lead + n0 * Ps, x1 = j == J - 1 ? Lx : lead + n1 * Ps;
    for (int64_t c = 0; c < C; c++) {
      std::memset(xu + c * Lx + x0, 128, x1 - x0);
      for (int64_t n = n0; n < n1; n++)
        mk->placeRows(x + (n * C + c) * R, H, W, xu + c * Lx + lead + n * Ps, Wp, 0x80);
    }
  };
  // The products of positions [p0, p1) and column blocks [b0, b1) added into P (row stride K).
  const auto products = [&](int64_t p0, int64_t p1, int64_t b0, int64_t b1, int64_t* Pp) {
    int64_t out[D * D];
    const uint8_t* a[D];
    const int8_t* b[D];
    for (int64_t j0 = p0; j0 < p1; j0 += SLICE) {
      const int64_t len = std::min(SLICE, p1 - j0);
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
            for (int q = 0; q < cols; q++) Pp[(im + r) * K + jb * D + q] += out[r * D + q];
        }
      }
    }
  };
  // sum(E x) = sum(E xu) - 128 sum(E) per row, then the caller's accumulator type: dW's rows
  // [r0, r1), columns [c0, c1).
  const auto finish = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t rowSum = 0;
      for (int64_t j = 0; j < J; j++) rowSum += rowSums[j * M + r];
      for (int64_t i = r * K + c0, end = r * K + c1; i < end; i++) {
        int64_t v = -128 * rowSum;
        for (int64_t p = 0; p < parts; p++) v += P[p * M * K + i];
        if (dW64) dW64[i] = static_cast<double>(v);
        else dW32[i] = static_cast<int32_t>(v);
      }
    }
  };
  if (!threaded) {
    layOut(0);
    std::memset(P, 0, sizeof(int64_t) * M * K);
    products(0, L, 0, blocks, P);
    finish(0, M, 0, K);
    return true;
  }
  pool::run(static_cast<int>(J), [&](int j) { layOut(j); });
  if (parts > 1) {
    pool::run(static_cast<int>(parts), [&](int p) {
      int64_t* Pp = P + p * M * K;
      std::memset(Pp, 0, sizeof(int64_t) * M * K);
      products(posAt(p), posAt(p + 1), 0, blocks, Pp);
    });
    pool::run(static_cast<int>(J), [&](int j) { finish(j * M / J, (j + 1) * M / J, 0, K); });
    return true;
  }
  // By dW columns: each task its blocks over every position, then its columns of dW.
  const int tasks = static_cast<int>(std::min<int64_t>(3 * T, blocks));
  const int64_t blocksPer = (blocks + tasks - 1) / tasks;
  pool::run(static_cast<int>((blocks + blocksPer - 1) / blocksPer), [&](int t) {
    const int64_t b0 = t * blocksPer, b1 = std::min(blocks, b0 + blocksPer);
    for (int64_t r = 0; r < M; r++)
      std::memset(P + r * K + b0 * D, 0, sizeof(int64_t) * (std::min(K, b1 * D) - b0 * D));
    products(0, L, b0, b1, P);
    finish(0, M, b0 * D, std::min(K, b1 * D));
  });
  return true;
}
