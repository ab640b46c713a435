// SPDX-License-Identifier: MIT
// The AMX weight-gradient driver (conv-wgrad-amx.h): x's byte planes and E's quads laid out
// once per call, then tasks over blocks of 16 channels x 16 output channels x taps, each
// running the tile loops slice by slice and adding the slices' int32 sums into int64.

#include "conv-wgrad-amx.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pool.h"
#include "scratch.h"

namespace {

constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;
/**
 * Grid positions per piece: one tile call's sums, each int32 accumulator exact (int8 products
 * reach 128 * 128 = 2^14; the int16 byte products of weight 256 reach 128 * 255 per position
 * and tile), and x's 16 rows and E's quads of a piece (2 x 128 KB for int16) stay in L2.
 */
constexpr int64_t PIECE = 8192;

}  // namespace

bool convWeightGradAmxSupported(Isa isa, const int64_t* g, int64_t M) {
  // 16-row tiles want channels: LeNet-5's 1-channel first conv ran 6-12x slower than VNNI.
  if (isa != Isa::Avx512Amx || !CONV_WGRAD_AMX || g[1] < 8 || M < 8) return false;
  const bool same = g[6] == 1 && g[7] == 1 && g[10] == g[2] && g[11] == g[3];
  return same && g[8] < g[4] && g[9] < g[5] && g[4] * g[5] <= 49;
}

