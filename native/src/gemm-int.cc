// SPDX-License-Identifier: MIT
// The integer GEMM driver: cache blocking (BLIS order: column blocks of B, depth blocks, row
// blocks of A, then MR x NR tiles), packing, the exact-overflow rule for float64 C, and the
// split of the work into tasks for the thread pool. Every task computes whole tiles of C (or a
// depth range whose int32 or exact float64 partial sums are added in a fixed order), so results
// are the same bits for every thread count.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "conv-i8.h"
#include "im2col-part.h"
#include "pack.h"
#include "pool.h"
#include "scratch.h"

namespace {

constexpr int64_t INT32_LIMIT = 2147483647;  // 2^31 - 1
/** Below this many multiply-adds a GEMM stays on the calling thread. */
constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;
/**
 * Packed B blocks larger than this go panel by panel where one row block reads them (runPart).
 * At ResNet-20's forward GEMM shapes (16-64 rows, depth 144-576, timed side by side on an
 * AVX-512 VNNI CPU with 2 MB of L2), blocks of 0.6 MB ran as fast or faster packed whole, and
 * blocks of 1.2-2 MB up to 15% faster panel by panel.
 */
constexpr int64_t PANEL_BLOCK_BYTES = int64_t(1) << 20;
/**
 * Fewest groups per int32 chunk sum for the tileF64 route: below it (int16 x int16 near full
 * range) a flush per few vpdpwssd costs more than the 8-bit limb split's second pass.
 */
constexpr int64_t MIN_F64_CHUNK = 8;
/** Largest tile of any microkernel (MR * NR). */
constexpr int MAX_TILE = 512;

/** Where results go: int32 C (wrapping), or float64 C (exact integers). */
struct Out {
  int32_t* i32;
  double* f64;
  int64_t ldc;
};

struct Job {
  int64_t M, N, K;
  IntOperand A, B;
  const IntMicro* mk;
  int limbs;    // 1, or 2: A split into 8-bit limbs (hi weighs 256)
  int64_t KC;   // depth per block (a multiple of G); bounds each int32 partial sum
  /**
   * float64 C through mk->tileF64: groups per exact int32 chunk sum (the KC block then only
   * blocks for the cache). 0: int32 tiles, merged into float64 C per KC block.
   */
  int64_t chunk = 0;
};

PanelSrc srcA(const Job& j, int64_t r0, int rows, int64_t k0, int64_t kc) {
  return {j.A.p, j.A.bytes, j.A.trans, j.A.trans ? j.M : j.K, r0, rows, k0, kc};
}

PanelSrc srcB(const Job& j, int64_t c0, int cols, int64_t k0, int64_t kc) {
  return {j.B.p, j.B.bytes, !j.B.trans, j.B.trans ? j.K : j.N, c0, cols, k0, kc};
}

/**
 * Panels packed at once from a k-major B where the panel-by-panel path runs: 1024 columns,
 * runs of 1-2 KB per k-row. At ResNet-20's forward shapes (16 x 32768 x 144, B int16 fresh
 * from im2col) 8 panels (runs of 512 bytes) left the packing 1.4x slower: short runs do not
 * start the prefetchers.
 */
constexpr int64_t PANELS_AT_ONCE = 32;

/**
 * B panels of columns c0..c0+ncols (the last may be partial), depth pc..pc+kc, panel p at
 * buf + p * groups * NR * 4; init (if given) receives -128 x each column's sum. Full panels of
 * a k-major B go through packBK at once (contiguous row runs), the rest panel by panel.
 */
void packBPanels(const Job& j, int64_t c0, int64_t ncols, int64_t pc, int64_t kc,
                 int64_t groups, uint8_t* buf, int32_t* init) {
  const IntMicro& mk = *j.mk;
  const int NR = mk.NR, G = mk.G;
  const int64_t nPanels = (ncols + NR - 1) / NR;
  int64_t p = 0;
  if (mk.packBK && !j.B.trans && ncols >= NR) {
    p = ncols / NR;
    mk.packBK(srcB(j, c0, static_cast<int>(p * NR), pc, kc), NR, static_cast<int>(p), G, buf,
              init);
  }
  for (; p < nPanels; p++) {
    const int cols = static_cast<int>(std::min<int64_t>(NR, ncols - p * NR));
    mk.packB(srcB(j, c0 + p * NR, cols, pc, kc), NR, G, buf + p * groups * NR * 4,
             init ? init + p * NR : nullptr);
  }
  if (init)
    for (int64_t q = 0; q < nPanels * NR; q++) init[q] *= -128;
}

/** Adds (or stores) a finished int32 tile into C. */
void merge(const int32_t* t, int NR, int rows, int cols, const Out& o, int64_t i, int64_t jj,
           bool add, double weight) {
  for (int r = 0; r < rows; r++) {
    const int32_t* src = t + r * NR;
    if (o.i32) {
      int32_t* c = o.i32 + (i + r) * o.ldc + jj;
      if (add)
        for (int q = 0; q < cols; q++)
          c[q] = static_cast<int32_t>(static_cast<uint32_t>(c[q]) + static_cast<uint32_t>(src[q]));
      else
        std::memcpy(c, src, sizeof(int32_t) * cols);
    } else {
      double* c = o.f64 + (i + r) * o.ldc + jj;
      if (add)
        for (int q = 0; q < cols; q++) c[q] += weight * src[q];
      else
        for (int q = 0; q < cols; q++) c[q] = weight * src[q];
    }
  }
}

/** Adds (or stores) a finished float64 tile (partial: rows x cols of it) into float64 C. */
void mergeF64(const double* t, int NR, int rows, int cols, const Out& o, int64_t i, int64_t jj,
              bool add) {
  for (int r = 0; r < rows; r++) {
    const double* src = t + r * NR;
    double* c = o.f64 + (i + r) * o.ldc + jj;
    if (add)
      for (int q = 0; q < cols; q++) c[q] += src[q];
    else
      std::memcpy(c, src, sizeof(double) * cols);
  }
}

/**
 * One MR x NR tile of C at (i, jj) (rows x cols of it inside C): int32 C directly when whole,
 * float64 C through tileF64 when the job has a chunk, else an int32 tile merged into C.
 */
inline void emitTile(const Job& j, int64_t groups, const uint8_t* Ap, const uint8_t* Bp,
                     const int32_t* in, const Out& out, int64_t i, int64_t jj, int rows, int cols,
                     bool add, double weight) {
  const IntMicro& mk = *j.mk;
  const bool whole = rows == mk.MR && cols == mk.NR;
  if (out.i32 && whole) {
    mk.tile(groups, Ap, Bp, in, out.i32 + i * out.ldc + jj, out.ldc, add);
  } else if (out.f64 && j.chunk > 0) {
    if (whole) {
      mk.tileF64(groups, j.chunk, Ap, Bp, out.f64 + i * out.ldc + jj, out.ldc, add);
    } else {
      alignas(64) double t[MAX_TILE];
      mk.tileF64(groups, j.chunk, Ap, Bp, t, mk.NR, false);
      mergeF64(t, mk.NR, rows, cols, out, i, jj, add);
    }
  } else {
    alignas(64) int32_t t[MAX_TILE];
    mk.tile(groups, Ap, Bp, in, t, mk.NR, false);
    merge(t, mk.NR, rows, cols, out, i, jj, add, weight);
  }
}

/**
 * C rows [m0, m1) x columns [n0, n1) over depth [k0, k1): C = sum (accumulate: C + sum).
 * C's element (i, j) is at out + (i - cm) * ldc + (j - cn) (a part buffer starts at cm, cn).
 */
void runPart(const Job& j, int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t k0,
             int64_t k1, const Out& out, bool accumulate) {
  const IntMicro& mk = *j.mk;
  const int MR = mk.MR, NR = mk.NR, G = mk.G;
  const int64_t maxGroups = (std::min<int64_t>(j.KC, k1 - k0) + G - 1) / G;
  const int64_t nPanelsMax = (std::min<int64_t>(mk.NC, n1 - n0) + NR - 1) / NR;
  const int64_t mPanelsMax = (std::min<int64_t>(mk.MC, m1 - m0) + MR - 1) / MR;
  uint8_t* bufB = static_cast<uint8_t*>(scratch(Slot::PackB, nPanelsMax * maxGroups * NR * 4));
  uint8_t* bufA = static_cast<uint8_t*>(scratch(Slot::PackA, mPanelsMax * maxGroups * MR * 4));
  int32_t* init =
      mk.offsetA ? static_cast<int32_t*>(scratch(Slot::Init, nPanelsMax * NR * 4)) : nullptr;

  if (m1 - m0 <= mk.MC && j.limbs == 1 && nPanelsMax * maxGroups * NR * 4 > PANEL_BLOCK_BYTES) {
    // One row block (a conv's OC rows against N*OH*OW columns) whose packed NC-wide B block
    // would not stay in L2: each B panel is read by this block's tiles only, so pack it just
    // before them (it stays in L1). The same tiles and sums as below.
    for (int64_t pc = k0; pc < k1; pc += j.KC) {
      const int64_t kc = std::min<int64_t>(j.KC, k1 - pc);
      const int64_t groups = (kc + G - 1) / G;
      const int64_t mPanels = (m1 - m0 + MR - 1) / MR;
      const PackMode mode = mk.offsetA ? PackMode::U8 : PackMode::Plain;
      for (int64_t q = 0; q < mPanels; q++) {
        const int rows = static_cast<int>(std::min<int64_t>(MR, m1 - m0 - q * MR));
        mk.packA(srcA(j, m0 + q * MR, rows, pc, kc), MR, G, mode, bufA + q * groups * MR * 4);
      }
      const bool add = accumulate || pc != k0;
      const int64_t atOnce = std::min<int64_t>(PANELS_AT_ONCE, nPanelsMax) * NR;
      for (int64_t jb = n0; jb < n1; jb += atOnce) {
        const int64_t nb = std::min<int64_t>(atOnce, n1 - jb);
        packBPanels(j, jb, nb, pc, kc, groups, bufB, init);
        for (int64_t jj = jb; jj < jb + nb; jj += NR) {
          const int cols = static_cast<int>(std::min<int64_t>(NR, jb + nb - jj));
          const uint8_t* Bp = bufB + (jj - jb) / NR * groups * NR * 4;
          const int32_t* in = init ? init + (jj - jb) : nullptr;
          for (int64_t q = 0; q < mPanels; q++) {
            const int rows = static_cast<int>(std::min<int64_t>(MR, m1 - m0 - q * MR));
            const uint8_t* Ap = bufA + q * groups * MR * 4;
            emitTile(j, groups, Ap, Bp, in, out, q * MR, jj - n0, rows, cols, add, 1.0);
          }
        }
      }
    }
    return;
  }

  for (int64_t jc = n0; jc < n1; jc += mk.NC) {
    const int64_t nc = std::min<int64_t>(mk.NC, n1 - jc);
    const int64_t nPanels = (nc + NR - 1) / NR;
    for (int64_t pc = k0; pc < k1; pc += j.KC) {
      const int64_t kc = std::min<int64_t>(j.KC, k1 - pc);
      const int64_t groups = (kc + G - 1) / G;
      packBPanels(j, jc, nc, pc, kc, groups, bufB, init);
      const bool firstK = pc == k0;
      for (int64_t ic = m0; ic < m1; ic += mk.MC) {
        const int64_t mc = std::min<int64_t>(mk.MC, m1 - ic);
        const int64_t mPanels = (mc + MR - 1) / MR;
        for (int limb = 0; limb < j.limbs; limb++) {
          const PackMode mode = mk.offsetA ? PackMode::U8
                                : j.limbs == 1 ? PackMode::Plain
                                : limb == 0    ? PackMode::Hi
                                               : PackMode::Lo;
          const double weight = j.limbs == 2 && limb == 0 ? 256.0 : 1.0;
          for (int64_t q = 0; q < mPanels; q++) {
            const int rows = static_cast<int>(std::min<int64_t>(MR, mc - q * MR));
            mk.packA(srcA(j, ic + q * MR, rows, pc, kc), MR, G, mode, bufA + q * groups * MR * 4);
          }
          const bool add = accumulate || !firstK || limb > 0;
          for (int64_t p = 0; p < nPanels; p++) {
            const int cols = static_cast<int>(std::min<int64_t>(NR, nc - p * NR));
            const uint8_t* Bp = bufB + p * groups * NR * 4;
            const int32_t* in = init ? init + p * NR : nullptr;
            for (int64_t q = 0; q < mPanels; q++) {
              const int rows = static_cast<int>(std::min<int64_t>(MR, mc - q * MR));
              const uint8_t* Ap = bufA + q * groups * MR * 4;
              emitTile(j, groups, Ap, Bp, in, out, ic + q * MR - m0, jc + p * NR - n0, rows, cols,
                       add, weight);
            }
          }
        }
      }
    }
  }
}

/** min and max of n elements, in the element type itself (so the loop vectorizes). */
template <typename T>
int64_t maxAbsOf(const T* p, int64_t n) {
  T lo = 0, hi = 0;
  for (int64_t i = 0; i < n; i++) {
    lo = p[i] < lo ? p[i] : lo;
    hi = p[i] > hi ? p[i] : hi;
  }
  return std::max<int64_t>(-static_cast<int64_t>(lo), hi);
}

/** max |x| over n int8 or int16 elements. */
int64_t maxAbs(const IntOperand& x, int64_t n) {
  if (x.bytes == 1) return maxAbsOf(static_cast<const int8_t*>(x.p), n);
  return maxAbsOf(static_cast<const int16_t*>(x.p), n);
}

/** How the work splits into tasks: parts along N, M or K (see run). */
struct Split {
  char axis;  // 'n', 'm', 'k' or 0 (one part)
  int parts;
  int64_t step;
};

Split chooseSplit(const Job& j) {
  const int T = pool::threads();
  const int64_t macs = j.M * j.N * j.K;
  if (T <= 1 || macs < MIN_THREADED_MACS) return {0, 1, 0};
  const IntMicro& mk = *j.mk;
  const int64_t nPanels = (j.N + mk.NR - 1) / mk.NR;
  const int64_t mPanels = (j.M + mk.MR - 1) / mk.MR;
  const int64_t kBlocks = (j.K + j.KC - 1) / j.KC;
  // A few tasks per thread balance a busy machine; each task repacks the other operand.
  const int want = 3 * T;
  if (nPanels >= 2 * T || (nPanels >= mPanels && nPanels >= T)) {
    const int parts = static_cast<int>(std::min<int64_t>(want, nPanels));
    const int64_t per = (nPanels + parts - 1) / parts;
    return {'n', static_cast<int>((nPanels + per - 1) / per), per * mk.NR};
  }
  if (mPanels >= 2 * T) {
    const int parts = static_cast<int>(std::min<int64_t>(want, mPanels));
    const int64_t per = (mPanels + parts - 1) / parts;
    return {'m', static_cast<int>((mPanels + per - 1) / per), per * mk.MR};
  }
  if (kBlocks >= 2 * T) {
    const int parts = static_cast<int>(std::min<int64_t>(T, kBlocks));
    const int64_t per = (kBlocks + parts - 1) / parts;
    return {'k', static_cast<int>((kBlocks + per - 1) / per), per * j.KC};
  }
  const int parts = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(want, nPanels)));
  const int64_t per = (nPanels + parts - 1) / parts;
  return {'n', static_cast<int>((nPanels + per - 1) / per), per * mk.NR};
}

