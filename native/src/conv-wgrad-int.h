// SPDX-License-Identifier: MIT
// A conv's integer weight gradient read straight from the input planes: dW (M, C*KH*KW) =
// E (M, N*OH*OW) x im2col(x)^T for stride-1 'same' convs, int16 E and x, exact float64 (or
// int32) sums, without the im2col matrix. Each tap's column is x shifted by the tap, the
// padding lanes zeroed by masks (as conv-f32.h's direct dot does for float32).
#pragma once

#include <cstdint>

#include "cpu.h"

/** The pixels a slice of images spans, as the direct integer dot reads them. */
struct DirectColsI16 {
  int64_t R;   // pixels per plane (a multiple of 32)
  int64_t CR;  // int16 per image of x (C * R)
  int64_t aR;  // int16 per image in the a rows: R (rows (M, N*R)), or M * R (N, M, R)
};

/**
 * One instruction set's direct integer dot: out[r * 4 + c] += the exact sum over slice
 * pixels j0..j0+kc (kc a multiple of 32) of a[r] at pixel j times x at pixel j shifted by
 * column c's tap (0 outside the plane). a[r]: row r in the slice's first image (pixel j of
 * image i at a[r] + i * aR + j mod R); b[c]: column c's channel plane in that image, shifted
 * by its tap; mask[j / 32 * 4 + c]: column c's lanes inside the plane for pixels j..j+31.
 * Each int32 lane takes 2 products per 32 pixels and is added into out as float64 every
 * `chunk` such steps (>= 1; the caller keeps 2 * chunk products within int32): exact.
 */
struct ConvWgradIntMicro {
  void (*dot)(const DirectColsI16& d, int64_t j0, int64_t kc, int64_t chunk,
              const int16_t* const* a, const int16_t* const* b, const uint32_t* mask,
              double* out);
};

extern const ConvWgradIntMicro* const CONV_WGRAD_INT_AVX512;

/**
 * Whether convWeightGradIntDirect runs geometry g on isa: a stride-1 'same' conv (pad <
 * kernel, at most 49 taps) on AVX-512 VNNI, planes of a multiple of 32 pixels.
 */
bool convWeightGradIntSupported(Isa isa, const int64_t* g);

/**
 * dW (M, C*KH*KW) = E x im2col(x)^T (see the top of this file) for int16 E and x (N, C, H, W).
 * E: rows (M, N*OH*OW), or batchMajor (N, M, OH*OW) as a layer's error comes. maxE, maxX:
 * bounds on max |E|, max |x| (within int16's 32768). Written as exact float64 (dW64) or, where
 * the caller's bound keeps every sum within int32, int32 (dW32); one of them non-null.
 * Returns false (nothing written) where the geometry is not supported or a chunk of one
 * 32-pixel step could overflow int32 (2 * maxE * maxX > 2^31 - 1): the caller then takes
 * im2col and the GEMM. The same bits for every thread count (exact sums).
 */
bool convWeightGradIntDirect(Isa isa, const int64_t* g, const int16_t* E, int64_t M,
                             const int16_t* x, bool batchMajor, int64_t maxE, int64_t maxX,
                             double* dW64, int32_t* dW32);
