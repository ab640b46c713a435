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

/**
 * The direct conv on an H x W grid (stride 1, padding ph, pw, 'same') of C input channels
 * into M output channels. x: (N, C, Hs, Ws), pixel (yy, xx) placed at grid (yy * sh, xx * sw)
 * (sh = sw = 1: x itself; 2: the zero-upsampled error of a stride-2 conv), zeros elsewhere.
 * weight(o, c, t): filter o's tap t on channel c.
 */
template <class Weight>
void run(const int64_t N, const int64_t C, const int64_t H, const int64_t W, const int64_t KH,
         const int64_t KW, const int64_t ph, const int64_t pw, const int8_t* x, int64_t Hs,
         int64_t Ws, int64_t sh, int64_t sw, int64_t M, Weight weight, const double* bias,
         int32_t* y) {
  const int64_t R = H * W, taps = KH * KW;
  const ConvI8Micro* mk = CONV_I8_AVX512;
  // The padded grid (conv-wgrad-i8.h), whole blocks of positions.
  const int64_t mc = std::max(pw, KW - 1 - pw), mr = std::max(ph, KH - 1 - ph);
  const int64_t Wp = W + mc, Ps = (H + mr) * Wp, real = N * Ps;
  const int64_t blocks = (real + BLOCK - 1) / BLOCK, L = blocks * BLOCK;
  const int64_t lead = mr * Wp + mc, Lx = lead + L + lead + 16;
  const int64_t groups = (C + 3) / 4, Mt = (M + O - 1) / O;
  // xu: (groups, Lx) positions of 4 bytes; 128 (x = 0) wherever no pixel lands.
  uint8_t* xu = static_cast<uint8_t*>(scratch(Slot::PackA, groups * Lx * 4));
  std::vector<int8_t> zeros(Ws, 0);
  const int64_t Rs = Hs * Ws;
  // wb: per 8 output channels, [group][tap][8] int32 of 4 weight bytes (0 past C and M); each
  // channel's weight sum for the correction, and its bias, as wrapping uint32 (exact mod 2^32).
  auto* wb = static_cast<int32_t*>(scratch(Slot::PackB, Mt * groups * taps * O * 4));
  std::vector<uint32_t> add(M);
  // Task i < groups lays out channel group i of xu (its own Lx positions, images in order: a
  // stride-2 row's trailing 128s may reach the next image's first position), task groups + mt
  // packs output channels 8 mt.. of wb: every split gives the same bytes.
  const auto place = [&](int64_t job) {
    if (job < groups) {
      const int64_t gr = job;
      std::memset(xu + gr * Lx * 4, 128, Lx * 4);
      for (int64_t n = 0; n < N; n++) {
        uint8_t* dst = xu + (gr * Lx + lead + n * Ps) * 4;
        for (int64_t yy = 0; yy < Hs; yy++) {
          const int8_t* rows[4];
          for (int k = 0; k < 4; k++) {
            const int64_t c = 4 * gr + k;
            rows[k] = c < C ? x + (n * C + c) * Rs + yy * Ws : zeros.data();
          }
          uint8_t* row = dst + yy * sh * Wp * 4;
          if (sw == 1) mk->interleave(rows, Ws, row);
          else if (sw == 2) mk->interleave2(rows, Ws, row);
          else
            for (int64_t i = 0; i < Ws; i++)
              for (int k = 0; k < 4; k++)
                row[4 * i * sw + k] = static_cast<uint8_t>(rows[k][i]) ^ 0x80;
        }
      }
      return;
    }
    const int64_t mt = job - groups;
    std::memset(wb + mt * groups * taps * O, 0, groups * taps * O * 4);
    for (int64_t o = mt * O; o < std::min(M, mt * O + O); o++) {
      int64_t sum = 0;
      for (int64_t c = 0; c < C; c++)
        for (int64_t t = 0; t < taps; t++) {
          const int8_t v = weight(o, c, t);
          sum += v;
          auto* dst = reinterpret_cast<int8_t*>(wb + ((o / O * groups + c / 4) * taps + t) * O +
                                                o % O);
          dst[c % 4] = v;
        }
      const int64_t b = bias ? static_cast<int64_t>(bias[o]) : 0;
      add[o] = static_cast<uint32_t>(b) - static_cast<uint32_t>(128 * sum);
    }
  };
  const int T = pool::threads();
  const int64_t macs = M * N * R * C * taps;
  const bool threaded = T > 1 && macs >= MIN_THREADED_MACS;
  if (threaded) pool::run(static_cast<int>(groups + Mt), [&](int job) { place(job); });
  else
    for (int64_t job = 0; job < groups + Mt; job++) place(job);
  std::vector<int64_t> tapOff(taps);
  for (int64_t t = 0; t < taps; t++) tapOff[t] = ((t / KW - ph) * Wp + (t % KW - pw)) * 4;
  const int tasks = static_cast<int>(threaded ? std::min<int64_t>(4 * T, blocks) : 1);
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
        mk->addRuns(out + (p - j0), BLOCK, y + n * M * R + yy * W + xx, R, M, len, add.data());
        p += len;
      }
    }
  });
}

}  // namespace

bool convI8Direct(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int8_t* x,
                  const double* bias, int32_t* y) {
  if (isa != Isa::Avx512Vnni || !CONV_I8_AVX512) return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3], KH = g[4], KW = g[5], ph = g[8],
                pw = g[9];
  const bool same = g[6] == 1 && g[7] == 1 && g[10] == H && g[11] == W;
  if (!same || ph >= KH || pw >= KW || KH * KW > 49) return false;
  if (M == 0 || N == 0 || H * W == 0) return true;
  const int64_t taps = KH * KW;
  run(N, C, H, W, KH, KW, ph, pw, x, H, W, 1, 1, M,
      [&](int64_t o, int64_t c, int64_t t) { return w[(o * C + c) * taps + t]; }, bias, y);
  return true;
}

bool convI8InputGrad(Isa isa, const int64_t* g, const int8_t* w, int64_t OC, const int8_t* e,
                     int32_t* dx) {
  if (isa != Isa::Avx512Vnni || !CONV_I8_AVX512) return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3], KH = g[4], KW = g[5], sh = g[6],
                sw = g[7], ph = g[8], pw = g[9], OH = g[10], OW = g[11];
  // The transposed conv as a 'same' one: padding (K - 1) / 2 each way, every window inside
  // the upsampled grid (OH - 1) * sh < H.
  const bool fits = 2 * ph == KH - 1 && 2 * pw == KW - 1 && (OH - 1) * sh < H &&
                    (OW - 1) * sw < W && sh >= 1 && sw >= 1 && sh <= 2 && sw <= 2;
  if (!fits || KH * KW > 49) return false;
  if (C == 0 || N == 0 || H * W == 0) return true;
  const int64_t taps = KH * KW;
  // dx channel o (the conv's input channel) from error channel c: w[c][o] rotated 180 degrees.
  run(N, OC, H, W, KH, KW, KH - 1 - ph, KW - 1 - pw, e, OH, OW, sh, sw, C,
      [&](int64_t o, int64_t c, int64_t t) { return w[(c * C + o) * taps + taps - 1 - t]; },
      nullptr, dx);
  return true;
}
