// SPDX-License-Identifier: MIT
// An int8 stride-1 'same' convolution read straight from the input planes: y (N, M, OH*OW) =
// conv(x (N, C, H, W), w (M, C*KH*KW)) (+ bias) in int32, as conv_gemm_int_nchw gives it,
// without im2col columns or packing of x beyond one interleaved copy.
//
// x is laid out once on the padded grid of conv-wgrad-i8.h (rows of Wp = W + mc, planes of
// (H + mr) rows, images one after another), channels interleaved in groups of 4 bytes per
// position (vpdpbusd's 4 products per int32 lane) as xu = x + 128 (uint8), 128 (x = 0, the
// padding) in the margins and in the channels past C. Every tap of every position is then the
// same position shifted by (ky - ph) * Wp + kx - pw, and
//   y[o][p] = sum over channel groups and taps of w[o][group, tap] . xu[group][p + shift]
//             - 128 * sum(w[o]),
// each dot of 4 signed weight bytes (one int32, broadcast) and 4 unsigned x bytes. int32 sums
// wrap modulo 2^32 alike, so the result is exact wherever the caller's bound keeps y in int32.
#pragma once

#include <cstdint>

#include "cpu.h"

/**
 * One instruction set's pieces. tile: out[o * ldo + j] = the sum over `groups` channel groups
 * and `taps` taps of the int32 dot of wb[(g * taps + t) * 8 + o] (4 int8 weights) with the 4
 * bytes of position j of xu at x + g * gStride + tapOff[t] (byte offsets; 4 bytes a position),
 * for o < 8 and j < 48. interleave: dst[4 * i + k] = src[k][i] ^ 0x80 for i < n, k < 4 (a
 * row of 4 channels onto the grid).
 */
struct ConvI8Micro {
  void (*tile)(const uint8_t* x, int64_t groups, int64_t gStride, const int64_t* tapOff,
               int64_t taps, const int32_t* wb, int32_t* out, int64_t ldo);
  void (*interleave)(const int8_t* const* src, int64_t n, uint8_t* dst);
  /** interleave onto every other position: dst[8 * i + k] as above, positions between kept. */
  void (*interleave2)(const int8_t* const* src, int64_t n, uint8_t* dst);
  /**
   * dst[o * ldDst + i] = src[o * ldSrc + i] + add[o] (int32, wrapping) for o < M, i < n: a run
   * of a row's pixels of every output channel into y.
   */
  void (*addRuns)(const int32_t* src, int64_t ldSrc, int32_t* dst, int64_t ldDst, int64_t M,
                  int64_t n, const uint32_t* add);
  /** addRuns of 256 * src[..] + src[lo + ..] (the hi and lo halves' sums of an int16 x). */
  void (*addRuns2)(const int32_t* src, int64_t lo, int64_t ldSrc, int32_t* dst, int64_t ldDst,
                   int64_t M, int64_t n, const uint32_t* add);
};

extern const ConvI8Micro* const CONV_I8_AVX512;

/**
 * The AMX pieces (conv-i8-amx.cc). x tiles (B: `rows` rows of 16 grid positions x 4 channel
 * bytes, uint8) are read at x + off[s] + r * rowStride for rows r < rows of step s; weight
 * tiles (A: 16 output channels x `rows` groups of 4 int8 bytes) at wa + s * 1024, 64 bytes a
 * channel; accumulators are 16 channels x 16 positions of int32, stored at out + o * ldo + j.
 * Each is the sum over `steps` steps of TDPBSUD (signed weights x unsigned x).
 *   tile2x2: channels o < 32 (the second 16's weight tiles at wa + aStride) by two x tiles,
 *     the second xB bytes after the first, stored outB int32 after the first (16 positions
 *     on: xB = 64, outB = 16);
 *   tile1x4: channels o < 16 by x tiles at 0, 64, xB, xB + 64 bytes, stored at 0, 16, outB,
 *     outB + 16 (64 positions: xB = 128, outB = 32).
 * begin loads the tile configuration for `rows` (1 to 16) on the calling thread (every task
 * that uses tiles), end releases the tiles.
 */
struct ConvI8Amx {
  void (*begin)(int64_t rows);
  void (*end)();
  void (*tile2x2)(const uint8_t* x, int64_t rowStride, const int64_t* off, int64_t steps,
                  const int8_t* wa, int64_t aStride, int64_t xB, int32_t* out, int64_t ldo,
                  int64_t outB);
  void (*tile1x4)(const uint8_t* x, int64_t rowStride, const int64_t* off, int64_t steps,
                  const int8_t* wa, int64_t xB, int32_t* out, int64_t ldo, int64_t outB);
};

/** null where the compiler cannot build AMX code (amx.h). */
extern const ConvI8Amx* const CONV_I8_AMX;

/**
 * y (N, M, OH*OW) = conv(x, w) + bias (see the top of this file) for int8 w (M, C*KH*KW) and
 * int8 x (N, C, H, W): a stride-1 'same' conv (pad < kernel, at most 49 taps) on AVX-512 VNNI;
 * bias[m] integers or null. The caller keeps every y within int32. Returns false (nothing
 * written) elsewhere. The same bits for every thread count. Isa::Avx512Amx runs the sums on
 * AMX tiles (the same bits).
 */
bool convI8Direct(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int8_t* x,
                  const double* bias, int32_t* y);

/**
 * convI8Direct of x = 256 * hi + lo for int8 hi and lo (N, C, H, W) each, the two halves'
 * sums on AMX tiles side by side and combined on the way into y (no int32 halves in memory).
 * false (nothing written) unless isa is Isa::Avx512Amx and convI8Direct takes g.
 */
bool convI8DirectHiLo(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int8_t* hi,
                      const int8_t* lo, const double* bias, int32_t* y);

/**
 * dx (N, C, H, W) of the conv g (stride 1 or 2, padding (K - 1) / 2, at most 49 taps) from
 * int8 e (N, OC, OH, OW) and int8 w (OC, C, KH, KW): the transposed conv, computed as the
 * 'same' conv above of e upsampled onto the H x W grid (e at (oy * sh, ox * sw), zeros
 * between) with w's channels swapped and taps reversed; exact where dx fits int32 (the
 * caller's bound). false (nothing written) where the geometry or the CPU does not fit.
 */
bool convI8InputGrad(Isa isa, const int64_t* g, const int8_t* w, int64_t OC, const int8_t* e,
                     int32_t* dx);

/** convI8InputGrad of e = 256 * hi + lo, as convI8DirectHiLo. */
bool convI8InputGradHiLo(Isa isa, const int64_t* g, const int8_t* w, int64_t OC,
                         const int8_t* hi, const int8_t* lo, int32_t* dx);
