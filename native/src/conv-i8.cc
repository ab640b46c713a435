// SPDX-License-Identifier: MIT
// The direct int8 convolution driver (conv-i8.h): x interleaved onto the padded grid and the
// weights into 8-channel groups once per call, then tasks over blocks of grid positions: each
// block's tiles for every 8 output channels into a scratch block, whose real positions are
// copied into y with the bias and the uint8 correction.
//
// On AMX (Isa::Avx512Amx) the x rows of a tile (one channel group's 16 positions at one tap)
// must sit at one stride, so the taps of a kernel row are stacked: KW copies of the
// interleaved x, copy dx shifted by dx positions, rows (dx, group) at row dx * groups + group
// (stride Lx * 4 bytes). One kernel row dy then reads KW * groups rows at one offset, in
// equal chunks of at most 16 rows (a B tile: up to 64 bytes of K), each paired with a
// 16-channel weight tile (zeros past the real rows and channels): KH * ceil(KW * groups / 16)
// steps a tile (ResNet-20's 3x3 at 16, 32, 64 channels: 3, 6, 9 steps of 12, 12, 16 rows
// instead of 9 taps). An int16 operand's two int8 halves (conv-i8-i16.h) are laid out one
// after the other; each weight tile meets both halves' x tiles, into two sets of sums that the
// copy into y combines as 256 hi + lo (exact mod 2^32, as the split conv's combine).

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
/** AMX: output channels and x rows a tile. */
constexpr int64_t AO = 16, AROWS = 16;
/** AMX: bytes of one weight tile (16 channels x 64 bytes, of which 4 * rows used). */
constexpr int64_t ATILE = 1024;
constexpr int64_t MIN_THREADED_MACS = int64_t(1) << 20;

/** A conv's weights as the driver reads them (strides in bytes of filter, channel, tap). */
struct WeightView {
  const int8_t* p;
  int64_t o, c, t;
};

/**
 * One filter's weights (tap t of channel c at src[c * sc + t * st]) into the tiles of
 * AVX-512 (dst: its channel's byte 0 of wb's [group][tap][8] int32) or AMX (dst: its row of
 * the first weight tile; tapAt: see run). Returns their sum. Kept out of run's task lambda,
 * whose captures crowd the registers of this per-weight loop.
 */
__attribute__((noinline)) int64_t packVnni(const int8_t* src, int64_t sc, int64_t st, int64_t C,
                                           int64_t taps, int8_t* dst) {
  int64_t sum = 0;
  for (int64_t c = 0; c < C; c++) {
    const int8_t* s = src + c * sc;
    int8_t* d = dst + (c / 4) * taps * O * 4 + c % 4;
    for (int64_t t = 0; t < taps; t++) {
      sum += s[t * st];
      d[t * O * 4] = s[t * st];
    }
  }
  return sum;
}

__attribute__((noinline)) int64_t packAmx(const int8_t* src, int64_t sc, int64_t st, int64_t C,
                                          int64_t taps, int64_t groups, const int64_t* tapAt,
                                          int8_t* dst) {
  int64_t sum = 0;
  for (int64_t c = 0; c < C; c++) {
    const int8_t* s = src + c * sc;
    int8_t* d = dst + c % 4;
    const int64_t* at = tapAt + c / 4;
    for (int64_t t = 0; t < taps; t++) {
      sum += s[t * st];
      d[at[t * groups]] = s[t * st];
    }
  }
  return sum;
}

/**
 * The direct conv on an H x W grid (stride 1, padding ph, pw, 'same') of C input channels
 * into M output channels. x: (N, C, Hs, Ws), pixel (yy, xx) placed at grid (yy * sh, xx * sw)
 * (sh = sw = 1: x itself; 2: the zero-upsampled error of a stride-2 conv), zeros elsewhere.
 * Filter o's tap t on channel c: wt.p[o * wt.o + c * wt.c + t * wt.t]. With xLo (AMX only)
 * the input is 256 * x + xLo: both halves laid out, their sums side by side in each block.
 */
