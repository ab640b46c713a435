// SPDX-License-Identifier: MIT
// The float32 backward of the fixed-point LSTM step (lstmBwdF32), and attention's integer
// softmax (softmaxFixed) and its backward (softmaxBwd). Definitions, formats and error bounds:
// src/kernels/ref/lstm.ts and softmax.ts; these compute the same bits (integers where the
// reference's float64 is exact on integers; its float64 expressions as double ones, each
// float32 rounding as a cast). Rows are independent: split over the pool.
// The LSTM step's integer forward stays on WASM (lstm_fwd_fixed): its 4-lane SIMD loop ran
// ~2.5x faster than a scalar C++ loop here (branches on the table ranges and signs of random
// pre-activations); a native version wants the same branch-free vector form.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>

#include "args.h"
#include "bindings.h"
#include "fixed-functions.h"
#include "pool.h"

namespace {

constexpr double U = 1.0 / 32768;

/** An exact accumulator (int32, or float64 holding integers) or float32, read as double. */
struct Acc {
  const void* p = nullptr;
  Kind kind = Kind::I32;
  double operator[](int64_t i) const {
    if (kind == Kind::F64) return static_cast<const double*>(p)[i];
    if (kind == Kind::F32) return static_cast<const float*>(p)[i];
    return static_cast<const int32_t*>(p)[i];
  }
};

Acc accOf(const Args& a, const View& v, const char* what, bool f32 = false) {
  if (v.kind != Kind::I32 && v.kind != Kind::F64 && !(f32 && v.kind == Kind::F32))
    a.typeError(std::string(what) + (f32 ? " must be an Int32Array, a Float64Array or a Float32Array"
                                         : " must be an Int32Array or a Float64Array"));
  return Acc{v.p, v.kind};
}

template <typename T>
T* typed(const Args& a, const View& v, Kind k, const char* what) {
  if (v.kind != k) a.typeError(std::string(what) + " must be a " + kindName(k));
  return static_cast<T*>(v.p);
}

inline bool live(const int32_t* lens, int64_t n, int64_t t) { return !lens || t < lens[n]; }

struct Need {
  size_t arg;
  const char* what;
  int64_t perRow;  // elements per batch row (H or 4H)
};

/** Every array argument holds its N rows, and lens (if any) N entries. */
void needAll(const Args& a, int64_t N, const View& lens,
             std::initializer_list<Need> arrays) {
  for (const Need& n : arrays) a.need(a.array(n.arg, n.what), N * n.perRow, n.what);
  if (lens.p) a.need(lens, N, "lens");
}

/** The reference's Math.fround of a float64. */
inline double F(double x) { return static_cast<float>(x); }

// lstmBwdF32(N, H, t, lens, dhp, scale, ey, act, tc, cPrev, dh, dc, dz)
Napi::Value lstmBwdF32(const Napi::CallbackInfo& info) {
  const Args a(info, "lstm_bwd_f32");
  const int64_t N = a.size(0, "N"), H = a.size(1, "H"), t = a.integer(2, "t");
  const View lv = a.arrayOrNull(3, "lens");
  const View dv = a.arrayOrNull(4, "dhp");
  const double scale = a.number(5, "scale");
  const View ev = a.arrayOrNull(6, "ey");
  const int16_t* act = typed<const int16_t>(a, a.array(7, "act"), Kind::I16, "act");
  const int16_t* tc = typed<const int16_t>(a, a.array(8, "tc"), Kind::I16, "tc");
  const int32_t* cPrev = typed<const int32_t>(a, a.array(9, "cPrev"), Kind::I32, "cPrev");
  float* dh = typed<float>(a, a.array(10, "dh"), Kind::F32, "dh");
  float* dc = typed<float>(a, a.array(11, "dc"), Kind::F32, "dc");
  float* dz = typed<float>(a, a.array(12, "dz"), Kind::F32, "dz");
  const int32_t* lens = lv.p ? typed<const int32_t>(a, lv, Kind::I32, "lens") : nullptr;
  const Acc dhp = dv.p ? accOf(a, dv, "dhp") : Acc{};
  const float* ey = ev.p ? typed<const float>(a, ev, Kind::F32, "ey") : nullptr;
  const int64_t G = 4 * H;
  needAll(a, N, lv, {{7, "act", G}, {8, "tc", H}, {9, "cPrev", H}, {10, "dh", H},
                           {11, "dc", H}, {12, "dz", G}});
  if (dv.p) a.need(dv, N * H, "dhp");
  if (ev.p) a.need(ev, N * H, "ey");
  pool::chunked(N, pool::perTask(G), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; n++) {
      const int64_t r = n * H;
      if (dhp.p && live(lens, n, t + 1))
        for (int64_t j = 0; j < H; j++) dh[r + j] = static_cast<float>(dhp[r + j] * scale);
      if (ey)
        for (int64_t j = 0; j < H; j++)
          dh[r + j] = static_cast<float>(static_cast<double>(dh[r + j]) + ey[r + j]);
      if (!live(lens, n, t)) {
        std::memset(dz + n * G, 0, G * sizeof(float));
        continue;
      }
      for (int64_t j = 0; j < H; j++) {
        const int64_t o = n * G + j;
        const double i = act[o] * U, fg = act[o + H] * U, g = act[o + 2 * H] * U;
        const double og = act[o + 3 * H] * U, th = tc[r + j] * U, cp = cPrev[r + j] * U;
        const double d = dh[r + j];
        const double dcj = F(dc[r + j] + F(F(d * og) * F(1 - F(th * th))));
        dz[o] = static_cast<float>(F(F(dcj * g) * i) * F(1 - i));
        dz[o + H] = static_cast<float>(F(F(dcj * cp) * fg) * F(1 - fg));
        dz[o + 2 * H] = static_cast<float>(F(dcj * i) * F(1 - F(g * g)));
        dz[o + 3 * H] = static_cast<float>(F(F(d * th) * og) * F(1 - og));
        dc[r + j] = static_cast<float>(dcj * fg);
      }
    }
  });
  return info.Env().Undefined();
}