void run(const Job& j, const Out& out, bool accumulate) {
  const Split s = chooseSplit(j);
  if (s.axis == 0 || s.parts <= 1) {
    runPart(j, 0, j.M, 0, j.N, 0, j.K, out, accumulate);
    return;
  }
  if (s.axis == 'n' || s.axis == 'm') {
    pool::run(s.parts, [&](int t) {
      const int64_t a = t * s.step;
      if (s.axis == 'n') {
        const int64_t b = std::min<int64_t>(j.N, a + s.step);
        Out o = out;
        if (o.i32) o.i32 += a;
        else o.f64 += a;
        runPart(j, 0, j.M, a, b, 0, j.K, o, accumulate);
      } else {
        const int64_t b = std::min<int64_t>(j.M, a + s.step);
        Out o = out;
        if (o.i32) o.i32 += a * out.ldc;
        else o.f64 += a * out.ldc;
        runPart(j, a, b, 0, j.N, 0, j.K, o, accumulate);
      }
    });
    return;
  }
  // Depth split: each part sums its depth range into its own buffer; the parts are then
  // added in order. Integer sums modulo 2^32 (int32 C) and exact float64 integers do not
  // depend on how the depth was split.
  const int64_t MN = j.M * j.N;
  const size_t es = out.i32 ? sizeof(int32_t) : sizeof(double);
  std::vector<uint8_t> parts(static_cast<size_t>(s.parts) * MN * es);
  pool::run(s.parts, [&](int t) {
    const int64_t a = t * s.step;
    const int64_t b = std::min<int64_t>(j.K, a + s.step);
    Out o{nullptr, nullptr, j.N};
    if (out.i32) o.i32 = reinterpret_cast<int32_t*>(parts.data()) + t * MN;
    else o.f64 = reinterpret_cast<double*>(parts.data()) + t * MN;
    runPart(j, 0, j.M, 0, j.N, a, b, o, false);
  });
  for (int64_t i = 0; i < j.M; i++)
    for (int t = 0; t < s.parts; t++) {
      const bool add = accumulate || t > 0;
      if (out.i32) {
        const int32_t* src = reinterpret_cast<const int32_t*>(parts.data()) + t * MN + i * j.N;
        int32_t* c = out.i32 + i * out.ldc;
        for (int64_t q = 0; q < j.N; q++)
          c[q] = add ? static_cast<int32_t>(static_cast<uint32_t>(c[q]) +
                                            static_cast<uint32_t>(src[q]))
                     : src[q];
      } else {
        const double* src = reinterpret_cast<const double*>(parts.data()) + t * MN + i * j.N;
        double* c = out.f64 + i * out.ldc;
        for (int64_t q = 0; q < j.N; q++) c[q] = add ? c[q] + src[q] : src[q];
      }
    }
}