void run(const int64_t N, const int64_t C, const int64_t H, const int64_t W, const int64_t KH,
         const int64_t KW, const int64_t ph, const int64_t pw, const int8_t* x, int64_t Hs,
         int64_t Ws, int64_t sh, int64_t sw, int64_t M, WeightView wt, const double* bias,
         int32_t* y, const ConvI8Amx* amx, const int8_t* xLo = nullptr) {
  const int64_t R = H * W, taps = KH * KW;
  const ConvI8Micro* mk = CONV_I8_AVX512;
  // The padded grid (conv-wgrad-i8.h), whole blocks of positions.
  const int64_t mc = std::max(pw, KW - 1 - pw), mr = std::max(ph, KH - 1 - ph);
  const int64_t Wp = W + mc, Ps = (H + mr) * Wp, real = N * Ps;
  const int64_t blocks = (real + BLOCK - 1) / BLOCK, L = blocks * BLOCK;
  const int64_t lead = mr * Wp + mc, Lx = lead + L + lead + 16;
  const int64_t groups = (C + 3) / 4;
  // Output channels a tile; AMX: x copies, chunks of 16 rows a kernel row, steps a tile.
  const int64_t OT = amx ? AO : O, Mt = (M + OT - 1) / OT;
  const int64_t copies = amx ? KW : 1, chunks = (KW * groups + AROWS - 1) / AROWS;
  const int64_t rowsPer = (KW * groups + chunks - 1) / chunks;  // x rows a chunk, <= 16
  const int64_t rows = amx ? chunks * rowsPer : groups, steps = KH * chunks;
  // xu: (halves, rows, Lx) positions of 4 bytes, rows [0, groups) of a half the channel groups
  // (copy 0); 128 (x = 0) wherever no pixel lands. The lo half (xLo) loX bytes on.
  const int64_t halves = xLo ? 2 : 1, loX = rows * Lx * 4;
  uint8_t* const xu = static_cast<uint8_t*>(scratch(Slot::PackA, halves * loX));
  std::vector<int8_t> zeros(Ws, 0);
  const int64_t Rs = Hs * Ws;
  // wb: per 8 output channels, [group][tap][8] int32 of 4 weight bytes (0 past C and M); AMX:
  // per 16 output channels, [step][16][64] bytes (row r of chunk k at kernel row dy: bytes 4 r
  // .. 4 r + 3 of channel o's 64). Each channel's weight sum for the correction, and its bias,
  // as wrapping uint32 (exact mod 2^32).
  const int64_t wPer = amx ? steps * ATILE / 4 : groups * taps * O;  // int32 per Mt
  auto* wb = static_cast<int32_t*>(scratch(Slot::PackB, Mt * wPer * 4));
  auto* wa = reinterpret_cast<int8_t*>(wb);
  // AMX: where tap t of channel group g sits in a channel's weight tiles: kernel row dy's
  // chunk r / rowsPer of row r = dx * groups + g, bytes 4 (r % rowsPer) ..
  std::vector<int64_t> tapAt(amx ? taps * groups : 0);
  for (int64_t t = 0; t < taps && amx; t++)
    for (int64_t g = 0, r = t % KW * groups; g < groups; g++, r++)
      tapAt[t * groups + g] = (t / KW * chunks + r / rowsPer) * ATILE + r % rowsPer * 4;
  std::vector<uint32_t> add(M);
  // Task i < groups * halves lays out channel group i % groups of half i / groups of xu (its
  // own Lx positions, images in order: a stride-2 row's trailing 128s may reach the next
  // image's first position), task groups * halves + mt packs output channels OT mt.. of wb:
  // every split gives the same bytes.
  const int64_t xJobs = groups * halves;
  const auto place = [&](int64_t job) {
    if (job < xJobs) {
      const int64_t gr = job % groups;
      uint8_t* const xh = xu + job / groups * loX;
      const int8_t* const xs = job < groups ? x : xLo;
      std::memset(xh + gr * Lx * 4, 128, Lx * 4);
      for (int64_t n = 0; n < N; n++) {
        uint8_t* dst = xh + (gr * Lx + lead + n * Ps) * 4;
        for (int64_t yy = 0; yy < Hs; yy++) {
          const int8_t* src[4];
          for (int k = 0; k < 4; k++) {
            const int64_t c = 4 * gr + k;
            src[k] = c < C ? xs + (n * C + c) * Rs + yy * Ws : zeros.data();
          }
          uint8_t* row = dst + yy * sh * Wp * 4;
          if (sw == 1) mk->interleave(src, Ws, row);
          else if (sw == 2) mk->interleave2(src, Ws, row);
          else
            for (int64_t i = 0; i < Ws; i++)
              for (int k = 0; k < 4; k++)
                row[4 * i * sw + k] = static_cast<uint8_t>(src[k][i]) ^ 0x80;
        }
      }
      // AMX: the shifted copies of this group (past the end: 128), and the padding rows.
      for (int64_t dx = 1; dx < copies; dx++) {
        uint8_t* dst = xh + (dx * groups + gr) * Lx * 4;
        std::memcpy(dst, xh + gr * Lx * 4 + dx * 4, (Lx - dx) * 4);
        std::memset(dst + (Lx - dx) * 4, 128, dx * 4);
      }
      if (gr == 0 && amx) {
        const int64_t used = copies * groups;
        std::memset(xh + used * Lx * 4, 128, (rows - used) * Lx * 4);
      }
      return;
    }
    const int64_t mt = job - xJobs;
    std::memset(wb + mt * wPer, 0, wPer * 4);
    for (int64_t o = mt * OT; o < std::min(M, mt * OT + OT); o++) {
      const int8_t* src = wt.p + o * wt.o;
      const int64_t sum =
          amx ? packAmx(src, wt.c, wt.t, C, taps, groups, tapAt.data(),
                        wa + mt * steps * ATILE + (o % AO) * 64)
              : packVnni(src, wt.c, wt.t, C, taps,
                         reinterpret_cast<int8_t*>(wb + mt * wPer + o % O));
      const int64_t b = bias ? static_cast<int64_t>(bias[o]) : 0;
      // 256 * (hi sums - 128 sum) + (lo sums - 128 sum) with both halves.
      add[o] = static_cast<uint32_t>(b) - static_cast<uint32_t>(128 * sum) * (xLo ? 257u : 1u);
    }
  };
  const int T = pool::threads();
  const int64_t macs = M * N * R * C * taps;
  const bool threaded = T > 1 && macs >= MIN_THREADED_MACS;
  if (threaded) pool::run(static_cast<int>(xJobs + Mt), [&](int job) { place(job); });
  else
    for (int64_t job = 0; job < xJobs + Mt; job++) place(job);
  // Byte offsets from a position: of each tap (AVX-512), of each step's rows (AMX: chunk k of
  // kernel row dy).
  std::vector<int64_t> tapOff(amx ? steps : taps);
  for (int64_t t = 0; t < taps && !amx; t++)
    tapOff[t] = ((t / KW - ph) * Wp + (t % KW - pw)) * 4;
  for (int64_t s = 0; s < steps && amx; s++)
    tapOff[s] = (s % chunks * rowsPer * Lx + (s / chunks - ph) * Wp - pw) * 4;
  const int tasks = static_cast<int>(threaded ? std::min<int64_t>(4 * T, blocks) : 1);
  const int64_t per = (blocks + tasks - 1) / tasks;
  pool::run(static_cast<int>((blocks + per - 1) / per), [&](int task) {
    // The block's sums: (Mt * OT, BLOCK) int32, then the lo half's at loOut.
    const int64_t loOut = Mt * OT * BLOCK;
    auto* out = static_cast<int32_t*>(scratch(Slot::ConvCols, halves * loOut * 4));
    const int64_t b1 = std::min(blocks, (task + 1) * per);
    if (amx) amx->begin(rowsPer);
    for (int64_t b = task * per; b < b1; b++) {
      const int64_t j0 = b * BLOCK;
      const uint8_t* xb = xu + (lead + j0) * 4;
      // AMX: pairs of 16-channel tiles by 32 positions, a last odd one by 64 (by 16 and 32
      // positions of both halves with xLo).
      const int64_t xB = xLo ? loX : 0, oB = xLo ? loOut : 0;
      for (int64_t mt = 0; amx && mt < Mt; mt += 2) {
        const bool pair = mt + 1 < Mt;
        const int64_t span = (pair ? 32 : 64) / halves;
        for (int64_t t0 = 0; t0 < BLOCK; t0 += span) {
          const int8_t* w = wa + mt * steps * ATILE;
          int32_t* o = out + mt * AO * BLOCK + t0;
          const uint8_t* xt = xb + t0 * 4;
          if (pair)
            amx->tile2x2(xt, Lx * 4, tapOff.data(), steps, w, steps * ATILE, xLo ? xB : 64, o,
                         BLOCK, xLo ? oB : 16);
          else
            amx->tile1x4(xt, Lx * 4, tapOff.data(), steps, w, xLo ? xB : 128, o, BLOCK,
                         xLo ? oB : 32);
        }
      }
      for (int64_t mt = 0; !amx && mt < Mt; mt++)
        for (int64_t t0 = 0; t0 < BLOCK; t0 += TILE)
          mk->tile(xb + t0 * 4, groups, Lx * 4, tapOff.data(), taps, wb + mt * groups * taps * O,
                   out + mt * O * BLOCK + t0, BLOCK);
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
        int32_t* dst = y + n * M * R + yy * W + xx;
        if (xLo) mk->addRuns2(out + (p - j0), loOut, BLOCK, dst, R, M, len, add.data());
        else mk->addRuns(out + (p - j0), BLOCK, dst, R, M, len, add.data());
        p += len;
      }
    }
    if (amx) amx->end();
  });
}

