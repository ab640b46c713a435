// SPDX-License-Identifier: MIT
// The float-path LSTM step and its backward over rows [n0, n1), scalar (lstm-float.h; the
// arithmetic of src/kernels/ref/lstm-float.ts in its order). Included inside an anonymous
// namespace after float-fn-impl.h; builtins only.

inline bool lfLive(const int32_t* lens, int64_t n, int64_t t) { return !lens || t < lens[n]; }

/** A carried row: h, c copied, tc and the row's act zero. */
inline void lfCarry(const LstmFloatFwd& a, int64_t n) {
  const int64_t H = a.H, r = n * H;
  __builtin_memcpy(a.h + r, a.hPrev + r, sizeof(float) * H);
  __builtin_memcpy(a.c + r, a.cPrev + r, sizeof(float) * H);
  for (int64_t j = 0; j < H; j++) a.tc[r + j] = 0;
  for (int64_t j = 0; j < 4 * H; j++) a.act[n * 4 * H + j] = 0;
}

/** dh = dhp on rows live at t+1, dh += ey (float32), dz = 0 on carried rows; false if carried. */
inline bool lfBwdPrologue(const LstmFloatBwd& a, int64_t n) {
  const int64_t H = a.H, r = n * H;
  if (a.dhp && lfLive(a.lens, n, a.t + 1)) __builtin_memcpy(a.dh + r, a.dhp + r, sizeof(float) * H);
  if (a.ey)
    for (int64_t j = 0; j < H; j++) a.dh[r + j] = a.dh[r + j] + a.ey[r + j];
  if (lfLive(a.lens, n, a.t)) return true;
  for (int64_t j = 0; j < 4 * H; j++) a.dz[n * 4 * H + j] = 0;
  return false;
}

inline double lfZ(const LstmFloatFwd& a, int64_t at, int64_t b) {
  return static_cast<double>(a.gx[at]) + static_cast<double>(a.gh[at]) +
         static_cast<double>(a.bias[b]);
}

void lfFwdRowsScalar(const LstmFloatFwd& a, int64_t n0, int64_t n1) {
  const int64_t H = a.H, G = 4 * H;
  for (int64_t n = n0; n < n1; n++) {
    if (!lfLive(a.lens, n, a.t)) {
      lfCarry(a, n);
      continue;
    }
    const int64_t r = n * H;
    for (int64_t j = 0; j < H; j++) {
      const int64_t at = n * G + j;
      const double i = ffSigmoid(lfZ(a, at, j));
      const double f = ffSigmoid(lfZ(a, at + H, H + j));
      const double g = ffTanh(lfZ(a, at + 2 * H, 2 * H + j));
      const double o = ffSigmoid(lfZ(a, at + 3 * H, 3 * H + j));
      a.act[at] = static_cast<float>(i);
      a.act[at + H] = static_cast<float>(f);
      a.act[at + 2 * H] = static_cast<float>(g);
      a.act[at + 3 * H] = static_cast<float>(o);
      const double cn = f * static_cast<double>(a.cPrev[r + j]) + i * g;
      const double th = ffTanh(cn);
      a.c[r + j] = static_cast<float>(cn);
      a.tc[r + j] = static_cast<float>(th);
      a.h[r + j] = static_cast<float>(o * th);
    }
  }
}

void lfBwdRowsScalar(const LstmFloatBwd& a, int64_t n0, int64_t n1) {
  const int64_t H = a.H, G = 4 * H;
  for (int64_t n = n0; n < n1; n++) {
    if (!lfBwdPrologue(a, n)) continue;
    const int64_t r = n * H;
    for (int64_t j = 0; j < H; j++) {
      const int64_t at = n * G + j;
      const double i = a.act[at], f = a.act[at + H], g = a.act[at + 2 * H],
                   o = a.act[at + 3 * H];
      const double th = a.tc[r + j], d = a.dh[r + j];
      const double dcj = static_cast<double>(a.dc[r + j]) + d * o * (1 - th * th);
      a.dz[at] = static_cast<float>(dcj * g * i * (1 - i));
      a.dz[at + H] = static_cast<float>(dcj * static_cast<double>(a.cPrev[r + j]) * f * (1 - f));
      a.dz[at + 2 * H] = static_cast<float>(dcj * i * (1 - g * g));
      a.dz[at + 3 * H] = static_cast<float>(d * th * o * (1 - o));
      a.dc[r + j] = static_cast<float>(dcj * f);
    }
  }
}

void lfFloatFnScalar(int fn, const double* x, double* y, int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; i++)
    y[i] = fn == FN_EXP ? ffExp(x[i]) : fn == FN_SIGMOID ? ffSigmoid(x[i]) : ffTanh(x[i]);
}