/**
 * Depth slice of the dot route: 4 + 4 int16 rows of 4 KB stay in L1 (48 KB where measured)
 * while the 16 sums run.
 */
constexpr int64_t INT_DOT_KC = 2048;

/**
 * Whether the shape suits the dot route (where the microkernel has one for the operands' types):
 * A (M,K) and B (N,K) both contiguous in k, and
 * the depth long against C (a conv's weight gradient: OC x C*KH*KW over N*OH*OW), where
 * transposing B into packed panels cost as much as the multiply-adds it fed.
 */
bool useDot(int64_t M, int64_t N, int64_t K, const IntOperand& A, const IntOperand& B) {
  return !A.trans && B.trans && K >= 512 && K >= 4 * std::max(M, N);
}

/**
 * Runs body(n0, n1) over column ranges of whole INT_DOT blocks: one range on the calling
 * thread, or a few per thread (each C element is computed by one range alone, so the bits do
 * not depend on the split).
 */
template <typename F>
void forDotParts(int64_t M, int64_t N, int64_t K, F&& body) {
  const int T = pool::threads();
  const int64_t blocks = (N + INT_DOT - 1) / INT_DOT;
  const int parts = static_cast<int>(
      T <= 1 || M * N * K < MIN_THREADED_MACS ? 1 : std::min<int64_t>(3 * T, blocks));
  const int64_t per = (blocks + parts - 1) / parts * INT_DOT;
  pool::run(static_cast<int>((N + per - 1) / per),
            [&](int t) { body(t * per, std::min<int64_t>(N, (t + 1) * per)); });
}

