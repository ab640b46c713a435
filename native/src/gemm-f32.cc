// SPDX-License-Identifier: MIT
// The float32 GEMM driver (blocking, packing, threads) and its portable microkernel. Results
// round differently from the reference (which sums in float64) but are the same bits for every
// thread count: each C element is summed over the same depth blocks in the same order, whatever
// task computes it.

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv-f32.h"
#include "gemm.h"
#include "im2col-part.h"
#include "pool.h"
#include "scratch.h"

namespace {

constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;
constexpr int MAX_TILE = 512;
/**
 * The dot route needs K >= this x max(M, N). ResNet-20's weight gradients (1 thread,
 * bench/conv-shapes-f32.ts): 16 x 144 x 32768 ran 1.7x faster than packed, 32 x 288 x 8192
 * and 64 x 576 x 2048 about as fast.
 */
constexpr int64_t DOT_DEPTH_RATIO = 4;

void portableTile(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool add) {
  constexpr int MR = 4, NR = 8;
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; k++)
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR; c++) acc[r][c] += A[k * MR + r] * B[k * NR + c];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) C[r * ldc + c] = add ? C[r * ldc + c] + acc[r][c] : acc[r][c];
}

/** F32Micro::dot in plain C++: each product added k by k. */
void portableDot(int64_t kc, const float* const* a, const float* const* b, float* out) {
  constexpr int D = F32_DOT;
  for (int r = 0; r < D; r++)
    for (int c = 0; c < D; c++) {
      float s = 0;
      for (int64_t k = 0; k < kc; k++) s += a[r][k] * b[c][k];
      out[r * D + c] = s;
    }
}

const F32Micro PORTABLE{4, 8, portableTile, 128, 256, 512, portableDot};

/** Depth slice of the dot route: 4 + 4 rows of 2 KB stay in L1 while the 16 sums run. */
constexpr int64_t DOT_KC = 512;

struct Job {
  int64_t M, N, K;
  const float* A;
  bool transA;
  const float* B;
  bool transB;
  const F32Micro* mk;
  int64_t ldb;  // row stride of a B stored (K, N) (N for a whole matrix)
  int64_t ldc;  // row stride of C (N for a whole matrix)
};

/**
 * Four rows src + i * ld (i < 4), kc floats each, written as columns: o[k * ldo + i] =
 * src[i * ld + k] (packA of A (M, K), packBBlock of B (N, K)). 4 x 4 blocks transposed in
 * registers: the element-by-element copy, one scalar store ldo floats after the last, took
 * more time than the GEMM tiles that read the panels in ResNet-20's 8x8 weight gradient
 * (64 x 576 x 2048, B^T). Copies only: the same floats.
 */
