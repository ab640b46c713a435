// SPDX-License-Identifier: MIT
// Attention's integer softmax (softmaxFixed) and its backward (softmaxBwd). Definitions and
// error bounds: src/kernels/ref/softmax.ts; these compute the same bits (integers where the
// reference's float64 is exact on integers; its float64 expressions as double ones, the
// float32 rounding a cast). Rows are independent: split over the pool.

#include <cmath>
#include <cstdint>
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

// softmaxFixed(scores, rows, cols, valid, mult, p); valid a number or an Int32Array (rows)
Napi::Value softmaxFixed(const Napi::CallbackInfo& info) {
  const Args a(info, "softmax_fixed");
  const View sv = a.array(0, "scores");
  const Acc sc = accOf(a, sv, "scores");
  const int64_t rows = a.size(1, "rows"), cols = a.size(2, "cols");
  // valid: one count for every row, or an Int32Array of one per row.
  const bool perRow = info[3].IsTypedArray();
  const View vv = perRow ? a.array(3, "valid") : View{nullptr, 0, Kind::I32};
  const int32_t* validRows = perRow ? typed<const int32_t>(a, vv, Kind::I32, "valid") : nullptr;
  const int64_t valid = perRow ? 0 : a.integer(3, "valid");
  const double mult = a.number(4, "mult");
  const View pv = a.array(5, "p");
  int16_t* p = typed<int16_t>(a, pv, Kind::I16, "p");
  a.need(sv, rows * cols, "scores");
  a.need(pv, rows * cols, "p");
  if (perRow) a.need(vv, rows, "valid");
  auto expAt = [&](int64_t i, double mx) -> int64_t {
    double u = std::floor((sc[i] - mx) * mult + 0.5);
    if (u < -2147483648.0) u = -2147483648.0;
    const double e = -u;
    return e >= fixedfn::EXP_END ? 0 : fixedfn::expNeg(static_cast<int32_t>(e));
  };
  pool::chunked(rows, pool::perTask(cols * 4), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t v = perRow ? validRows[r] : valid;
      const int64_t L = v < 0 ? 0 : v < cols ? v : cols;
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

void addSoftmaxBindings(Napi::Env env, Napi::Object target) {
  target.Set("softmaxFixed", Napi::Function::New(env, softmaxFixed, "softmaxFixed"));
  target.Set("softmaxBwd", Napi::Function::New(env, softmaxBwd, "softmaxBwd"));
}