/**
 * The dot route: P (M, N) columns [n0, n1) += the exact sums of A (M,K) x B (N,K)^T, depth
 * slices outermost (the slice's B rows are read from L1 by every row block of A). Blocks past
 * the edge repeat the last row or column (their sums discarded).
 */
void runDotF64(const IntMicro& mk, int64_t M, int64_t N, int64_t K, const int16_t* A,
               const int16_t* B, int64_t chunk, int64_t n0, int64_t n1, double* P) {
  constexpr int D = INT_DOT;
  double out[D * D];
  const int16_t* a[D];
  const int16_t* b[D];
  for (int64_t pc = 0; pc < K; pc += INT_DOT_KC) {
    const int64_t kc = std::min<int64_t>(INT_DOT_KC, K - pc);
    for (int64_t jn = n0; jn < n1; jn += D) {
      const int cols = static_cast<int>(std::min<int64_t>(D, n1 - jn));
      for (int c = 0; c < D; c++) b[c] = B + (jn + std::min(c, cols - 1)) * K + pc;
      for (int64_t im = 0; im < M; im += D) {
        const int rows = static_cast<int>(std::min<int64_t>(D, M - im));
        for (int r = 0; r < D; r++) a[r] = A + (im + std::min(r, rows - 1)) * K + pc;
        std::fill(out, out + D * D, 0.0);
        mk.dotF64(kc, chunk, a, b, out);
        for (int r = 0; r < rows; r++)
          for (int q = 0; q < cols; q++) P[(im + r) * N + jn + q] += out[r * D + q];
      }
    }
  }
}

