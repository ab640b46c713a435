// SPDX-License-Identifier: MIT
// The float32 GEMM driver (blocking, packing, threads) and its portable microkernel. Results
// round differently from the reference (which sums in float64) but are the same bits for every
// thread count: each C element is summed over the same depth blocks in the same order, whatever
// task computes it.

#include <algorithm>
#include <cstring>

#include "gemm.h"
#include "pool.h"
#include "scratch.h"

namespace {

constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;
constexpr int MAX_TILE = 512;

void portableTile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool add) {
  constexpr int MR = 4, NR = 8;
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; k++)
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR; c++) acc[r][c] += A[k * MR + r] * B[k * NR + c];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) C[r * ldc + c] = add ? C[r * ldc + c] + acc[r][c] : acc[r][c];
}

const F32Micro PORTABLE{4, 8, portableTile, 128, 256, 512};

struct Job {
  int64_t M, N, K;
  const float* A;
  bool transA;
  const float* B;
  bool transB;
  const F32Micro* mk;
};

/**
 * A panel [k][MR] of rows r0.. (rows valid), depth k0..k0+kc. A (M, K) row-major (transA
 * false, a weight gradient's error rows): each row is read contiguously, the panel written
 * with stride MR (it stays in L1).
 */
void packA(const Job& j, int64_t r0, int rows, int64_t k0, int64_t kc, float* out) {
  const int MR = j.mk->MR;
  if (j.transA) {
    for (int64_t k = 0; k < kc; k++) {
      float* o = out + k * MR;
      const float* src = j.A + (k0 + k) * j.M + r0;
      for (int r = 0; r < rows; r++) o[r] = src[r];
      for (int r = rows; r < MR; r++) o[r] = 0;
    }
    return;
  }
  for (int r = 0; r < rows; r++) {
    const float* src = j.A + (r0 + r) * j.K + k0;
    for (int64_t k = 0; k < kc; k++) out[k * MR + r] = src[k];
  }
  for (int r = rows; r < MR; r++)
    for (int64_t k = 0; k < kc; k++) out[k * MR + r] = 0;
}

/**
 * The B block of columns c0..c0+nc, depth k0..k0+kc as nc/NR panels [k][NR] (the last one
 * zero-padded). B (K, N) row-major: each of the kc rows is copied as one contiguous run of nc
 * floats (long runs keep the hardware prefetchers streaming; a panel at a time would read
 * kc separate 128-byte pieces 4N bytes apart). B (N, K) (transB, the weight gradient's im2col
 * matrix): each column's depth run is read contiguously.
 */
void packBBlock(const Job& j, int64_t c0, int64_t nc, int64_t k0, int64_t kc, float* out) {
  const int NR = j.mk->NR;
  const int64_t full = nc / NR, rest = nc - full * NR;
  if (!j.transB) {
    for (int64_t k = 0; k < kc; k++) {
      const float* src = j.B + (k0 + k) * j.N + c0;
      float* o = out + k * NR;
      for (int64_t p = 0; p < full; p++)
        std::memcpy(o + p * kc * NR, src + p * NR, sizeof(float) * NR);
      if (rest) {
        float* t = o + full * kc * NR;
        std::memcpy(t, src + full * NR, sizeof(float) * rest);
        for (int64_t c = rest; c < NR; c++) t[c] = 0;
      }
    }
    return;
  }
  for (int64_t c = 0; c < nc; c++) {
    const float* src = j.B + (c0 + c) * j.K + k0;
    float* o = out + (c / NR) * kc * NR + c % NR;
    for (int64_t k = 0; k < kc; k++) o[k * NR] = src[k];
  }
  if (rest) {
    float* t = out + full * kc * NR;
    for (int64_t k = 0; k < kc; k++)
      for (int64_t c = rest; c < NR; c++) t[k * NR + c] = 0;
  }
}

