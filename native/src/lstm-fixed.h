// SPDX-License-Identifier: MIT
// The fixed-point LSTM step's integer forward (src/kernels/ref/lstm.ts lstm_fwd_fixed) on
// AVX-512 for its common case: int32 accumulators gx, gh brought onto Q.12 by shifts: right
// shifts of 1..31 bits (rounding), none, or left shifts of up to 24 (exact; terms clamp at
// 2^24 either way). Float64 accumulators and larger left shifts stay on the base kernels.
#pragma once

#include <cstdint>

/** One step: gx, gh (N,4H) int32, b12 (4H), hPrev, cPrev (N,H) -> act (N,4H), tc, h, c. */
struct LstmFixedFwd {
  int64_t N, H, t;
  const int32_t* lens;  // (N) or null: every row live
  const int32_t *gx, *gh;
  int srx, srh;  // right shifts, -24..31 (negative: left shifts)
  const int32_t* b12;
  const int16_t* hPrev;
  const int32_t* cPrev;
  int16_t *act, *tc, *h;
  int32_t* c;
};

/** Rows [n0, n1) of a step; null where AVX-512 could not be built. */
extern void (*const LSTM_FIXED_FWD_AVX512)(const LstmFixedFwd& a, int64_t n0, int64_t n1);
