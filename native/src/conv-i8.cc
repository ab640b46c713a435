// SPDX-License-Identifier: MIT
// The direct int8 convolution driver (conv-i8.h): x interleaved onto the padded grid and the
// weights into 8-channel groups once per call, then tasks over blocks of grid positions: each
// block's tiles for every 8 output channels into a scratch block, whose real positions are
// copied into y with the bias and the uint8 correction.

#include "conv-i8.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pool.h"
#include "scratch.h"

namespace {

constexpr int64_t O = 8, TILE = 48;
/**
 * Grid positions per block (8 tiles): the block's x (every channel group, with the taps'
 * reach) stays in L1 while the output channels' weights cycle over it; 384 positions of 64
 * channels, ~29 KB.
 */
constexpr int64_t BLOCK = 8 * TILE;
constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;

}  // namespace

bool convI8Direct(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int8_t* x,
                  const double* bias, int32_t* y) {
  if (isa != Isa::Avx512Vnni || !CONV_I8_AVX512) return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3], KH = g[4], KW = g[5], ph = g[8],
                pw = g[9];
  const bool same = g[6] == 1 && g[7] == 1 && g[10] == H && g[11] == W;
  if (!same || ph >= KH || pw >= KW || KH * KW > 49) return false;
  const int64_t R = H * W, taps = KH * KW;
  if (M == 0 || N == 0 || R == 0) return true;
  const ConvI8Micro* mk = CONV_I8_AVX512;
  // The padded grid (conv-wgrad-i8.h), whole blocks of positions.
  const int64_t mc = std::max(pw, KW - 1 - pw), mr = std::max(ph, KH - 1 - ph);
  const int64_t Wp = W + mc, Ps = (H + mr) * Wp, real = N * Ps;
  const int64_t blocks = (real + BLOCK - 1) / BLOCK, L = blocks * BLOCK;
  const int64_t lead = mr * Wp + mc, Lx = lead + L + lead + 16;
  const int64_t groups = (C + 3) / 4, Mt = (M + O - 1) / O;
  // xu: (groups, Lx) positions of 4 bytes; 128 (x = 0) wherever no pixel lands.
  uint8_t* xu = static_cast<uint8_t*>(scratch(Slot::PackA, groups * Lx * 4));
  std::memset(xu, 128, groups * Lx * 4);
  std::vector<int8_t> zeros(W, 0);
  for (int64_t n = 0; n < N; n++)
    for (int64_t gr = 0; gr < groups; gr++) {
      uint8_t* dst = xu + (gr * Lx + lead + n * Ps) * 4;
      for (int64_t yy = 0; yy < H; yy++) {
        const int8_t* rows[4];
        for (int k = 0; k < 4; k++) {
          const int64_t c = 4 * gr + k;
          rows[k] = c < C ? x + (n * C + c) * R + yy * W : zeros.data();
        }
        mk->interleave(rows, W, dst + yy * Wp * 4);
      }
    }
  // wb: per 8 output channels, [group][tap][8] int32 of 4 weight bytes (0 past C and M); each
  // channel's weight sum for the correction, and its bias, as wrapping uint32 (exact mod 2^32).
  auto* wb = static_cast<int32_t*>(scratch(Slot::PackB, Mt * groups * taps * O * 4));
  std::memset(wb, 0, Mt * groups * taps * O * 4);
  std::vector<uint32_t> add(M);
  for (int64_t o = 0; o < M; o++) {
    int64_t sum = 0;
    for (int64_t c = 0; c < C; c++)
      for (int64_t t = 0; t < taps; t++) {
        const int8_t v = w[(o * C + c) * taps + t];
        sum += v;
        auto* dst = reinterpret_cast<int8_t*>(wb + ((o / O * groups + c / 4) * taps + t) * O +
                                              o % O);
        dst[c % 4] = v;
      }
    const int64_t b = bias ? static_cast<int64_t>(bias[o]) : 0;
    add[o] = static_cast<uint32_t>(b) - static_cast<uint32_t>(128 * sum);
  }
  std::vector<int64_t> tapOff(taps);
  for (int64_t t = 0; t < taps; t++) tapOff[t] = ((t / KW - ph) * Wp + (t % KW - pw)) * 4;
  const int T = pool::threads();
  const int64_t macs = M * N * R * C * taps;
  const int tasks = static_cast<int>(
      T <= 1 || macs < MIN_THREADED_MACS ? 1 : std::min<int64_t>(4 * T, blocks));
  const int64_t per = (blocks + tasks - 1) / tasks;
  pool::run(static_cast<int>((blocks + per - 1) / per), [&](int task) {
    auto* out = static_cast<int32_t*>(scratch(Slot::ConvCols, Mt * O * BLOCK * 4));
    const int64_t b1 = std::min(blocks, (task + 1) * per);
    for (int64_t b = task * per; b < b1; b++) {
      const int64_t j0 = b * BLOCK;
      for (int64_t mt = 0; mt < Mt; mt++)
        for (int64_t t0 = 0; t0 < BLOCK; t0 += TILE)
          mk->tile(xu + (lead + j0 + t0) * 4, groups, Lx * 4, tapOff.data(), taps,
                   wb + mt * groups * taps * O, out + mt * O * BLOCK + t0, BLOCK);
      // The block's real positions, run by run (a row's pixels), into y.
      const int64_t end = std::min(j0 + BLOCK, real);
      for (int64_t p = j0; p < end;) {
        const int64_t n = p / Ps, r = p - n * Ps, yy = r / Wp, xx = r - yy * Wp;
        if (yy >= H) {
          p = (n + 1) * Ps;
          continue;
        }
        if (xx >= W) {
          p += Wp - xx;
          continue;
        }
        const int64_t len = std::min(W - xx, end - p);
        for (int64_t o = 0; o < M; o++) {
          const int32_t* src = out + o * BLOCK + (p - j0);
          int32_t* dst = y + (n * M + o) * R + yy * W + xx;
          const uint32_t a = add[o];
          for (int64_t i = 0; i < len; i++)
            dst[i] = static_cast<int32_t>(static_cast<uint32_t>(src[i]) + a);
        }
        p += len;
      }
    }
  });
  return true;
}