// softmaxFixed(scores, rows, cols, valid, mult, p)
Napi::Value softmaxFixed(const Napi::CallbackInfo& info) {
  const Args a(info, "softmax_fixed");
  const View sv = a.array(0, "scores");
  const Acc sc = accOf(a, sv, "scores");
  const int64_t rows = a.size(1, "rows"), cols = a.size(2, "cols");
  const int64_t valid = a.integer(3, "valid");
  const double mult = a.number(4, "mult");
  const View pv = a.array(5, "p");
  int16_t* p = typed<int16_t>(a, pv, Kind::I16, "p");
  a.need(sv, rows * cols, "scores");
  a.need(pv, rows * cols, "p");
  const int64_t L = valid < 0 ? 0 : valid < cols ? valid : cols;
  auto expAt = [&](int64_t i, double mx) -> int64_t {
    double u = std::floor((sc[i] - mx) * mult + 0.5);
    if (u < -2147483648.0) u = -2147483648.0;
    const double e = -u;
    return e >= fixedfn::EXP_END ? 0 : fixedfn::expNeg(static_cast<int32_t>(e));
  };
  pool::chunked(rows, pool::perTask(cols * 4), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t o = r * cols;
      double mx = -INFINITY;
      for (int64_t s = 0; s < L; s++) mx = sc[o + s] > mx ? sc[o + s] : mx;
      int64_t sum = 0;
      for (int64_t s = 0; s < L; s++) sum += expAt(o + s, mx);
      const int64_t half = sum >> 1;
      for (int64_t s = 0; s < L; s++) {
        const int64_t q = (expAt(o + s, mx) * 32768 + half) / sum;
        p[o + s] = static_cast<int16_t>(q > 32767 ? 32767 : q);
      }
      for (int64_t s = L; s < cols; s++) p[o + s] = 0;
    }
  });
  return info.Env().Undefined();
}

// softmaxBwd(p, dp, dpScale, rows, cols, scale, ds)
Napi::Value softmaxBwd(const Napi::CallbackInfo& info) {
  const Args a(info, "softmax_bwd");
  const View pv = a.array(0, "p");
  const int16_t* p = typed<const int16_t>(a, pv, Kind::I16, "p");
  const View dv = a.array(1, "dp");
  const Acc dp = accOf(a, dv, "dp", true);
  const double dpScale = a.number(2, "dpScale");
  const int64_t rows = a.size(3, "rows"), cols = a.size(4, "cols");
  const double scale = a.number(5, "scale");
  const View ov = a.array(6, "ds");
  float* ds = typed<float>(a, ov, Kind::F32, "ds");
  a.need(pv, rows * cols, "p");
  a.need(dv, rows * cols, "dp");
  a.need(ov, rows * cols, "ds");
  pool::chunked(rows, pool::perTask(cols * 4), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t o = r * cols;
      double dot = 0;
      for (int64_t s = 0; s < cols; s++) dot += p[o + s] * U * (dp[o + s] * dpScale);
      for (int64_t s = 0; s < cols; s++)
        ds[o + s] = static_cast<float>(p[o + s] * U * (dp[o + s] * dpScale - dot) * scale);
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void addSequenceBindings(Napi::Env env, Napi::Object target) {
  target.Set("lstmBwdF32", Napi::Function::New(env, lstmBwdF32, "lstmBwdF32"));
  target.Set("softmaxFixed", Napi::Function::New(env, softmaxFixed, "softmaxFixed"));
  target.Set("softmaxBwd", Napi::Function::New(env, softmaxBwd, "softmaxBwd"));
}
