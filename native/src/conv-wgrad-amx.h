// SPDX-License-Identifier: MIT
// A conv's weight gradient on AMX tiles: dW (M, C*KH*KW) = E (M, N*OH*OW) x im2col(x)^T for
// stride-1 'same' convs, int8 or int16 E and x, exact, without the im2col matrix.
//
// Both operands lie on the padded grid of conv-wgrad-i8.h (rows of Wp = W + mc, planes of
// Hp = H + mr rows, images one after another), so dW[o][c, tap] = sum over grid positions j
// of E[o][j] * x[c][j + shift(tap)], zeros in the margins. In tile terms, per 64 positions:
//   A (16 rows x 64 bytes): 16 channels of x at one tap, positions j..j+63 (row stride: one
//     channel's grid, so any tap's shift is just a base address),
//   B (16 rows x 64 bytes): E as quads, row q = positions j+4q..j+4q+3 of 16 output channels
//     (4 bytes each), laid out once per call,
//   C (16 x 16 int32) += A . B: channels x output channels of one tap.
// int16 operands run as bytes, v = hi * 256 + lo (hi signed, lo unsigned): the 4 byte products
// go to 3 accumulators by their weight 65536, 256 and 1 (TDPBSSD, TDPBSUD + TDPBUSD,
// TDPBUUD), each within int32 over a slice of positions and flushed to int64, so every sum is
// exact whatever the values (no bound from max |E| or max |x| is needed).
#pragma once

#include <cstdint>

#include "cpu.h"

/**
 * One slice of one block on AMX (conv-wgrad-amx-tiles.cc): the tile loops. x planes: byte
 * planes (1 for int8, 2 for int16: lo then hi), each (Cp, Lx) with the block's 16 channels'
 * rows at x + plane * planeX; eq planes: (L / 4, Mp, 4) bytes, the block's 16 output channels
 * at column offset; shifts: the taps' byte offsets (already including the slice's start and
 * the channel block). out: per tap, 16 x 16 int32 (channels x output channels) per
 * accumulator: int8, 4 tiles (tap u's sums in tiles u * 4 / taps ..); int16, 4 tiles of
 * weights 65536, 256, 256, 1.
 */
struct ConvWgradAmxMicro {
  /** int8: `taps` (1..4) taps over `chunks` chunks of 64 positions. */
  void (*slice8)(const int8_t* x, int64_t ldx, const int64_t* shifts, int taps,
                 const int8_t* eq, int64_t ldq, int64_t chunks, int32_t* out);
  /** int16 as bytes: one tap, 3 accumulators. */
  void (*slice16)(const uint8_t* xlo, const int8_t* xhi, int64_t ldx, int64_t shift,
                  const uint8_t* elo, const int8_t* ehi, int64_t ldq, int64_t chunks,
                  int32_t* out);
  /**
   * rows of W int16 from v (contiguous) as byte planes: lo[y * ld + i] = v & 255, hi[y * ld +
   * i] = v >> 8 (arithmetic).
   */
  void (*split16)(const int16_t* v, int64_t rows, int64_t W, uint8_t* lo, uint8_t* hi,
                  int64_t ld);
  /** rows of W int8 from v (contiguous) to dst[y * ld + i]. */
  void (*copyRows)(const int8_t* v, int64_t rows, int64_t W, uint8_t* dst, int64_t ld);
  /**
   * One grid row of E as B tiles read it: for each of `rows` (<= 16) output channels r, the W
   * values at src[r] (int8, or int16 as lo and hi byte planes) as quads of 4 positions: quad
   * q of channel r at lo[q * ld + r] (and hi[..]), uint32; the last quad's positions past W
   * and the channels r >= rows are 0 (16 written per quad).
   */
  void (*rowQuads)(const void* const* src, int rows, int64_t W, int bytes, uint32_t* lo,
                   uint32_t* hi, int64_t ld);
};

extern const ConvWgradAmxMicro* const CONV_WGRAD_AMX;

/**
 * Whether convWeightGradAmx runs geometry g with M output channels on isa: a stride-1 'same'
 * conv (pad < kernel, at most 49 taps) of at least 8 input and 8 output channels on Avx512Amx.
 */
bool convWeightGradAmxSupported(Isa isa, const int64_t* g, int64_t M);

/**
 * dW (M, C*KH*KW) = E x im2col(x)^T (see the top of this file) for E and x both int8 (bytes
 * 1) or both int16 (bytes 2): E rows (M, N*OH*OW), or batchMajor (N, M, OH*OW). Written as
 * exact float64 (dW64) or, where the caller's bound keeps every sum within int32, int32
 * (dW32); one of them non-null. Returns false (nothing written) where not supported. The
 * same bits for every thread count.
 */
bool convWeightGradAmx(Isa isa, const int64_t* g, const void* E, int64_t M, const void* x, int bytes,
                       bool batchMajor, double* dW64, int32_t* dW32);
