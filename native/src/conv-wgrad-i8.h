// SPDX-License-Identifier: MIT
// A conv's int8 weight gradient read from shifted copies of the input planes: dW (M,
// C*KH*KW) = E (M, N*OH*OW) x im2col(x)^T for stride-1 'same' convs, int8 E and x, exact int32
// or float64 sums, without the im2col matrix (conv-wgrad-int.h is the int16 one).
//
// Both operands are first laid out on one padded pixel grid: each image's plane takes rows of
// Wp = W + mc bytes (mc margin columns) and Hp = H + mr rows (mr margin rows), images one after
// another, so every tap of every pixel is the same position shifted by (ky - ph) * Wp + kx - pw
// and the dot reads whole vectors without masks. E's margins hold 0 (no product); x is held as
// xu = x + 128 (uint8, for vpdpbusd's unsigned operand) with 128 (x = 0, the padding) in its
// margins, so sum(E xu) = sum(E x) + 128 sum(E): each row's sum of E corrects it exactly.
#pragma once

#include <cstdint>

#include "cpu.h"

/**
 * One instruction set's int8 dot on the padded grid: out[r * 4 + c] += the exact sum over
 * positions j in [0, len) of a[c][j] (uint8, column c's shifted xu) times b[r][j] (int8, E's
 * row r); len a multiple of 64 and at most DOT_MAX_LEN: each int32 lane takes 4 products of at
 * most 255 * 128 per 64 positions, len / 16 of them within int32.
 */
struct ConvWgradI8Micro {
  void (*dot)(int64_t len, const uint8_t* const* a, const int8_t* const* b, int64_t* out);
  /**
   * rows of W bytes from src (contiguous) onto the grid: dst[y * ldDst + i] = src[y * W + i] ^
   * flip (0x80: x -> xu; 0: E as it is).
   */
  void (*placeRows)(const int8_t* src, int64_t rows, int64_t W, uint8_t* dst, int64_t ldDst,
                    uint8_t flip);
  /** The sum of n int8. */
  int64_t (*sumBytes)(const int8_t* src, int64_t n);
};

constexpr int64_t DOT_MAX_LEN = 64 * (2147483647 / (4 * 255 * 128));

extern const ConvWgradI8Micro* const CONV_WGRAD_I8_AVX512;

/**
 * Whether convWeightGradI8Direct runs geometry g on isa: a stride-1 'same' conv (pad <
 * kernel, at most 49 taps) on AVX-512 VNNI.
 */
bool convWeightGradI8Supported(Isa isa, const int64_t* g);

/**
 * dW (M, C*KH*KW) = E x im2col(x)^T (see the top of this file) for int8 E and x (N, C, H, W).
 * E: rows (M, N*OH*OW), or batchMajor (N, M, OH*OW) as a layer's error comes. Written as exact
 * float64 (dW64) or, where the caller's bound keeps every sum within int32, int32 (dW32); one
 * of them non-null. Returns false (nothing written) where the geometry is not supported. The
 * same bits for every thread count (exact sums).
 */
bool convWeightGradI8Direct(Isa isa, const int64_t* g, const int8_t* E, int64_t M,
                            const int8_t* x, bool batchMajor, double* dW64, int32_t* dW32);