/**
 * The AMX pieces where `isa` asks for them (cpu.cc reports Avx512Amx only where they run) and
 * the conv fills its tiles: at least AMX_MIN_CHANNELS input (C) and output (M) channels. Tiles
 * of 16 rows held LeNet-5's 1-channel first conv 2.6x slower than VNNI (kernel-profile
 * --model lenet5 --backends native@avx512vnni,native@avx512amx).
 */
constexpr int64_t AMX_MIN_CHANNELS = 8;
const ConvI8Amx* amxOf(Isa isa, int64_t C, int64_t M) {
  return isa == Isa::Avx512Amx && C >= AMX_MIN_CHANNELS && M >= AMX_MIN_CHANNELS ? CONV_I8_AMX
                                                                                 : nullptr;
}

/** convI8Direct of x, or of 256 * x + lo where lo (AMX only). */
bool direct(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int8_t* x,
            const int8_t* lo, const double* bias, int32_t* y) {
  if (!avx512(isa) || !CONV_I8_AVX512) return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3], KH = g[4], KW = g[5], ph = g[8],
                pw = g[9];
  const bool same = g[6] == 1 && g[7] == 1 && g[10] == H && g[11] == W;
  if (!same || ph >= KH || pw >= KW || KH * KW > 49) return false;
  if (M == 0 || N == 0 || H * W == 0) return true;
  const int64_t taps = KH * KW;
  run(N, C, H, W, KH, KW, ph, pw, x, H, W, 1, 1, M, WeightView{w, C * taps, taps, 1}, bias, y,
      amxOf(isa, C, M), lo);
  return true;
}

