// SPDX-License-Identifier: MIT
// The LSTM's float-path step kernels (src/kernels/ref/lstm-float.ts) and lowbit's own float64
// exp/sigmoid/tanh over arrays: float32 arrays, float64 arithmetic in the reference's order,
// no contraction, so the same bits on every instruction set and for every thread count
// (rows are independent; tasks are row ranges).
#pragma once

#include <cstdint>

#include "cpu.h"

/** One forward step: gx, gh (N,4H), bias (4H), hPrev, cPrev (N,H) -> act (N,4H), tc, h, c. */
struct LstmFloatFwd {
  int64_t N, H, t;
  const int32_t* lens;  // (N) or null: every row live
  const float *gx, *gh, *bias, *hPrev, *cPrev;
  float *act, *tc, *h, *c;
};

/** One backward step: dhp, ey (N,H) or null; act (N,4H), tc, cPrev (N,H); dh, dc in-out; dz. */
struct LstmFloatBwd {
  int64_t N, H, t;
  const int32_t* lens;
  const float *dhp, *ey, *act, *tc, *cPrev;
  float *dh, *dc, *dz;
};

/** One instruction set's loops: rows [n0, n1) of a step, elements [i0, i1) of float_fn_f64. */
struct LstmFloatKernels {
  void (*fwdRows)(const LstmFloatFwd& a, int64_t n0, int64_t n1);
  void (*bwdRows)(const LstmFloatBwd& a, int64_t n0, int64_t n1);
  /** fn: FN_EXP, FN_SIGMOID or FN_TANH (codes.h). */
  void (*floatFn)(int fn, const double* x, double* y, int64_t i0, int64_t i1);
};

extern const LstmFloatKernels LSTM_FLOAT_PORTABLE;
extern const LstmFloatKernels* const LSTM_FLOAT_AVX512;  // null where it cannot be built

void lstmFwdFloat(Isa isa, const LstmFloatFwd& a);
void lstmBwdFloat(Isa isa, const LstmFloatBwd& a);
void floatFnF64(Isa isa, int fn, const double* x, double* y, int64_t n);