const IntMicro* microFor(Isa isa, const IntOperand& A, const IntOperand& B) {
  const IntKernels* k = intKernels(isa);
  return A.bytes == 1 && B.bytes == 1 ? &k->i8 : &k->i16;
}

}  // namespace

const IntKernels* intKernels(Isa isa) {
  if (avx512(isa) && INT_AVX512VNNI) return INT_AVX512VNNI;
  if (isa == Isa::Avx512VnniEmulated) return INT_VNNI_EMULATED;
  if (isa != Isa::Portable && INT_AVX2) return INT_AVX2;
  return INT_PORTABLE;
}

void gemmIntI32(Isa isa, int64_t M, int64_t N, int64_t K, IntOperand A, IntOperand B,
                int32_t* C, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate) std::memset(C, 0, sizeof(int32_t) * M * N);
    return;
  }
  const IntMicro* mk = microFor(isa, A, B);
  const Job j{M, N, K, A, B, mk, 1, mk->KC};
  run(j, Out{C, nullptr, N}, accumulate);
}

namespace {

/**
 * C = W x im2col(x) (see convGemmIntI32), the im2col columns built a few images at a time. nchw:
 * C (N, M, R) with bias[m] (or 0) added, image by image; else C (M, N*R).
 */
void convGemmInt(Isa isa, const int64_t* g, IntOperand W, int64_t M, const void* x, int xBytes,
                 int32_t* C, bool nchw, const double* bias) {
  const int64_t N = g[0], R = g[10] * g[11], K = g[1] * g[4] * g[5], Q = N * R;
  if (M == 0 || Q == 0) return;
  // Channel m's start value in NCHW C: bias[m] as int32 (bias + sum stays within int32).
  std::vector<int32_t> init;
  if (nchw && bias) {
    init.resize(M);
    for (int64_t m = 0; m < M; m++) init[m] = static_cast<int32_t>(bias[m]);
  }
  // C (N, M, R) blocks of images [n0, n1): each starts from its channel's bias, or 0.
  auto initNchw = [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; n++)
      for (int64_t m = 0; m < M; m++) {
        int32_t* row = C + (n * M + m) * R;
        std::fill(row, row + R, init.empty() ? 0 : init[m]);
      }
  };
  if (K == 0) {
    if (nchw) initNchw(0, N);
    else std::memset(C, 0, sizeof(int32_t) * M * Q);
    return;
  }
  // Images per slice: their im2col columns (K x images*R elements) stay in L2 for the GEMM.
  const int64_t per = std::max<int64_t>(1, (int64_t(512) << 10) / (K * R * xBytes));
  const int64_t slices = (N + per - 1) / per;
  const int T = pool::threads();
  const int tasks = static_cast<int>(
      T <= 1 || M * Q * K < MIN_THREADED_MACS ? 1 : std::min<int64_t>(3 * T, slices));
  const int64_t perTask = (slices + tasks - 1) / tasks;
  pool::run(static_cast<int>((slices + perTask - 1) / perTask), [&](int t) {
    for (int64_t sl = t * perTask; sl < std::min(slices, (t + 1) * perTask); sl++) {
      const int64_t n0 = sl * per, n1 = std::min(N, n0 + per), S = (n1 - n0) * R;
      void* buf = scratch(Slot::ConvCols, K * S * xBytes);
      if (xBytes == 1)
        im2colPart(g, static_cast<const int8_t*>(x), n0, n1, 0, K, static_cast<int8_t*>(buf));
      else
        im2colPart(g, static_cast<const int16_t*>(x), n0, n1, 0, K, static_cast<int16_t*>(buf));
      const IntOperand B{buf, xBytes, false};
      const IntMicro* mk = microFor(isa, W, B);
      const Job j{M, S, K, W, B, mk, 1, mk->KC};
      if (!nchw) {
        runPart(j, 0, M, 0, S, 0, K, Out{C + n0 * R, nullptr, Q}, false);
        continue;
      }
      // Image n's columns [(n - n0) R, (n - n0 + 1) R) of the slice into its block (M, R).
      if (!init.empty()) initNchw(n0, n1);
      for (int64_t n = n0; n < n1; n++)
        runPart(j, 0, M, (n - n0) * R, (n - n0 + 1) * R, 0, K, Out{C + n * M * R, nullptr, R},
                !init.empty());
    }
  });
}

}  // namespace