void transpose4(const float* src, int64_t ld, int64_t kc, float* o, int64_t ldo) {
  typedef float F4 __attribute__((vector_size(16)));
  typedef int32_t I4 __attribute__((vector_size(16)));
  int64_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    F4 v[4];
    for (int i = 0; i < 4; i++) __builtin_memcpy(&v[i], src + i * ld + k, sizeof(F4));
    // [a0 b0 a1 b1], [a2 b2 a3 b3], [c0 d0 c1 d1], [c2 d2 c3 d3], then rows k..k+3.
    const F4 ab0 = __builtin_shuffle(v[0], v[1], I4{0, 4, 1, 5});
    const F4 ab1 = __builtin_shuffle(v[0], v[1], I4{2, 6, 3, 7});
    const F4 cd0 = __builtin_shuffle(v[2], v[3], I4{0, 4, 1, 5});
    const F4 cd1 = __builtin_shuffle(v[2], v[3], I4{2, 6, 3, 7});
    const F4 t[4] = {__builtin_shuffle(ab0, cd0, I4{0, 1, 4, 5}),
                     __builtin_shuffle(ab0, cd0, I4{2, 3, 6, 7}),
                     __builtin_shuffle(ab1, cd1, I4{0, 1, 4, 5}),
                     __builtin_shuffle(ab1, cd1, I4{2, 3, 6, 7})};
    for (int i = 0; i < 4; i++) __builtin_memcpy(o + (k + i) * ldo, &t[i], sizeof(F4));
  }
  for (; k < kc; k++)
    for (int i = 0; i < 4; i++) o[k * ldo + i] = src[i * ld + k];
}

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
  int r = 0;
  for (; r + 4 <= rows; r += 4) transpose4(j.A + (r0 + r) * j.K + k0, j.K, kc, out + r, MR);
  for (; r < rows; r++) {
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
      const float* src = j.B + (k0 + k) * j.ldb + c0;
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
  int64_t c = 0;
  if (NR % 4 == 0)
    for (; c + 4 <= nc; c += 4)
      transpose4(j.B + (c0 + c) * j.K + k0, j.K, kc, out + (c / NR) * kc * NR + c % NR, NR);
  for (; c < nc; c++) {
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
            float* c = C + (ic + q * MR) * j.ldc + jc + p * NR;
            if (rows == MR && cols == NR) {
              mk.tile(kc, bufA + q * kc * MR, bufB + p * kc * NR, c, j.ldc, add);
            } else {
              // Edge tiles: the same sums on a full tile, then the valid part is added.
              mk.tile(kc, bufA + q * kc * MR, bufB + p * kc * NR, tile, NR, false);
              for (int r = 0; r < rows; r++)
                for (int q2 = 0; q2 < cols; q2++)
                  c[r * j.ldc + q2] =
                      add ? c[r * j.ldc + q2] + tile[r * NR + q2] : tile[r * NR + q2];
            }
          }
        }
      }
    }
  }
}

/**
 * The dot route (A (M,K) x B (N,K)^T): C columns [n0, n1), all rows, depth slices of DOT_KC
 * from k = 0 (so a C element's sums do not depend on the column split): C = (C if acc) +
 * slice sums in slice order. Blocks past the edge repeat the last row or column (discarded).
 */
void runDot(const Job& j, int64_t n0, int64_t n1, float* C, bool acc) {
  constexpr int D = F32_DOT;
  float out[D * D];
  const float* a[D];
  const float* b[D];
  for (int64_t pc = 0; pc < j.K; pc += DOT_KC) {
    const int64_t kc = std::min<int64_t>(DOT_KC, j.K - pc);
    const bool add = acc || pc > 0;
    for (int64_t jn = n0; jn < n1; jn += D) {
      const int cols = static_cast<int>(std::min<int64_t>(D, n1 - jn));
      for (int c = 0; c < D; c++) b[c] = j.B + (jn + std::min(c, cols - 1)) * j.K + pc;
      for (int64_t im = 0; im < j.M; im += D) {
        const int rows = static_cast<int>(std::min<int64_t>(D, j.M - im));
        for (int r = 0; r < D; r++) a[r] = j.A + (im + std::min(r, rows - 1)) * j.K + pc;
        j.mk->dot(kc, a, b, out);
        for (int r = 0; r < rows; r++) {
          float* c = C + (im + r) * j.N + jn;
          for (int q = 0; q < cols; q++) c[q] = add ? c[q] + out[r * D + q] : out[r * D + q];
        }
      }
    }
  }
}

/**
 * Whether the dot route runs: A (M,K) and B (N,K) both contiguous in k, and the depth long
 * against C (a conv's weight gradient: OC x C*KH*KW over N*OH*OW), where packing both
 * operands (transposing them) would cost more than the multiply-adds it feeds.
 */
bool useDot(const Job& j) {
  return !j.transA && j.transB && j.K >= DOT_KC && j.K >= DOT_DEPTH_RATIO * std::max(j.M, j.N);
}

/** Bytes of im2col columns a conv GEMM slice holds: a few images, within L2 while read. */
constexpr int64_t CONV_SLICE_BYTES = int64_t(512) << 10;

}  // namespace

const F32Micro* const F32_PORTABLE = &PORTABLE;

