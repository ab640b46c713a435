// SPDX-License-Identifier: MIT
// int8 x int16 convolutions on the int8 direct kernels (conv-i8.h): each int16 operand v is
// split as v = 256 * hi + lo with lo = v's low byte read signed ([-128, 127]) and hi =
// (v + 128) >> 8 ([-128, 127] for v <= 32639), both int8. The int8 conv then runs once over
// a batch of 2N images, the N hi images and the N lo images, and
//   y = 256 * conv(hi) + conv(lo) (+ bias)
// in wrapping int32: each part is exact modulo 2^32, so y is exact wherever the caller's
// bound keeps it within int32 (the same bound as the int16 conv's). Where every hi is 0
// (every v within [-128, 127]) the lo conv alone runs, straight into y. The int8 conv's
// multiplies are twice the int16 operand's, as vpdpwssd's would be (2 products a lane, not
// 4); at ResNet-20's 3x3 shapes this ran 1.25-1.4x faster than the int16 GEMM routes
// (bench/conv-i8-i16.ts).
#pragma once

#include <cstdint>

#include "cpu.h"

/**
 * One instruction set's pieces. split: hi[i] = (src[i] + 128) >> 8 and lo[i] = src[i] - 256 *
 * hi[i] as int8 for i < n (hi wraps where src[i] > 32639), *maxV = max src[i] (INT16_MIN for
 * n = 0), *orHi = the OR of every hi (0: all 0). combine: out[i] = 256 * hi[i] + lo[i] + add
 * in wrapping int32 for i < n.
 */
struct ConvI8I16Micro {
  void (*split)(const int16_t* src, int64_t n, int8_t* hi, int8_t* lo, int16_t* maxV,
                int16_t* orHi);
  void (*combine)(const int32_t* hi, const int32_t* lo, int64_t n, uint32_t add, int32_t* out);
};

extern const ConvI8I16Micro* const CONV_I8_I16_AVX512;

/**
 * convI8Direct (conv-i8.h) of int16 x (N, C, H, W): y (N, M, OH*OW) = conv(x, w) + bias.
 * false (nothing written) where convI8Direct declines g or isa, or some x > 32639.
 */
bool convI8I16Direct(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int16_t* x,
                     const double* bias, int32_t* y);

/**
 * convI8InputGrad (conv-i8.h) of int16 e (N, OC, OH, OW): dx (N, C, H, W). false (nothing
 * written) where convI8InputGrad declines g or isa, or some e > 32639.
 */
bool convI8I16InputGrad(Isa isa, const int64_t* g, const int8_t* w, int64_t OC,
                        const int16_t* e, int32_t* dx);
