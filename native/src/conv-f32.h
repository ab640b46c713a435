// SPDX-License-Identifier: MIT
// Direct float32 convolution of stride-1 'same' convs (OH = H, OW = W): the microkernel reads
// its B operand straight from the input planes, each tap's shift applied to a run of output
// pixels and the padding lanes zeroed by masks, so there is no im2col matrix and no B packing.
#pragma once

#include <cstdint>

#include "cpu.h"

/** Most vectors of 16 output pixels a direct tile spans (a run of 16 * nv pixels, nv <= 3). */
constexpr int CONV_DIRECT_MAX_NV = 3;
/** Taps (KH*KW) a direct conv may have. */
constexpr int CONV_DIRECT_MAX_TAPS = 49;

/** The 16 * nv output pixels p0.. of one image, as the microkernel reads them. */
struct DirectTile {
  const float* x;  // x[n][0] + p0: channel 0 of the image, at the tile's first pixel
  int64_t HW;      // floats per channel plane
  int taps;        // KH*KW; depth k = c*taps + tap
  const int64_t* off;  // [taps]: the tap's shift (ky - ph) * W + (kx - pw) in the plane
  const uint16_t* m;   // [nv][taps]: lanes v*16..v*16+15 inside the plane for that tap
  const uint16_t* s;   // [nv]: pixels inside the plane (stores)
};

/** Pixels of an image slice, 16 at a time, as the direct dot reads them. */
struct DirectCols {
  int64_t R;   // pixels per plane (a multiple of 16)
  int64_t CR;  // floats per image (C * R)
  int64_t aR;  // floats per image in the a rows: R (rows (M, N*R)), or M * R (N, M, R)
};

/**
 * One instruction set's direct microkernel: y rows r < rows (stride ldy), the tile's pixels,
 * (y + if add) the sum over depth k0..k1 of A[k][r] * x shifted by k's tap, summed k by k
 * with FMA from zero (as F32Micro::tile sums a depth block). A: panel [k1 - k0][MR = 8].
 */
struct ConvDirectMicro {
  int MR;
  /** tile[nv - 1]: the tile of 16 * nv pixels (MR x nv zmm accumulators). */
  void (*tile[CONV_DIRECT_MAX_NV])(const DirectTile& d, int64_t k0, int64_t k1, const float* A,
                                   float* y, int64_t ldy, int rows, bool add);
  /**
   * F32Micro::dot with its b rows read from x: out[r * 4 + c] = sum over slice pixels
   * j0..j0+kc (kc a multiple of 16) of a[r] at pixel j times x at pixel j shifted by column
   * c's tap, in F32Micro::dot's lane order and reduction. a[r]: row r in the slice's first
   * image (pixel j of image i at a[r] + i * aR + j mod R). b[c]: channel plane of column c in
   * the slice's first image, shifted by its tap. mask[j / 16 * 4 + c]: column c's lanes
   * inside the plane for pixels j..j+15 of a plane.
   */
  void (*dot)(const DirectCols& d, int64_t j0, int64_t kc, const float* const* a,
              const float* const* b, const uint16_t* mask, float* out);
};

extern const ConvDirectMicro* const CONV_DIRECT_AVX512;

/**
 * Whether convWeightGradF32 reads x directly for geometry g (a stride-1 'same' conv on
 * AVX-512 with planes of a multiple of 16 pixels) instead of building im2col rows.
 */
bool convDirectDotSupported(Isa isa, const int64_t* g);

/** Per tap, per 16 pixels of a plane, the lanes inside the plane: mask [taps][R / 16]. */
void convDirectDotMasks(const int64_t* g, uint16_t* mask);

/** Whether convDirectF32 runs geometry g on isa (else the caller keeps its other route). */
bool convDirectF32Supported(Isa isa, const int64_t* g);

/**
 * y (N, M, OH*OW) = conv(x (N, C, H, W), W (M, C*KH*KW)), float32, for stride-1 'same' convs
 * (convDirectF32Supported). The same bits as im2col + gemmF32 on isa (each element summed k
 * by k over the GEMM's KC-deep blocks, block sums added in order), written straight in the
 * batch-major layout; the same bits for every thread count. g: N, C, H, W, KH, KW, sh, sw,
 * ph, pw, OH, OW. rotated: W holds the filter w (C, M, KH*KW) of the conv this one transposes
 * (its input gradient as a forward conv of the error) and is read as w's channels swapped and
 * taps reversed, W'[m][c * taps + t] = w[c][m][taps - 1 - t]: the same panels, the same bits.
 */
void convDirectF32(Isa isa, const int64_t* g, const float* W, int64_t M, const float* x,
                   float* y, bool rotated = false);
