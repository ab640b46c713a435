// SPDX-License-Identifier: MIT
// AMX pieces of the direct int8 convolution (conv-i8.h): blocks of 2 x 2 or 1 x 4 int32 tiles
// of 16 output channels x 16 grid positions, each step one TDPBSUD per tile (16 x 64 signed
// weight bytes times 16 rows of 16 positions x 4 unsigned x bytes: 16 x 16 x 64 products).
// The K depth (x rows of a step) is set per call by the tile configuration. The instructions are written as asm statements (with a
// memory clobber: the compiler must not move stores across a tile load or store), so no
// target attribute is needed; run only where cpu.cc found AMX and the OS granted it.

#include "conv-i8.h"

#include "amx.h"

#ifdef LOWBIT_AMX

namespace {

/** ldtilecfg's 64-byte operand (palette 1): bytes a row and rows of each tile. */
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
// c += a (int8) . b (uint8), 4 products a lane
#define LOWBIT_TDP(c, a, b) __asm__ volatile("tdpbsud %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)

/** Tiles 0..3: 16 x 16 int32 accumulators; 4, 5: 16 channels x k bytes; 6, 7: k / 4 rows. */
void begin(int64_t k4) {
  TileConfig c = {};
  c.palette = 1;
  for (int t = 0; t < 8; t++) {
    c.rows[t] = static_cast<uint8_t>(t < 6 ? 16 : k4);
    c.colsb[t] = static_cast<uint16_t>(t < 4 || t >= 6 ? 64 : 4 * k4);
  }
  __asm__ volatile("ldtilecfg %0" ::"m"(c) : "memory");
}

void end() { __asm__ volatile("tilerelease" ::: "memory"); }

// Tiles: 0..3 accumulators, 4 (and 5) weights, 6 and 7 x.
void tile2x2(const uint8_t* x, int64_t rowStride, const int64_t* off, int64_t steps,
             const int8_t* wa, int64_t aStride, int64_t xB, int32_t* out, int64_t ldo,
             int64_t outB) {
  const int64_t a = 64, ld = ldo * 4;
  LOWBIT_TZERO(0);
  LOWBIT_TZERO(1);
  LOWBIT_TZERO(2);
  LOWBIT_TZERO(3);
  for (int64_t s = 0; s < steps; s++) {
    const uint8_t* p = x + off[s];
    const int8_t* w = wa + s * 1024;
    LOWBIT_TLOAD(4, w, a);
    LOWBIT_TLOAD(6, p, rowStride);
    LOWBIT_TDP(0, 4, 6);
    LOWBIT_TLOAD(5, w + aStride, a);
    LOWBIT_TDP(2, 5, 6);
    LOWBIT_TLOAD(7, p + xB, rowStride);
    LOWBIT_TDP(1, 4, 7);
    LOWBIT_TDP(3, 5, 7);
  }
  LOWBIT_TSTORE(0, out, ld);
  LOWBIT_TSTORE(1, out + outB, ld);
  LOWBIT_TSTORE(2, out + 16 * ldo, ld);
  LOWBIT_TSTORE(3, out + 16 * ldo + outB, ld);
}

void tile1x4(const uint8_t* x, int64_t rowStride, const int64_t* off, int64_t steps,
             const int8_t* wa, int64_t xB, int32_t* out, int64_t ldo, int64_t outB) {
  const int64_t a = 64, ld = ldo * 4;
  LOWBIT_TZERO(0);
  LOWBIT_TZERO(1);
  LOWBIT_TZERO(2);
  LOWBIT_TZERO(3);
  for (int64_t s = 0; s < steps; s++) {
    const uint8_t* p = x + off[s];
    LOWBIT_TLOAD(4, wa + s * 1024, a);
    LOWBIT_TLOAD(6, p, rowStride);
    LOWBIT_TDP(0, 4, 6);
    LOWBIT_TLOAD(7, p + 64, rowStride);
    LOWBIT_TDP(1, 4, 7);
    LOWBIT_TLOAD(6, p + xB, rowStride);
    LOWBIT_TDP(2, 4, 6);
    LOWBIT_TLOAD(7, p + xB + 64, rowStride);
    LOWBIT_TDP(3, 4, 7);
  }
  LOWBIT_TSTORE(0, out, ld);
  LOWBIT_TSTORE(1, out + 16, ld);
  LOWBIT_TSTORE(2, out + outB, ld);
  LOWBIT_TSTORE(3, out + outB + 16, ld);
}

const ConvI8Amx AMX{begin, end, tile2x2, tile1x4};

}  // namespace

const ConvI8Amx* const CONV_I8_AMX = &AMX;
#else
const ConvI8Amx* const CONV_I8_AMX = nullptr;
#endif