void convGemmIntI32(Isa isa, const int64_t* g, IntOperand W, int64_t M, const void* x, int xBytes,
                    int32_t* C) {
  convGemmInt(isa, g, W, M, x, xBytes, C, false, nullptr);
}

void convGemmIntNchw(Isa isa, const int64_t* g, IntOperand W, int64_t M, const void* x,
                     int xBytes, const double* bias, int32_t* C) {
  // int8 stride-1 'same' convs straight from x's planes where the CPU runs it (conv-i8.h).
  if (W.bytes == 1 && xBytes == 1 && !W.trans &&
      convI8Direct(isa, g, static_cast<const int8_t*>(W.p), M, static_cast<const int8_t*>(x),
                   bias, C))
    return;
  convGemmInt(isa, g, W, M, x, xBytes, C, true, bias);
}

void convGemmIntF64Nchw(Isa isa, const int64_t* g, IntOperand W, int64_t M, const void* x,
                        int xBytes, const double* bias, double* C, int64_t maxW, int64_t maxX) {
  const int64_t N = g[0], R = g[10] * g[11], K = g[1] * g[4] * g[5];
  if (M == 0 || N == 0 || R == 0) return;
  // One image's columns (K, R): at ResNet-20's int16 convs 0.3-1.2 MB, read by its GEMM from L2.
  void* col = K > 0 ? scratch(Slot::ConvCols, K * R * xBytes) : nullptr;
  for (int64_t n = 0; n < N; n++) {
    double* c = C + n * M * R;
    if (K == 0) std::memset(c, 0, sizeof(double) * M * R);
    else {
      if (xBytes == 1)
        im2colPart(g, static_cast<const int8_t*>(x), n, n + 1, 0, K, static_cast<int8_t*>(col));
      else
        im2colPart(g, static_cast<const int16_t*>(x), n, n + 1, 0, K, static_cast<int16_t*>(col));
      gemmIntF64(isa, M, R, K, W, IntOperand{col, xBytes, false}, c, false, maxW, maxX);
    }
    if (bias)
      for (int64_t m = 0; m < M; m++)
        for (int64_t r = 0; r < R; r++) c[m * R + r] += bias[m];
  }
}

