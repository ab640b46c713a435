// SPDX-License-Identifier: MIT
// The float-path LSTM kernels' drivers (lstm-float.h): the portable loops, the choice of the
// AVX-512 ones, and tasks of whole rows over the pool (each row's bits are its own, so every
// thread count gives the same results).

#include "lstm-float.h"

#include <cstdint>

#include "codes.h"
#include "pool.h"

namespace {
#include "float-fn-impl.h"
#include "lstm-float-impl.h"

const LstmFloatKernels& kernelsFor(Isa isa) {
  return avx512(isa) && LSTM_FLOAT_AVX512 ? *LSTM_FLOAT_AVX512 : LSTM_FLOAT_PORTABLE;
}

/** Rows per task: about 8192 gate elements each (smaller steps stay on the calling thread). */
int64_t rowsPerTask(int64_t H) {
  const int64_t g = 4 * (H > 0 ? H : 1);
  return g >= 8192 ? 1 : 8192 / g;
}
}  // namespace

const LstmFloatKernels LSTM_FLOAT_PORTABLE{lfFwdRowsScalar, lfBwdRowsScalar, lfFloatFnScalar};

void lstmFwdFloat(Isa isa, const LstmFloatFwd& a) {
  const LstmFloatKernels& k = kernelsFor(isa);
  pool::chunked(a.N, rowsPerTask(a.H), [&](int64_t n0, int64_t n1) { k.fwdRows(a, n0, n1); });
}

void lstmBwdFloat(Isa isa, const LstmFloatBwd& a) {
  const LstmFloatKernels& k = kernelsFor(isa);
  pool::chunked(a.N, rowsPerTask(a.H), [&](int64_t n0, int64_t n1) { k.bwdRows(a, n0, n1); });
}

void floatFnF64(Isa isa, int fn, const double* x, double* y, int64_t n) {
  const LstmFloatKernels& k = kernelsFor(isa);
  pool::chunked(n, 4096, [&](int64_t i0, int64_t i1) { k.floatFn(fn, x, y, i0, i1); });
}
