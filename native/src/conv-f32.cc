// SPDX-License-Identifier: MIT
// The direct float32 conv driver (conv-f32.h): weights packed once into [k][MR] panels, tap
// shifts and padding masks computed once per call, tasks over (image, row block) pairs.

#include "conv-f32.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"

namespace {

constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;

/**
 * Pixel vectors per tile: 2 (16 accumulators). 3 (24 accumulators, 8 x 48 pixels) ran no
 * faster at ResNet-20's 3x3 shapes and wasted lanes on 8x8 and 16x16 planes.
 */
constexpr int DIRECT_NV = 2;

}  // namespace

bool convDirectF32Supported(Isa isa, const int64_t* g) {
  // The sums must match gemmF32's AVX-512 tile (its KC blocks) for the same bits.
  if (!avx512(isa) || !CONV_DIRECT_AVX512 || f32Kernel(isa) != F32_AVX512) return false;
  const bool same = g[6] == 1 && g[7] == 1 && g[10] == g[2] && g[11] == g[3];
  return same && g[8] < g[4] && g[9] < g[5] && g[4] * g[5] <= CONV_DIRECT_MAX_TAPS;
}

bool convDirectDotSupported(Isa isa, const int64_t* g) {
  // The dot's lanes must be gemm-f32-avx512.cc's dot, 16 pixels of one image at a time.
  return convDirectF32Supported(isa, g) && (g[2] * g[3]) % 16 == 0;
}

void convDirectDotMasks(const int64_t* g, uint16_t* mask) {
  const int64_t H = g[2], W = g[3], KH = g[4], KW = g[5], ph = g[8], pw = g[9];
  const int64_t R = H * W;
  for (int64_t i = 0; i < KH * KW * (R / 16); i++) mask[i] = 0;
  for (int64_t ky = 0; ky < KH; ky++)
    for (int64_t kx = 0; kx < KW; kx++)
      for (int64_t p = 0; p < R; p++) {
        const int64_t yy = p / W + ky - ph, xx = p % W + kx - pw;
        if (yy >= 0 && yy < H && xx >= 0 && xx < W)
          mask[(ky * KW + kx) * (R / 16) + p / 16] |= static_cast<uint16_t>(1u << (p % 16));
      }
}

void convDirectF32(Isa isa, const int64_t* g, const float* W, int64_t M, const float* x,
                   float* y, bool rotated) {
  const int64_t N = g[0], C = g[1], H = g[2], Wd = g[3], KH = g[4], KW = g[5], ph = g[8],
                pw = g[9];
  const int64_t HW = H * Wd, taps = KH * KW, K = C * taps;
  if (M == 0 || N == 0 || HW == 0) return;
  if (K == 0) {
    std::memset(y, 0, sizeof(float) * N * M * HW);
    return;
  }
  const ConvDirectMicro& mk = *CONV_DIRECT_AVX512;
  const int MR = mk.MR;
  const int64_t KC = f32Kernel(isa)->KC;
  // W (M, K) as row blocks of MR, each a panel [k][MR] (rows past M zero).
  const int64_t blocks = (M + MR - 1) / MR;
  std::vector<float> panels(blocks * K * MR, 0.0f);
  for (int64_t r = 0; r < M; r++) {
    float* o = panels.data() + (r / MR) * K * MR + r % MR;
    if (rotated) {
      // W (C, M, taps): row r of W' is channel r of each of the C filters, taps reversed.
      for (int64_t c = 0; c < C; c++) {
        const float* src = W + (c * M + r) * taps + taps - 1;
        for (int64_t t = 0; t < taps; t++) o[(c * taps + t) * MR] = src[-t];
      }
    } else {
      for (int64_t k = 0; k < K; k++) o[k * MR] = W[r * K + k];
    }
  }
  constexpr int NV = DIRECT_NV;
  const int64_t NR = 16 * NV;
  // Tap shifts in the plane, and per tile the lanes each tap reads inside the image.
  int64_t off[CONV_DIRECT_MAX_TAPS];
  for (int64_t ky = 0; ky < KH; ky++)
    for (int64_t kx = 0; kx < KW; kx++) off[ky * KW + kx] = (ky - ph) * Wd + (kx - pw);
  const int64_t tiles = (HW + NR - 1) / NR;
  const int64_t per = NV * (taps + 1);  // per tile: m[NV][taps], then s[NV]
  std::vector<uint16_t> masks(tiles * per, 0);
  for (int64_t i = 0; i < tiles; i++) {
    uint16_t* m = masks.data() + i * per;
    for (int l = 0; l < NR; l++) {
      const int64_t p = i * NR + l;
      if (p >= HW) break;
      const int64_t oy = p / Wd, ox = p % Wd;
      const uint16_t bit = static_cast<uint16_t>(1u << (l % 16));
      m[NV * taps + l / 16] |= bit;
      for (int64_t ky = 0; ky < KH; ky++)
        for (int64_t kx = 0; kx < KW; kx++) {
          const int64_t yy = oy + ky - ph, xx = ox + kx - pw;
          if (yy >= 0 && yy < H && xx >= 0 && xx < Wd) m[(l / 16) * taps + ky * KW + kx] |= bit;
        }
    }
  }
  const auto tileFn = mk.tile[NV - 1];
  // Pixels past a tile's last one its taps read: (KH - 1 - ph) rows and (KW - 1 - pw) pixels.
  const int64_t reach = (KH - 1 - ph) * Wd + (KW - 1 - pw);
  const int64_t items = N * blocks;
  const int T = pool::threads();
  const int tasks = static_cast<int>(
      T <= 1 || M * N * HW * K < MIN_THREADED_MACS ? 1 : std::min<int64_t>(3 * T, items));
  const int64_t perTask = (items + tasks - 1) / tasks;
  pool::run(static_cast<int>((items + perTask - 1) / perTask), [&](int t) {
    for (int64_t it = t * perTask; it < std::min(items, (t + 1) * perTask); it++) {
      const int64_t n = it / blocks, b = it % blocks;
      const int rows = static_cast<int>(std::min<int64_t>(MR, M - b * MR));
      const float* panel = panels.data() + b * K * MR;
      const float* xn = x + n * C * HW;
      for (int64_t i = 0; i < tiles; i++) {
        // The pixels the next tile reads first (its last taps' rows), every channel. With the
        // machine loaded (other jobs evicting), 32x32 planes (64 KB per image) waited on
        // memory; the prefetch was faster in 4 of 5 alternating runs (1.5 ms per call instead of
        // 2.2 at best). On a quiet machine it changes nothing.
        const int64_t ahead = (i + 1) * NR + reach;
        if (ahead < HW)
          for (int64_t c = 0; c < C; c++)
            for (int64_t l = 0; l < NR && ahead + l < HW; l += 16)
              __builtin_prefetch(xn + c * HW + ahead + l, 0, 3);
        const uint16_t* m = masks.data() + i * per;
        const DirectTile d{x + n * C * HW + i * NR, HW, static_cast<int>(taps), off, m,
                           m + NV * taps};
        float* yt = y + (n * M + b * MR) * HW + i * NR;
        // gemmF32's depth blocks: each block summed from zero, then added to y in order.
        for (int64_t k0 = 0; k0 < K; k0 += KC)
          tileFn(d, k0, std::min(K, k0 + KC), panel + k0 * MR, yt, HW, rows, k0 > 0);
      }
    }
  });
}