void runPart(const Job& j, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float* C, bool acc) {
  const F32Micro& mk = *j.mk;
  const int MR = mk.MR, NR = mk.NR;
  const int64_t kcMax = std::min<int64_t>(mk.KC, j.K);
  const int64_t nPanelsMax = (std::min<int64_t>(mk.NC, n1 - n0) + NR - 1) / NR;
  const int64_t mPanelsMax = (std::min<int64_t>(mk.MC, m1 - m0) + MR - 1) / MR;
  float* bufB = static_cast<float*>(scratch(Slot::PackB, nPanelsMax * kcMax * NR * 4));
  float* bufA = static_cast<float*>(scratch(Slot::PackA, mPanelsMax * kcMax * MR * 4));
  alignas(64) float tile[MAX_TILE];
  for (int64_t jc = n0; jc < n1; jc += mk.NC) {
    const int64_t nc = std::min<int64_t>(mk.NC, n1 - jc);
    const int64_t nPanels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < j.K; pc += mk.KC) {
      const int64_t kc = std::min<int64_t>(mk.KC, j.K - pc);
      packBBlock(j, jc, nc, pc, kc, bufB);
      const bool add = acc || pc > 0;
      for (int64_t ic = m0; ic < m1; ic += mk.MC) {
        const int64_t mc = std::min<int64_t>(mk.MC, m1 - ic);
        const int64_t mPanels = (mc + MR - 1) / MR;
        for (int64_t q = 0; q < mPanels; q++)
          packA(j, ic + q * MR, static_cast<int>(std::min<int64_t>(MR, mc - q * MR)), pc, kc,
                bufA + q * kc * MR);
        for (int64_t p = 0; p < nPanels; p++) {
          const int cols = static_cast<int>(std::min<int64_t>(NR, nc - p * NR));
          for (int64_t q = 0; q < mPanels; q++) {
            const int rows = static_cast<int>(std::min<int64_t>(MR, mc - q * MR));
            float* c = C + (ic + q * MR) * j.N + jc + p * NR;
            if (rows == MR && cols == NR) {
              mk.tile(kc, bufA + q * kc * MR, bufB + p * kc * NR, c, j.N, add);
            } else {
              // Edge tiles: the same sums on a full tile, then the valid part is added.
              mk.tile(kc, bufA + q * kc * MR, bufB + p * kc * NR, tile, NR, false);
              for (int r = 0; r < rows; r++)
                for (int q2 = 0; q2 < cols; q2++)
                  c[r * j.N + q2] = add ? c[r * j.N + q2] + tile[r * NR + q2] : tile[r * NR + q2];
            }
          }
        }
      }
    }
  }
}

}  // namespace

const F32Micro* const F32_PORTABLE = &PORTABLE;

const F32Micro* f32Kernel(Isa isa) {
  if (isa == Isa::Avx512Vnni && F32_AVX512) return F32_AVX512;
  if (isa != Isa::Portable && F32_AVX2) return F32_AVX2;
  return F32_PORTABLE;
}

void gemmF32(Isa isa, int64_t M, int64_t N, int64_t K, const float* A, bool transA,
             const float* B, bool transB, float* C, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate) std::memset(C, 0, sizeof(float) * M * N);
    return;
  }
  const Job j{M, N, K, A, transA, B, transB, f32Kernel(isa)};
  const int T = pool::threads();
  const int64_t NR = j.mk->NR, MR = j.mk->MR;
  const int64_t nPanels = (N + NR - 1) / NR, mPanels = (M + MR - 1) / MR;
  if (T <= 1 || M * N * K < MIN_THREADED_MACS || (nPanels < 2 && mPanels < 2)) {
    runPart(j, 0, M, 0, N, C, accumulate);
    return;
  }
  const bool byN = nPanels >= mPanels;
  const int64_t panels = byN ? nPanels : mPanels;
  const int parts = static_cast<int>(std::min<int64_t>(3 * T, panels));
  const int64_t per = (panels + parts - 1) / parts;
  const int tasks = static_cast<int>((panels + per - 1) / per);
  pool::run(tasks, [&](int t) {
    if (byN) {
      const int64_t a = t * per * NR;
      runPart(j, 0, M, a, std::min<int64_t>(N, a + per * NR), C, accumulate);
    } else {
      const int64_t a = t * per * MR;
      runPart(j, a, std::min<int64_t>(M, a + per * MR), 0, N, C, accumulate);
    }
  });
}
