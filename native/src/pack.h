// SPDX-License-Identifier: MIT
// Packing integer operands into the panels the microkernels read (see gemm.h IntMicro):
// groups of G consecutive k, 4 bytes per group and row (A) or column (B), zero past the
// matrix edges. Plain C++ (compiled once, for the baseline instruction set): the faster
// instruction sets may replace the hottest layouts with vector code.
#pragma once

#include <cstdint>

/** What packing does to each element of A. */
enum class PackMode {
  Plain,  // int16 as is
  Hi,     // int16 a >> 8 (the high 8-bit limb, -128..127)
  Lo,     // int16 a & 255 (the low limb, 0..255)
  U8,     // uint8 a + 128 (int8 operands of u8 x s8 dot products)
};

/** Where one panel of an operand comes from: rows (A) or columns (B) r0.., depth k0... */
struct PanelSrc {
  const void* p;
  int bytes;      // 1: int8, 2: int16
  bool kMajor;    // element (r, k) at p[k * ld + r] (else p[r * ld + k])
  int64_t ld;
  int64_t r0;
  int rows;       // valid rows (or columns) of the panel; the rest is zero
  int64_t k0;
  int64_t kc;     // valid depth; groups past it are zero
};

/**
 * Packs `width` rows of a panel (width = MR for A, NR for B), G k per group, with `mode`
 * (B panels: Plain, int16 pairs for G = 2 or signed bytes for G = 4). colsum (may be null)
 * receives the sum over k of each of the `width` rows.
 */
void packPanel(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out,
               int32_t* colsum);

/** packPanel as the microkernel tables take it (portable). */
void packAPortable(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out);
void packBPortable(const PanelSrc& s, int width, int G, uint8_t* out, int32_t* colsum);

/**
 * AVX2 packing (pack-avx2.cc): full groups of full panels in vector code, the rest through
 * packPanel. Call only where the CPU has AVX2 (elsewhere they are the portable packers).
 */
void packAAvx2(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out);
void packBAvx2(const PanelSrc& s, int width, int G, uint8_t* out, int32_t* colsum);

/**
 * `panels` full B panels of `width` columns each from a k-major source (B not transposed:
 * s.rows = panels * width columns from s.r0), panel p at out + p * groups * width * 4, the
 * same bytes as packBAvx2 panel by panel. Each group's G k-rows are read as runs of
 * panels * width contiguous elements: panel by panel, a GEMM with N*OH*OW columns reads
 * depth-many short pieces 2N or N bytes apart, which the prefetchers do not follow.
 * colsum (may be null): panels * width column sums. AVX2 (pack-avx2.cc).
 */
void packBKMajorAvx2(const PanelSrc& s, int width, int panels, int G, uint8_t* out,
                     int32_t* colsum);