bool convWeightGradAmx(Isa isa, const int64_t* g, const void* E, int64_t M, const void* x,
                       int bytes, bool batchMajor, double* dW64, int32_t* dW32) {
  if (!convWeightGradAmxSupported(isa, g, M) || (bytes != 1 && bytes != 2)) return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3], KH = g[4], KW = g[5], ph = g[8],
                pw = g[9];
  const int64_t R = H * W, taps = KH * KW, K = C * taps, Q = N * R;
  if (M == 0 || K == 0) return true;
  if (Q == 0) {
    if (dW64) std::memset(dW64, 0, sizeof(double) * M * K);
    else std::memset(dW32, 0, sizeof(int32_t) * M * K);
    return true;
  }
  // The padded grid (conv-wgrad-i8.h), whole chunks of 64 positions.
  // Rows of a multiple of 4 positions, so each row of E starts a quad.
  const int64_t mc0 = std::max(pw, KW - 1 - pw), mr = std::max(ph, KH - 1 - ph);
  const int64_t Wp = (W + mc0 + 3) / 4 * 4, mc = Wp - W, Ps = (H + mr) * Wp;
  const int64_t L = (N * Ps + 63) / 64 * 64;
  // Lx: an odd number of cache lines, so a tile's 16 channel rows fall in 16 L1 sets.
  const int64_t lead = mr * Wp + mc, Lx = ((lead + L + lead + 64 + 63) / 64 | 1) * 64;
  const int64_t Cp = (C + 15) / 16 * 16, Mp = (M + 15) / 16 * 16;
  // xs: byte planes (bytes, Cp, Lx): int8 x itself, or int16 x's lo (uint8) then hi (int8)
  // bytes; 0 in the margins and the channels past C. eq: E as quads, byte planes (bytes, L /
  // 4, Mp, 4), 0 in the margins and past M. P: exact sums.
  auto* xs = static_cast<uint8_t*>(scratch(Slot::PackB, bytes * Cp * Lx));
  auto* eq = static_cast<uint8_t*>(scratch(Slot::PackA, bytes * L * Mp));
  auto* P = static_cast<int64_t*>(scratch(Slot::Init, sizeof(int64_t) * M * K));
  const int64_t planeX = Cp * Lx, planeQ = L * Mp, mt = Mp / 16;
  // Task i < Cp lays out channel i of x; task Cp + n * mt + b image n's quads of output
  // channels 16 b.. (the margins' quads zeroed first), and the P rows of those channels.
  const auto place = [&](int64_t i) {
    if (i < Cp) {
      for (int b = 0; b < bytes; b++) std::memset(xs + b * planeX + i * Lx, 0, Lx);
      if (i >= C) return;
      for (int64_t n = 0; n < N; n++) {
        const int64_t at = i * Lx + lead + n * Ps, from = (n * C + i) * R;
        if (bytes == 1)
          CONV_WGRAD_AMX->copyRows(static_cast<const int8_t*>(x) + from, H, W, xs + at, Wp);
        else
          CONV_WGRAD_AMX->split16(static_cast<const int16_t*>(x) + from, H, W, xs + at,
                                  xs + planeX + at, Wp);
      }
      return;
    }
    const int64_t n = (i - Cp) / mt, o0 = (i - Cp) % mt * 16, rows = std::min<int64_t>(16, M - o0);
    // This image's quads (the last image's run to L), 16 output channels wide.
    const int64_t q0 = n * Ps / 4, q1 = n == N - 1 ? L / 4 : (n + 1) * Ps / 4;
    for (int b = 0; b < bytes; b++) {
      auto* z = reinterpret_cast<uint32_t*>(eq + b * planeQ) + o0;
      if (Mp == 16) std::memset(z + q0 * 16, 0, (q1 - q0) * 64);
      else
        for (int64_t q = q0; q < q1; q++) std::memset(z + q * Mp, 0, 64);
    }
    if (n == 0 && o0 < M) std::memset(P + o0 * K, 0, sizeof(int64_t) * rows * K);
    const void* src[16];
    for (int64_t yy = 0; yy < H; yy++) {
      for (int64_t r = 0; r < rows; r++) {
        const int64_t at = (batchMajor ? (n * M + o0 + r) * R : (o0 + r) * Q + n * R) + yy * W;
        src[r] = static_cast<const uint8_t*>(E) + at * bytes;
      }
      const int64_t q = (n * Ps + yy * Wp) / 4;
      CONV_WGRAD_AMX->rowQuads(src, static_cast<int>(rows), W, bytes,
                               reinterpret_cast<uint32_t*>(eq) + q * Mp + o0,
                               reinterpret_cast<uint32_t*>(eq + planeQ) + q * Mp + o0, Mp);
    }
  };
  const int T = pool::threads();
  const bool threaded = T > 1 && M * Q * K >= MIN_THREADED_MACS;
  const auto run = [&](int64_t jobs, auto&& fn) {
    if (threaded) pool::run(static_cast<int>(jobs), [&](int j) { fn(j); });
    else
      for (int64_t j = 0; j < jobs; j++) fn(j);
  };
  run(Cp + N * mt, place);
  // Jobs: 16 channels x 16 output channels x a share of the taps (as many shares as the
  // threads need, of nearly equal tap counts), each share's taps in groups (int8: up to 4
  // taps share each E tile; int16: one tap a group). Each job walks the grid in pieces small
  // enough to stay in L2 (x's 16 rows and E's quads, ~0.5 MB) while its groups pass over them.
  std::vector<int64_t> shift(taps);
  for (int64_t t = 0; t < taps; t++) shift[t] = (t / KW - ph) * Wp + (t % KW - pw);
  const int64_t ct = Cp / 16, group = bytes == 1 ? 4 : 1, ldq = Mp * 4;
  int64_t shares = 1;
  if (threaded && ct * mt < 2 * T) shares = std::min(taps, (2 * T + ct * mt - 1) / (ct * mt));
  run(ct * mt * shares, [&](int64_t job) {
    const int64_t c0 = job / (mt * shares) * 16, o0 = job / shares % mt * 16;
    const int64_t share = job % shares;
    const int64_t ta = share * taps / shares, tb = (share + 1) * taps / shares;
    alignas(64) int32_t out[4 * 256];
    int64_t s[4];
    for (int64_t j0 = 0; j0 < L; j0 += PIECE) {
      const int64_t chunks = std::min(PIECE, L - j0) / 64;
      const int64_t eAt = (j0 / 4) * ldq + o0 * 4, xAt = c0 * Lx + lead + j0;
      for (int64_t t0 = ta; t0 < tb; t0 += group) {
        const int64_t n = std::min(group, tb - t0);
        if (bytes == 1) {
          for (int64_t u = 0; u < n; u++) s[u] = shift[t0 + u];
          CONV_WGRAD_AMX->slice8(reinterpret_cast<const int8_t*>(xs + xAt), Lx, s,
                                 static_cast<int>(n), reinterpret_cast<const int8_t*>(eq + eAt),
                                 ldq, chunks, out);
        } else {
          CONV_WGRAD_AMX->slice16(xs + xAt, reinterpret_cast<const int8_t*>(xs + planeX + xAt),
                                  Lx, shift[t0], eq + eAt,
                                  reinterpret_cast<const int8_t*>(eq + L * Mp + eAt), ldq,
                                  chunks, out);
        }
        // out: 4 tiles of 16 channels x 16 output channels.
        for (int64_t m = 0; m < 16 && c0 + m < C; m++)
          for (int64_t q = 0; q < 16 && o0 + q < M; q++) {
            int64_t* p = P + (o0 + q) * K + (c0 + m) * taps + t0;
            const int32_t* o = out + m * 16 + q;
            if (bytes == 1) {
              // Tap u's sums: tiles u * per .. u * per + per - 1 (per = 4 / n; n = 3: one each).
              const int64_t per = n == 3 ? 1 : 4 / n;
              for (int64_t u = 0; u < n; u++) {
                int64_t sum = 0;
                for (int64_t v = 0; v < per; v++) sum += o[(u * per + v) * 256];
                p[u] += sum;
              }
            } else {
              p[0] += int64_t(o[0]) * 65536 + (int64_t(o[256]) + o[512]) * 256 + o[768];
            }
          }
      }
    }
  });
  if (dW64)
    for (int64_t i = 0; i < M * K; i++) dW64[i] = static_cast<double>(P[i]);
  else
    for (int64_t i = 0; i < M * K; i++) dW32[i] = static_cast<int32_t>(P[i]);
  return true;
}
