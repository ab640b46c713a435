// SPDX-License-Identifier: MIT
// AMX pieces of the int8 weight gradient (conv-wgrad-i8.h): 16 dW columns' shifted xu planes
// (uint8, one channel block at one tap) times 16 error rows in TDPBUSD's quad layout, 4 such
// column blocks a call (4 int32 accumulator tiles of 16 columns x 16 rows), K = 64 grid
// positions a step; and the error rows' transposition into that layout. Tile instructions as
// asm statements (conv-i8-amx.cc); run only where cpu.cc found AMX and the OS granted it.

#include "conv-wgrad-i8.h"

#include "amx.h"

#ifdef LOWBIT_AMX
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f"
#include "isa-begin.h"

namespace {

struct alignas(64) TileConfig {
  uint8_t palette, startRow, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

#define LOWBIT_TLOAD(t, p, s) \
  __asm__ volatile("tileloadd (%0,%1,1), %%tmm" #t ::"r"(p), "r"(s) : "memory")
#define LOWBIT_TSTORE(t, p, s) \
  __asm__ volatile("tilestored %%tmm" #t ", (%0,%1,1)" ::"r"(p), "r"(s) : "memory")
#define LOWBIT_TZERO(t) __asm__ volatile("tilezero %%tmm" #t ::)
// c += a (uint8) . b (int8), 4 products a lane
#define LOWBIT_TDPUS(c, a, b) __asm__ volatile("tdpbusd %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)

/** Every tile 16 rows x 64 bytes. */
void begin() {
  TileConfig c = {};
  c.palette = 1;
  for (int t = 0; t < 8; t++) {
    c.rows[t] = 16;
    c.colsb[t] = 64;
  }
  __asm__ volatile("ldtilecfg %0" ::"m"(c) : "memory");
}

void end() { __asm__ volatile("tilerelease" ::: "memory"); }

// Tiles 0..3 accumulators, 4 the error quads, 5..7 xu.
void dot4(const uint8_t* const* a, int64_t lda, const int8_t* eq, int64_t len, int32_t* out) {
  const int64_t r = 64;
  LOWBIT_TZERO(0);
  LOWBIT_TZERO(1);
  LOWBIT_TZERO(2);
  LOWBIT_TZERO(3);
  const uint8_t *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
  for (int64_t k = 0; k < len; k += 64, eq += 1024) {
    LOWBIT_TLOAD(4, eq, r);
    LOWBIT_TLOAD(5, a0 + k, lda);
    LOWBIT_TDPUS(0, 5, 4);
    LOWBIT_TLOAD(6, a1 + k, lda);
    LOWBIT_TDPUS(1, 6, 4);
    LOWBIT_TLOAD(7, a2 + k, lda);
    LOWBIT_TDPUS(2, 7, 4);
    LOWBIT_TLOAD(5, a3 + k, lda);
    LOWBIT_TDPUS(3, 5, 4);
  }
  LOWBIT_TSTORE(0, out, r);
  LOWBIT_TSTORE(1, out + 256, r);
  LOWBIT_TSTORE(2, out + 512, r);
  LOWBIT_TSTORE(3, out + 768, r);
}

void quads(const int8_t* e, int64_t ld, int64_t rows, int64_t len, int8_t* eq) {
  const __m512i idx = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5,
                                                          4, 3, 2, 1, 0),
                                         _mm512_set1_epi32(static_cast<int32_t>(ld / 4)));
  const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1);
  for (int64_t q = 0; q < len / 4; q++)
    _mm512_store_si512(eq + q * 64,
                       _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx, e + q * 4, 4));
}

const ConvWgradI8Amx AMX{begin, end, dot4, quads};

}  // namespace

#include "isa-end.h"

const ConvWgradI8Amx* const CONV_WGRAD_I8_AMX = &AMX;
#else
const ConvWgradI8Amx* const CONV_WGRAD_I8_AMX = nullptr;
#endif
