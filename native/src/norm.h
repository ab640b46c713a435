// SPDX-License-Identifier: MIT
// BatchNorm's kernels (per-channel sums, the float and integer affine forward, the input
// gradient), the residual connection's scaled add and WAGEUBN's tensor quantizers (min/max,
// flag quantization): src/kernels/spec.ts gives their contracts, src/kernels/ref/norm.ts,
// layers.ts and flag.ts their reference loops, which these repeat operation for operation.
#pragma once

#include <cstdint>

#include "cpu.h"
#include "kernels.h"

/** Saturation and underflow counts of flag_quantize. */
struct FlagCounts {
  int64_t saturated;
  int64_t underflow;
};

/** The kernels of one instruction set (norm-impl.h compiled for it). */
struct NormKernels {
  /** out (C, 4) = [sa_hi, sa_lo, sab_hi, sab_lo] of a and b (N, C, R); b null: a * a. */
  void (*bnSums)(const View& a, const View& b, const int8_t* mask, int64_t N, int64_t C,
                 int64_t R, double* out);
  /** y (N, C, R) float32 from x with p (C, 4) = [mu, rs, g, b]; returns max |y| or NaN. */
  double (*bnForward)(const View& x, int64_t N, int64_t C, int64_t R, const double* p,
                      bool xhat32, bool relu, int8_t* mask, float* y);
  /** y (N, C, R) int32 or float64 = g x + b, p (C, 2) = [g, b]; returns max |y| (int32 y), or
   * NaN (float64 y). */
  double (*bnAffineInt)(const View& x, int64_t N, int64_t C, int64_t R, const double* p,
                      bool relu, int8_t* mask, const View& y);
  /** dx (N, C, R) float32 with p (C, 5) = [mu, rs, k, a, b]; returns max |dx| or NaN. */
  double (*bnBackward)(const View& e, const View& x, const int8_t* mask, int64_t N, int64_t C,
                       int64_t R, const double* p, bool xhat32, float* dx);
  /** out = a ka + b kb; returns max |out| (float32 out) or NaN. */
  double (*addScaled)(const View& a, double ka, const View& b, double kb, bool relu,
                      int8_t* mask, const View& out);
  /** [min, max] of x and 0 into out; false where x holds NaN or an infinity. */
  bool (*minMax)(const View& x, double* out);
  /** flag_quantize with pre = 2^xExp, post = 2^-scExp, half = 2^(k-1), top = half - 1. */
  FlagCounts (*flagQuantize)(const View& x, double pre, double post, double half, double top,
                             const View& out);
  /** out (N, C, R) = floor(f32((x - mu) rs) scale + 1/2) with p (C, 2) = [mu, rs], clamped to
   * int32; returns min(max |that|, 2^31), or NaN. */
  double (*bnXhatInt)(const View& x, int64_t N, int64_t C, int64_t R, const double* p,
                      double scale, int32_t* out);
  /** bnBackward's max |dx| (or NaN) without writing dx. */
  double (*bnBackwardMax)(const View& e, const View& x, const int8_t* mask, int64_t N,
                          int64_t C, int64_t R, const double* p, bool xhat32);
  /** flagQuantize (pre = 1) of bnBackward's float32 dx into out, without writing dx. */
  FlagCounts (*bnBackwardFlag)(const View& e, const View& x, const int8_t* mask, int64_t N,
                               int64_t C, int64_t R, const double* p, bool xhat32, double post,
                               double half, double top, const View& out);
};

extern const NormKernels NORM_PORTABLE;
extern const NormKernels* const NORM_AVX2;    // null where it cannot be built
extern const NormKernels* const NORM_AVX512;  // null where it cannot be built

const NormKernels& normKernels(Isa isa);
