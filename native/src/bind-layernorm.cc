// SPDX-License-Identifier: MIT
// LayerNorm's forward and backward over rows (R, D) (layernormForward, layernormBackward): the
// float64 arithmetic of src/kernels/ref/layernorm.ts in its order, sums in order d, so one
// portable scalar loop (lanes would reorder the float sums; -ffp-contract=off keeps every
// product and sum rounded on its own). x and e are read as their stored numbers, any kind.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "args.h"
#include "bindings.h"
#include "pool.h"

namespace {

template <typename T>
T* typed(const Args& a, const View& v, Kind k, const char* what) {
  if (v.kind != k) a.typeError(std::string(what) + " must be a " + kindName(k));
  return static_cast<T*>(v.p);
}

template <typename X>
void forwardRows(const X* x, int64_t r0, int64_t r1, int64_t D, double unit, double eps,
                 const float* g, const float* b, float* y, float* xhat, double* inv) {
  const double fD = static_cast<double>(D);
  for (int64_t r = r0; r < r1; r++) {
    const X* xr = x + r * D;
    double s = 0;
    for (int64_t d = 0; d < D; d++) s += static_cast<double>(xr[d]);
    const double mu = s / fD;
    double ss = 0;
    for (int64_t d = 0; d < D; d++) {
      const double c = static_cast<double>(xr[d]) - mu;
      ss += c * c;
    }
    const double is = 1.0 / std::sqrt((ss / fD) * unit * unit + eps);
    inv[r] = is;
    for (int64_t d = 0; d < D; d++) {
      const double h = (static_cast<double>(xr[d]) - mu) * unit * is;
      xhat[r * D + d] = static_cast<float>(h);
      y[r * D + d] = static_cast<float>(static_cast<double>(g[d]) * h + static_cast<double>(b[d]));
    }
  }
}

template <typename X>
void backwardRows(const X* e, double unit, const float* xhat, const double* inv, const float* g,
                  int64_t R, int64_t D, float* dx, double* dgb) {
  const double fD = static_cast<double>(D);
  std::memset(dgb, 0, sizeof(double) * 2 * D);
  double* dbs = dgb + D;
  for (int64_t r = 0; r < R; r++) {
    const int64_t o = r * D;
    double m1 = 0, m2 = 0;
    for (int64_t d = 0; d < D; d++) {
      const double ed = static_cast<double>(e[o + d]) * unit;
      const double xh = xhat[o + d];
      dgb[d] += ed * xh;
      dbs[d] += ed;
      const double gd = ed * static_cast<double>(g[d]);
      m1 += gd;
      m2 += gd * xh;
    }
    m1 /= fD;
    m2 /= fD;
    for (int64_t d = 0; d < D; d++) {
      const double gd = static_cast<double>(e[o + d]) * unit * static_cast<double>(g[d]);
      dx[o + d] = static_cast<float>((gd - m1 - static_cast<double>(xhat[o + d]) * m2) * inv[r]);
    }
  }
}

// layernormForward(x, R, D, unit, eps, g, b, y, xhat, invSigma)
Napi::Value layernormForward(const Napi::CallbackInfo& info) {
  const Args a(info, "layernorm_forward");
  const View xv = a.array(0, "x");
  const int64_t R = a.size(1, "R"), D = a.size(2, "D");
  const double unit = a.number(3, "unit"), eps = a.number(4, "eps");
  const View gv = a.array(5, "g"), bv = a.array(6, "b");
  const View yv = a.array(7, "y"), hv = a.array(8, "xhat"), iv = a.array(9, "invSigma");
  const float* g = typed<const float>(a, gv, Kind::F32, "g");
  const float* b = typed<const float>(a, bv, Kind::F32, "b");
  float* y = typed<float>(a, yv, Kind::F32, "y");
  float* xhat = typed<float>(a, hv, Kind::F32, "xhat");
  double* inv = typed<double>(a, iv, Kind::F64, "invSigma");
  if (xv.kind == Kind::U8 || xv.kind == Kind::U32) a.typeError("x must be an int or float array");
  a.need(xv, R * D, "x");
  a.need(gv, D, "g");
  a.need(bv, D, "b");
  a.need(yv, R * D, "y");
  a.need(hv, R * D, "xhat");
  a.need(iv, R, "invSigma");
  // Rows are independent: split over the pool (each row's order is the same on any split).
  pool::chunked(R, pool::perTask(D * 8), [&](int64_t r0, int64_t r1) {
    withKind(xv, [&](auto* x) { forwardRows(x, r0, r1, D, unit, eps, g, b, y, xhat, inv); });
  });
  return info.Env().Undefined();
}

// layernormBackward(e, unit, xhat, invSigma, g, R, D, dx, dgb)
Napi::Value layernormBackward(const Napi::CallbackInfo& info) {
  const Args a(info, "layernorm_backward");
  const View ev = a.array(0, "e");
  const double unit = a.number(1, "unit");
  const View hv = a.array(2, "xhat"), iv = a.array(3, "invSigma"), gv = a.array(4, "g");
  const int64_t R = a.size(5, "R"), D = a.size(6, "D");
  const View dv = a.array(7, "dx"), sv = a.array(8, "dgb");
  const float* xhat = typed<const float>(a, hv, Kind::F32, "xhat");
  const double* inv = typed<const double>(a, iv, Kind::F64, "invSigma");
  const float* g = typed<const float>(a, gv, Kind::F32, "g");
  float* dx = typed<float>(a, dv, Kind::F32, "dx");
  double* dgb = typed<double>(a, sv, Kind::F64, "dgb");
  if (ev.kind == Kind::U8 || ev.kind == Kind::U32) a.typeError("e must be an int or float array");
  a.need(ev, R * D, "e");
  a.need(hv, R * D, "xhat");
  a.need(iv, R, "invSigma");
  a.need(gv, D, "g");
  a.need(dv, R * D, "dx");
  a.need(sv, 2 * D, "dgb");
  // One thread: the parameter sums run over rows in order.
  withKind(ev, [&](auto* e) { backwardRows(e, unit, xhat, inv, g, R, D, dx, dgb); });
  return info.Env().Undefined();
}

}  // namespace

void addLayernormBindings(Napi::Env env, Napi::Object target) {
  target.Set("layernormForward", Napi::Function::New(env, layernormForward, "layernormForward"));
  target.Set("layernormBackward",
             Napi::Function::New(env, layernormBackward, "layernormBackward"));
}
