// SPDX-License-Identifier: MIT
// The AMX tile loops of the conv weight gradient (conv-wgrad-amx.h), in amx-tiles.h's asm
// statements. Every tile is 16 rows of 64 bytes: tiles 0-3 accumulate (16 x 16 int32), 4-7 hold
// operands. Each call loads the tile configuration and releases the tiles at its end (a
// thread's tile state is its own, and a released state keeps context switches cheap). Compiled where the compiler knows AMX (amx.h);
// run only on Isa::Avx512Amx (cpu.cc found the tiles and the OS granted them).

#include "conv-wgrad-amx.h"

#include <algorithm>

#include "amx.h"

#ifdef LOWBIT_AMX
#include <immintrin.h>

#include "amx-tiles.h"

#define LOWBIT_TARGET "avx512f,avx512bw"
#include "isa-begin.h"

namespace {

constexpr amx::TileConfig config() {
  amx::TileConfig c{};
  c.palette = 1;
  for (int i = 0; i < 8; i++) {
    c.colsb[i] = 64;
    c.rows[i] = 16;
  }
  return c;
}

/** The accumulators' row stride in out (int64: the asm takes a 64-bit index register). */
constexpr int64_t STRIDE = 64;

/** Every tile 16 rows x 64 bytes. */
const amx::TileConfig CONFIG = config();

/**
 * C tiles += x at T taps . E, chunk by chunk, operands in tiles 4-7. Tap u's products go to
 * tiles u * S .. u * S + S - 1 in turn (S = 4 / T accumulators a tap; T = 3: one each), so
 * independent accumulations are in flight and the TDPs run at their throughput, not their
 * latency.
 */
template <int T>
void loop8(const int8_t* x, int64_t ldx, const int64_t* s, const int8_t* eq, int64_t ldq,
           int64_t chunks) {
  const int64_t step = 16 * ldq;
  int64_t k = 0;
  if (T == 1) {
    for (; k + 4 <= chunks; k += 4, x += 256, eq += 4 * step) {
      LOWBIT_TLOAD(4, eq, ldq);
      LOWBIT_TLOAD(5, x + s[0], ldx);
      LOWBIT_TDPBSSD(0, 5, 4);
      LOWBIT_TLOAD(6, eq + step, ldq);
      LOWBIT_TLOAD(7, x + s[0] + 64, ldx);
      LOWBIT_TDPBSSD(1, 7, 6);
      LOWBIT_TLOAD(4, eq + 2 * step, ldq);
      LOWBIT_TLOAD(5, x + s[0] + 128, ldx);
      LOWBIT_TDPBSSD(2, 5, 4);
      LOWBIT_TLOAD(6, eq + 3 * step, ldq);
      LOWBIT_TLOAD(7, x + s[0] + 192, ldx);
      LOWBIT_TDPBSSD(3, 7, 6);
    }
  } else if (T == 2) {
    for (; k + 2 <= chunks; k += 2, x += 128, eq += 2 * step) {
      LOWBIT_TLOAD(4, eq, ldq);
      LOWBIT_TLOAD(5, x + s[0], ldx);
      LOWBIT_TDPBSSD(0, 5, 4);
      LOWBIT_TLOAD(6, x + s[1], ldx);
      LOWBIT_TDPBSSD(2, 6, 4);
      LOWBIT_TLOAD(4, eq + step, ldq);
      LOWBIT_TLOAD(7, x + s[0] + 64, ldx);
      LOWBIT_TDPBSSD(1, 7, 4);
      LOWBIT_TLOAD(5, x + s[1] + 64, ldx);
      LOWBIT_TDPBSSD(3, 5, 4);
    }
  }
  for (; k < chunks; k++, x += 64, eq += step) {
    LOWBIT_TLOAD(4, eq, ldq);
    LOWBIT_TLOAD(5, x + s[0], ldx);
    LOWBIT_TDPBSSD(0, 5, 4);
    if (T == 2) {
      LOWBIT_TLOAD(6, x + s[1], ldx);
      LOWBIT_TDPBSSD(2, 6, 4);
    }
    if (T > 2) {
      LOWBIT_TLOAD(6, x + s[1], ldx);
      LOWBIT_TDPBSSD(1, 6, 4);
      LOWBIT_TLOAD(7, x + s[2], ldx);
      LOWBIT_TDPBSSD(2, 7, 4);
    }
    if (T > 3) {
      LOWBIT_TLOAD(5, x + s[3], ldx);
      LOWBIT_TDPBSSD(3, 5, 4);
    }
  }
}

void slice8(const int8_t* x, int64_t ldx, const int64_t* shifts, int taps, const int8_t* eq,
            int64_t ldq, int64_t chunks, int32_t* out) {
  amx::loadConfig(CONFIG);
  LOWBIT_TZERO(0);
  LOWBIT_TZERO(1);
  LOWBIT_TZERO(2);
  LOWBIT_TZERO(3);
  switch (taps) {
    case 1:
      loop8<1>(x, ldx, shifts, eq, ldq, chunks);
      break;
    case 2:
      loop8<2>(x, ldx, shifts, eq, ldq, chunks);
      break;
    case 3:
      loop8<3>(x, ldx, shifts, eq, ldq, chunks);
      break;
    default:
      loop8<4>(x, ldx, shifts, eq, ldq, chunks);
      break;
  }
  LOWBIT_TSTORE(0, out, STRIDE);
  LOWBIT_TSTORE(1, out + 256, STRIDE);
  LOWBIT_TSTORE(2, out + 512, STRIDE);
  LOWBIT_TSTORE(3, out + 768, STRIDE);
  amx::release();
}

void slice16(const uint8_t* xlo, const int8_t* xhi, int64_t ldx, int64_t shift,
             const uint8_t* elo, const int8_t* ehi, int64_t ldq, int64_t chunks, int32_t* out) {
  amx::loadConfig(CONFIG);
  LOWBIT_TZERO(0);
  LOWBIT_TZERO(1);
  LOWBIT_TZERO(2);
  LOWBIT_TZERO(3);
  const int64_t step = 16 * ldq;
  xlo += shift;
  xhi += shift;
  for (int64_t k = 0; k < chunks; k++) {
    LOWBIT_TLOAD(4, ehi + k * step, ldq);
    LOWBIT_TLOAD(5, elo + k * step, ldq);
    LOWBIT_TLOAD(6, xhi + 64 * k, ldx);
    LOWBIT_TLOAD(7, xlo + 64 * k, ldx);
    LOWBIT_TDPBSSD(0, 6, 4);  // hi . hi: weight 65536
    LOWBIT_TDPBSUD(1, 6, 5);  // hi (signed) . lo (unsigned): weight 256
    LOWBIT_TDPBUSD(2, 7, 4);  // lo (unsigned) . hi (signed): weight 256
    LOWBIT_TDPBUUD(3, 7, 5);  // lo . lo: weight 1
  }
  LOWBIT_TSTORE(0, out, STRIDE);
  LOWBIT_TSTORE(1, out + 256, STRIDE);
  LOWBIT_TSTORE(2, out + 512, STRIDE);
  LOWBIT_TSTORE(3, out + 768, STRIDE);
  amx::release();
}

void split16(const int16_t* v, int64_t rows, int64_t W, uint8_t* lo, uint8_t* hi, int64_t ld) {
  for (int64_t y = 0; y < rows; y++, v += W, lo += ld, hi += ld)
    for (int64_t i = 0; i < W; i += 32) {
      const __mmask32 m = W - i >= 32 ? ~__mmask32(0) : (__mmask32(1) << (W - i)) - 1;
      const __m512i x = _mm512_maskz_loadu_epi16(m, v + i);
      _mm512_mask_cvtepi16_storeu_epi8(lo + i, m, x);
      _mm512_mask_cvtepi16_storeu_epi8(hi + i, m, _mm512_srai_epi16(x, 8));
    }
}

void copyRows(const int8_t* v, int64_t rows, int64_t W, uint8_t* dst, int64_t ld) {
  for (int64_t y = 0; y < rows; y++, v += W, dst += ld)
    for (int64_t i = 0; i < W; i += 64) {
      const __mmask64 m = W - i >= 64 ? ~__mmask64(0) : (__mmask64(1) << (W - i)) - 1;
      _mm512_mask_storeu_epi8(dst + i, m, _mm512_maskz_loadu_epi8(m, v + i));
    }
}

/** The 16 x 16 transpose of int32 rows r (in place): r[j][i] = r[i][j]. */
inline void transpose16(__m512i* r) {
  __m512i t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  // u[4b + k]: element 4L + k of rows 4b..4b+3, per 128-bit lane L.
  for (int b = 0; b < 4; b++) {
    const __m512i *p = t + 4 * b;
    u[4 * b + 0] = _mm512_unpacklo_epi64(p[0], p[2]);
    u[4 * b + 1] = _mm512_unpackhi_epi64(p[0], p[2]);
    u[4 * b + 2] = _mm512_unpacklo_epi64(p[1], p[3]);
    u[4 * b + 3] = _mm512_unpackhi_epi64(p[1], p[3]);
  }
  for (int k = 0; k < 4; k++) {
    const __m512i v = _mm512_shuffle_i32x4(u[k], u[4 + k], 0x88);
    const __m512i w = _mm512_shuffle_i32x4(u[k], u[4 + k], 0xdd);
    const __m512i x = _mm512_shuffle_i32x4(u[8 + k], u[12 + k], 0x88);
    const __m512i y = _mm512_shuffle_i32x4(u[8 + k], u[12 + k], 0xdd);
    r[k] = _mm512_shuffle_i32x4(v, x, 0x88);
    r[8 + k] = _mm512_shuffle_i32x4(v, x, 0xdd);
    r[4 + k] = _mm512_shuffle_i32x4(w, y, 0x88);
    r[12 + k] = _mm512_shuffle_i32x4(w, y, 0xdd);
  }
}

void rowQuads(const void* const* src, int rows, int64_t W, int bytes, uint32_t* lo,
              uint32_t* hi, int64_t ld) {
  __m512i rl[16], rh[16];
  // Segments of 64 positions: 16 quads a transpose.
  for (int64_t i = 0; i < W; i += 64) {
    const int64_t n = std::min<int64_t>(64, W - i), quads = (n + 3) / 4;
    const __mmask64 m8 = n == 64 ? ~__mmask64(0) : (__mmask64(1) << n) - 1;
    for (int r = 0; r < 16; r++) {
      if (r >= rows) {
        rl[r] = rh[r] = _mm512_setzero_si512();
        continue;
      }
      if (bytes == 1) {
        rl[r] = _mm512_maskz_loadu_epi8(m8, static_cast<const int8_t*>(src[r]) + i);
        continue;
      }
      // 64 int16 as two vectors of 32, narrowed to their lo and hi bytes.
      const int16_t* v = static_cast<const int16_t*>(src[r]) + i;
      const __mmask32 ma = static_cast<__mmask32>(m8), mb = static_cast<__mmask32>(m8 >> 32);
      const __m512i a = _mm512_maskz_loadu_epi16(ma, v), b = _mm512_maskz_loadu_epi16(mb, v + 32);
      rl[r] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi16_epi8(a)),
                                 _mm512_cvtepi16_epi8(b), 1);
      rh[r] = _mm512_inserti64x4(
          _mm512_castsi256_si512(_mm512_cvtepi16_epi8(_mm512_srai_epi16(a, 8))),
          _mm512_cvtepi16_epi8(_mm512_srai_epi16(b, 8)), 1);
    }
    transpose16(rl);
    for (int64_t q = 0; q < quads; q++) _mm512_storeu_si512(lo + (i / 4 + q) * ld, rl[q]);
    if (bytes == 2) {
      transpose16(rh);
      for (int64_t q = 0; q < quads; q++) _mm512_storeu_si512(hi + (i / 4 + q) * ld, rh[q]);
    }
  }
}

const ConvWgradAmxMicro MICRO{slice8, slice16, split16, copyRows, rowQuads};

}  // namespace

#include "isa-end.h"

const ConvWgradAmxMicro* const CONV_WGRAD_AMX = &MICRO;
#else
const ConvWgradAmxMicro* const CONV_WGRAD_AMX = nullptr;
#endif