const F32Micro* f32Kernel(Isa isa) {
  if (avx512(isa) && F32_AVX512) return F32_AVX512;
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
  const Job j{M, N, K, A, transA, B, transB, f32Kernel(isa), N, N};
  const int T = pool::threads();
  if (useDot(j)) {
    const int64_t blocks = (N + F32_DOT - 1) / F32_DOT;
    const int parts = static_cast<int>(
        T <= 1 || M * N * K < MIN_THREADED_MACS ? 1 : std::min<int64_t>(3 * T, blocks));
    const int64_t per = (blocks + parts - 1) / parts * F32_DOT;
    pool::run(static_cast<int>((N + per - 1) / per), [&](int t) {
      runDot(j, t * per, std::min<int64_t>(N, (t + 1) * per), C, accumulate);
    });
    return;
  }
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

void convGemmF32(Isa isa, const int64_t* g, const float* W, int64_t M, const float* x, float* C,
                 bool accumulate) {
  const int64_t N = g[0], R = g[10] * g[11], K = g[1] * g[4] * g[5], Q = N * R;
  if (M == 0 || Q == 0) return;
  if (K == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < M; i++) std::memset(C + i * Q, 0, sizeof(float) * Q);
    return;
  }
  const F32Micro* mk = f32Kernel(isa);
  // Images per slice: their im2col columns (K x images*R floats) stay in L2 for the GEMM.
  const int64_t per = std::max<int64_t>(1, CONV_SLICE_BYTES / (K * R * 4));
  const int64_t slices = (N + per - 1) / per;
  const int T = pool::threads();
  const int tasks = static_cast<int>(
      T <= 1 || M * Q * K < MIN_THREADED_MACS ? 1 : std::min<int64_t>(3 * T, slices));
  const int64_t perTask = (slices + tasks - 1) / tasks;
  pool::run(static_cast<int>((slices + perTask - 1) / perTask), [&](int t) {
    for (int64_t sl = t * perTask; sl < std::min(slices, (t + 1) * perTask); sl++) {
      const int64_t n0 = sl * per, n1 = std::min(N, n0 + per), S = (n1 - n0) * R;
      float* buf = static_cast<float*>(scratch(Slot::ConvCols, K * S * sizeof(float)));
      im2colPart(g, x, n0, n1, 0, K, buf);
      const Job j{M, S, K, W, false, buf, false, mk, S, Q};
      runPart(j, 0, M, 0, S, C + n0 * R, accumulate);
    }
  });
}

