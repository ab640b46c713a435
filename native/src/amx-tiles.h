// SPDX-License-Identifier: MIT
// AMX tile instructions as asm statements (tile numbers are immediates), for the files that run
// on tiles (conv-i8-amx.cc, conv-wgrad-amx-tiles.cc): no target attribute needed, and a memory
// clobber on loads and stores so the compiler moves no store across them. Include only where
// LOWBIT_AMX (amx.h) is defined; run only where cpu.cc found AMX and the OS granted it.
#pragma once

#include <cstdint>

namespace amx {

/** ldtilecfg's 64-byte operand (palette 1): bytes a row and rows of each tile. */
struct alignas(64) TileConfig {
  uint8_t palette, startRow, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

/** Loads tiles 0..7's shapes on the calling thread (zeroing them). */
inline void loadConfig(const TileConfig& c) {
  __asm__ volatile("ldtilecfg %0" ::"m"(c) : "memory");
}

/** Releases the tiles (the state returns to its initial, cheap-to-switch form). */
inline void release() { __asm__ volatile("tilerelease" ::: "memory"); }

}  // namespace amx

#define LOWBIT_TLOAD(t, p, s) \
  __asm__ volatile("tileloadd (%0,%1,1), %%tmm" #t ::"r"(p), "r"(s) : "memory")
#define LOWBIT_TSTORE(t, p, s) \
  __asm__ volatile("tilestored %%tmm" #t ", (%0,%1,1)" ::"r"(p), "r"(s) : "memory")
#define LOWBIT_TZERO(t) __asm__ volatile("tilezero %%tmm" #t ::)
// c += a (int8) . b (uint8), 4 products a lane
#define LOWBIT_TDPBSUD(c, a, b) __asm__ volatile("tdpbsud %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)
// c += a (uint8) . b (int8), 4 products a lane
#define LOWBIT_TDPBUSD(c, a, b) __asm__ volatile("tdpbusd %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)
// c += a (int8) . b (int8), 4 products a lane
#define LOWBIT_TDPBSSD(c, a, b) __asm__ volatile("tdpbssd %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)
// c += a (uint8) . b (uint8), 4 products a lane
#define LOWBIT_TDPBUUD(c, a, b) __asm__ volatile("tdpbuud %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)