void gemmIntF64(Isa isa, int64_t M, int64_t N, int64_t K, IntOperand A, IntOperand B, double* C,
                bool accumulate, int64_t maxA, int64_t maxB) {
  if (M == 0 || N == 0) return;
  // A bound past the type's range says nothing more than the type: clamp it there.
  const int64_t typeA = A.bytes == 1 ? 128 : 32768, typeB = B.bytes == 1 ? 128 : 32768;
  const int64_t ma = K == 0 ? 0 : maxA >= 0 ? std::min(maxA, typeA) : maxAbs(A, M * K);
  const int64_t mb = K == 0 ? 0 : maxB >= 0 ? std::min(maxB, typeB) : maxAbs(B, K * N);
  if (ma == 0 || mb == 0) {
    if (!accumulate) std::memset(C, 0, sizeof(double) * M * N);
    return;
  }
  const IntMicro* mk = microFor(isa, A, B);
  const int G = mk->G;
  // Depth whose int32 sum cannot overflow: kx * max|a| * max|b| <= 2^31 - 1.
  const int64_t kx = INT32_LIMIT / (ma * mb);
  // Dot route: each int32 lane takes 2 products per step, so kx / 2 steps per float64 flush.
  if (mk->dotF64 && A.bytes == 2 && B.bytes == 2 && useDot(M, N, K, A, B) &&
      kx / 2 >= MIN_F64_CHUNK) {
    // Exact sums into P: C itself (zeroed) unless C is added to, where C + sum must round
    // once as the reference's does.
    std::vector<double> sums(accumulate ? M * N : 0);
    double* P = accumulate ? sums.data() : C;
    if (!accumulate) std::memset(C, 0, sizeof(double) * M * N);
    const auto* a = static_cast<const int16_t*>(A.p);
    const auto* b = static_cast<const int16_t*>(B.p);
    forDotParts(M, N, K, [&](int64_t n0, int64_t n1) {
      runDotF64(*mk, M, N, K, a, b, kx / 2, n0, n1, P);
    });
    if (accumulate)
      for (int64_t i = 0; i < M * N; i++) C[i] += sums[i];
    return;
  }
  int limbs = 1;
  int64_t KC = mk->KC;
  if (mk->tileF64 && kx >= MIN_F64_CHUNK * G) {
    // Whole KC blocks, each tile adding its int32 sums into C every kx / G groups (or once
    // per block when the whole depth fits int32).
    Job j{M, N, K, A, B, mk, 1, KC};
    j.chunk = std::min<int64_t>(kx, K + G) / G;
    run(j, Out{nullptr, C, N}, accumulate);
    return;
  }
  if (kx < K) {
    if (kx >= 64 || A.bytes == 1) {
      KC = std::min<int64_t>(KC, kx / G * G);
    } else {
      // int16 x int16 with large values: A = 256 hi + lo with hi = a >> 8 (|hi| <= ma/256 + 1)
      // and lo = a & 255, so each limb's products stay near 2^23 and chunks stay long.
      limbs = 2;
      const int64_t limbMax = std::max<int64_t>((ma >> 8) + 1, 255);
      KC = std::min<int64_t>(KC, INT32_LIMIT / (limbMax * mb) / G * G);
    }
  }
  if (KC < G) KC = G;  // unreachable for 8- and 16-bit operands (kx >= 2 for int8 x int16)
  const Job j{M, N, K, A, B, mk, limbs, KC};
  run(j, Out{nullptr, C, N}, accumulate);
}

