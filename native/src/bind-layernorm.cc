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

/** Row r's mean and 1/sigma from its sums, in the reference's operations. */
inline double invSigmaOf(double ss, double fD, double unit, double eps) {
  return 1.0 / std::sqrt((ss / fD) * unit * unit + eps);
}

template <typename X>
void normaliseRow(const X* xr, double mu, double is, int64_t D, double unit, const float* g,
                  const float* b, float* y, float* xhat) {
  for (int64_t d = 0; d < D; d++) {
    const double h = (static_cast<double>(xr[d]) - mu) * unit * is;
    xhat[d] = static_cast<float>(h);
    y[d] = static_cast<float>(static_cast<double>(g[d]) * h + static_cast<double>(b[d]));
  }
}

// Rows in groups of G: each row's sums still run in order d (the same bits), but the G
// independent chains of float64 adds overlap (one row's chain is bound by the add latency).
constexpr int64_t G = 4;

template <typename X>
void forwardRows(const X* x, int64_t r0, int64_t r1, int64_t D, double unit, double eps,
                 const float* g, const float* b, float* y, float* xhat, double* inv) {
  const double fD = static_cast<double>(D);
  int64_t r = r0;
  for (; r + G <= r1; r += G) {
    const X* xr = x + r * D;
    double s[G] = {0, 0, 0, 0}, ss[G] = {0, 0, 0, 0}, mu[G];
    for (int64_t d = 0; d < D; d++)
      for (int64_t j = 0; j < G; j++) s[j] += static_cast<double>(xr[j * D + d]);
    for (int64_t j = 0; j < G; j++) mu[j] = s[j] / fD;
    for (int64_t d = 0; d < D; d++)
      for (int64_t j = 0; j < G; j++) {
        const double c = static_cast<double>(xr[j * D + d]) - mu[j];
        ss[j] += c * c;
      }
    for (int64_t j = 0; j < G; j++) {
      const double is = invSigmaOf(ss[j], fD, unit, eps);
      inv[r + j] = is;
      normaliseRow(xr + j * D, mu[j], is, D, unit, g, b, y + (r + j) * D, xhat + (r + j) * D);
    }
  }
  for (; r < r1; r++) {
    const X* xr = x + r * D;
    double s = 0;
    for (int64_t d = 0; d < D; d++) s += static_cast<double>(xr[d]);
    const double mu = s / fD;
    double ss = 0;
    for (int64_t d = 0; d < D; d++) {
      const double c = static_cast<double>(xr[d]) - mu;
      ss += c * c;
    }
    const double is = invSigmaOf(ss, fD, unit, eps);
    inv[r] = is;
    normaliseRow(xr, mu, is, D, unit, g, b, y + r * D, xhat + r * D);
  }
}

/** Row r's dx from its means m1, m2 (forwardRows' order of operations). */
template <typename X>
void dxRow(const X* er, double unit, const float* xh, double m1, double m2, double is,
           const float* g, int64_t D, float* dx) {
  for (int64_t d = 0; d < D; d++) {
    const double gd = static_cast<double>(er[d]) * unit * static_cast<double>(g[d]);
    dx[d] = static_cast<float>((gd - m1 - static_cast<double>(xh[d]) * m2) * is);
  }
}

// Rows in groups of G as forwardRows; dgamma and dbeta still add the rows in order r.
template <typename X>
void backwardRows(const X* e, double unit, const float* xhat, const double* inv, const float* g,
                  int64_t R, int64_t D, float* dx, double* dgb) {
  const double fD = static_cast<double>(D);
  std::memset(dgb, 0, sizeof(double) * 2 * D);
  double* dbs = dgb + D;
  int64_t r = 0;
  for (; r + G <= R; r += G) {
    const int64_t o = r * D;
    double m1[G] = {0, 0, 0, 0}, m2[G] = {0, 0, 0, 0};
    for (int64_t d = 0; d < D; d++) {
      const double gdd = static_cast<double>(g[d]);
      for (int64_t j = 0; j < G; j++) {
        const double ed = static_cast<double>(e[o + j * D + d]) * unit;
        const double xh = xhat[o + j * D + d];
        dgb[d] += ed * xh;
        dbs[d] += ed;
        const double gd = ed * gdd;
        m1[j] += gd;
        m2[j] += gd * xh;
      }
    }
    for (int64_t j = 0; j < G; j++)
      dxRow(e + o + j * D, unit, xhat + o + j * D, m1[j] / fD, m2[j] / fD, inv[r + j], g, D,
            dx + o + j * D);
  }
  for (; r < R; r++) {
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
    dxRow(e + o, unit, xhat + o, m1 / fD, m2 / fD, inv[r], g, D, dx + o);
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
  pool::chunked(R, pool::perTask(D * 64), [&](int64_t r0, int64_t r1) {
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