void convWeightGradF32(Isa isa, const int64_t* g, const float* E, int64_t M, const float* x,
                       float* dW, bool accumulate, bool batchMajor) {
  constexpr int D = F32_DOT;
  const int64_t N = g[0], R = g[10] * g[11], K = g[1] * g[4] * g[5], Q = N * R;
  if (M == 0 || K == 0) return;
  if (Q == 0) {
    if (!accumulate) std::memset(dW, 0, sizeof(float) * M * K);
    return;
  }
  const F32Micro* mk = f32Kernel(isa);
  // Slices of at least one full 512-deep dot piece: each dot call's lane reduction and its
  // adds into dW are paid per piece.
  const int64_t per = std::max<int64_t>(std::max<int64_t>(1, CONV_SLICE_BYTES / (K * R * 4)),
                                        (DOT_KC + R - 1) / R);
  // Tasks own blocks of 4 dW columns (im2col rows): each builds only its rows of every slice.
  const int64_t blocks = (K + D - 1) / D;
  const int T = pool::threads();
  const int tasks = static_cast<int>(
      T <= 1 || M * Q * K < MIN_THREADED_MACS ? 1 : std::min<int64_t>(3 * T, blocks));
  const int64_t rowsPer = (blocks + tasks - 1) / tasks * D;
  // Stride-1 'same' convs on AVX-512: the dot reads x shifted by each column's tap (masked
  // lanes for the padding), no im2col rows; the same lanes, pieces and sums.
  const bool direct = convDirectDotSupported(isa, g);
  const int64_t taps = g[4] * g[5];
  const DirectCols dc{R, g[1] * R, batchMajor ? M * R : R};
  // direct: per block of 4 columns, each column's shift from its image's start (channel plane
  // and tap), and the 4 columns' lane masks side by side, [R / 16][4] (ConvDirectMicro::dot's
  // mask), built once per call.
  std::vector<int64_t> colOff(direct ? blocks * D : 0);
  std::vector<uint16_t> colMask(direct ? blocks * (R / 16) * D : 0);
  if (direct) {
    std::vector<uint16_t> tapMask(taps * (R / 16));
    convDirectDotMasks(g, tapMask.data());
    for (int64_t jb = 0; jb < blocks; jb++)
      for (int c = 0; c < D; c++) {
        const int64_t col = std::min(jb * D + c, K - 1);
        const int64_t ch = col / taps, tp = col % taps, ky = tp / g[5], kx = tp % g[5];
        colOff[jb * D + c] = ch * R + (ky - g[8]) * g[3] + (kx - g[9]);
        for (int64_t i = 0; i < R / 16; i++)
          colMask[(jb * (R / 16) + i) * D + c] = tapMask[tp * (R / 16) + i];
      }
  }
  pool::run(static_cast<int>((K + rowsPer - 1) / rowsPer), [&](int t) {
    const int64_t r0 = t * rowsPer, r1 = std::min(K, r0 + rowsPer);
    float out[D * D];
    const float* a[D];
    const float* b[D];
    for (int64_t n0 = 0; n0 < N; n0 += per) {
      const int64_t n1 = std::min(N, n0 + per), S = (n1 - n0) * R;
      float* buf = nullptr;
      if (!direct) {
        buf = static_cast<float*>(scratch(Slot::ConvCols, (r1 - r0) * S * sizeof(float)));
        im2colPart(g, x, n0, n1, r0, r1, buf);
      }
      for (int64_t pc = 0; pc < S; pc += DOT_KC) {
        const int64_t kc = std::min<int64_t>(DOT_KC, S - pc);
        const bool add = accumulate || n0 > 0 || pc > 0;
        // Rows outer: the 4 error rows of a block stay in L1 while the x planes stream by (with
        // columns outer, ResNet-20's 16 error rows 4 KB apart thrashed L1's sets). Each dW
        // element's piece sum does not depend on the order of the blocks: the same bits.
        for (int64_t im = 0; im < M; im += D) {
          const int rows = static_cast<int>(std::min<int64_t>(D, M - im));
          for (int r = 0; r < D; r++) {
            const int64_t row = im + std::min(r, rows - 1);
            // direct: the row's first pixel in image n0 (the dot walks pieces and images).
            a[r] = !direct     ? E + row * Q + n0 * R + pc
                   : batchMajor ? E + (n0 * M + row) * R
                                : E + row * Q + n0 * R;
          }
          for (int64_t jn = r0; jn < r1; jn += D) {
            const int cols = static_cast<int>(std::min<int64_t>(D, r1 - jn));
            for (int c = 0; c < D; c++) {
              // Pointer arithmetic only: lanes before the plane are masked off. (r0 and jn
              // are multiples of 4: jn / 4 is the block; past K the last column repeats.)
              b[c] = direct ? x + n0 * g[1] * R + colOff[jn + c]
                            : buf + (jn + std::min(c, cols - 1) - r0) * S + pc;
            }
            if (direct)
              CONV_DIRECT_AVX512->dot(dc, pc, kc, a, b, colMask.data() + jn / D * (R / 16) * D, out);
            else
              mk->dot(kc, a, b, out);
            for (int r = 0; r < rows; r++) {
              float* c = dW + (im + r) * K + jn;
              for (int q = 0; q < cols; q++) c[q] = add ? c[q] + out[r * D + q] : out[r * D + q];
            }
          }
        }
      }
    }
  });
}