/** convI8InputGrad of e, or of 256 * e + lo where lo (AMX only). */
bool inputGrad(Isa isa, const int64_t* g, const int8_t* w, int64_t OC, const int8_t* e,
               const int8_t* lo, int32_t* dx) {
  if (!avx512(isa) || !CONV_I8_AVX512) return false;
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
      WeightView{w + taps - 1, taps, C * taps, -1}, nullptr, dx, amxOf(isa, OC, C), lo);
  return true;
}

}  // namespace

bool convI8Direct(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int8_t* x,
                  const double* bias, int32_t* y) {
  return direct(isa, g, w, M, x, nullptr, bias, y);
}

bool convI8InputGrad(Isa isa, const int64_t* g, const int8_t* w, int64_t OC, const int8_t* e,
                     int32_t* dx) {
  return inputGrad(isa, g, w, OC, e, nullptr, dx);
}

bool convI8DirectHiLo(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int8_t* hi,
                      const int8_t* lo, const double* bias, int32_t* y) {
  return amxOf(isa, g[1], M) && direct(isa, g, w, M, hi, lo, bias, y);
}

bool convI8InputGradHiLo(Isa isa, const int64_t* g, const int8_t* w, int64_t OC,
                         const int8_t* hi, const int8_t* lo, int32_t* dx) {
  return amxOf(isa, OC, g[1]) && inputGrad(isa, g, w, OC, hi, lo, dx);
}
