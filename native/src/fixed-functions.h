// SPDX-License-Identifier: MIT
// exp(-x) on fixed-point integers by linear interpolation in the Q20 table of fixed-tables.h
// (which also holds the LSTM gates' sigmoid and tanh tables): Q.12 input, Q0.15 output.
// Definitions and error bounds: src/kernels/ref/fixed-functions.ts; integer arithmetic here
// gives the same bits (the reference's float64 expressions are exact on these integers; >> is
// a floor division).
#pragma once

#include <cstdint>

#include "fixed-tables.h"

namespace fixedfn {

constexpr int32_t EXP_END = 12 << 12;

/** T[k] + floor(((T[k+1] - T[k]) r + 32) / 64), k = a >> 6, r = a & 63; 0 <= a < end. */
inline int32_t interp(const int32_t* t, int32_t a) {
  const int32_t k = a >> 6;
  const int32_t r = a & 63;
  return t[k] + (((t[k + 1] - t[k]) * r + 32) >> 6);
}

inline int32_t q15(int32_t v20) { return (v20 + 16) >> 5; }

/** exp(-a) of a Q.12 integer a >= 0, Q0.15 in [0, 32768]. */
inline int32_t expNeg(int32_t a) { return a >= EXP_END ? 0 : q15(interp(EXPNEG_Q20, a)); }

}  // namespace fixedfn