namespace {

template <typename TA, typename TB, typename TC>
void refLoop(int64_t M, int64_t N, int64_t K, const TA* a, bool transA, const TB* b, bool transB,
             TC* c, bool accumulate) {
  // The reference's loop (src/kernels/ref/gemm.ts), operation for operation in float64.
  std::vector<double> acc(N);
  for (int64_t i = 0; i < M; i++) {
    for (int64_t q = 0; q < N; q++) acc[q] = accumulate ? static_cast<double>(c[i * N + q]) : 0.0;
    if (!transB) {
      for (int64_t k = 0; k < K; k++) {
        const double aik = transA ? a[k * M + i] : a[i * K + k];
        const TB* br = b + k * N;
        for (int64_t q = 0; q < N; q++) acc[q] += aik * static_cast<double>(br[q]);
      }
    } else {
      for (int64_t q = 0; q < N; q++) {
        double s = 0;
        const TB* br = b + q * K;
        for (int64_t k = 0; k < K; k++)
          s += static_cast<double>(transA ? a[k * M + i] : a[i * K + k]) * br[k];
        acc[q] += s;
      }
    }
    for (int64_t q = 0; q < N; q++) {
      if constexpr (sizeof(TC) == 8) {
        c[i * N + q] = acc[q];
      } else {
        // An Int32Array store: ToInt32 (truncate, modulo 2^32; NaN and infinities give 0).
        const double v = acc[q];
        if (!std::isfinite(v)) {
          c[i * N + q] = 0;
        } else {
          const double t = std::fmod(std::trunc(v), 4294967296.0);
          const int64_t w = static_cast<int64_t>(t < 0 ? t + 4294967296.0 : t);
          c[i * N + q] = static_cast<int32_t>(static_cast<uint32_t>(w));
        }
      }
    }
  }
}

template <typename TA>
void refB(int64_t M, int64_t N, int64_t K, const TA* a, bool transA, const void* b, int bBytes,
          bool transB, void* c, bool cIsF64, bool acc) {
  auto go = [&](auto* bb) {
    if (cIsF64) refLoop(M, N, K, a, transA, bb, transB, static_cast<double*>(c), acc);
    else refLoop(M, N, K, a, transA, bb, transB, static_cast<int32_t*>(c), acc);
  };
  if (bBytes == 1) go(static_cast<const int8_t*>(b));
  else if (bBytes == 2) go(static_cast<const int16_t*>(b));
  else go(static_cast<const int32_t*>(b));
}

}  // namespace

void gemmIntRefAny(int64_t M, int64_t N, int64_t K, const void* a, int aBytes, bool transA,
                   const void* b, int bBytes, bool transB, void* c, bool cIsF64, bool acc) {
  if (aBytes == 1)
    refB(M, N, K, static_cast<const int8_t*>(a), transA, b, bBytes, transB, c, cIsF64, acc);
  else if (aBytes == 2)
    refB(M, N, K, static_cast<const int16_t*>(a), transA, b, bBytes, transB, c, cIsF64, acc);
  else
    refB(M, N, K, static_cast<const int32_t*>(a), transA, b, bBytes, transB, c, cIsF64, acc);
}
