// SPDX-License-Identifier: MIT
// Float passes with one portable loop each (no per-ISA build), in the reference's operation
// order so the bits are the same (src/kernels/ref/optim.ts, convert.ts, avgpool.ts): each
// JavaScript float64 expression is a C++ double expression, each float32 store a cast.
//   adamMoments(m, v, g, theta, b1, b2, decay), adamUpdate(u, m, v, lr, c1, c2, eps, bound)
//   axpyF64(src, scale, c): c += src * scale;  sumRowsF64(src, rows, cols, out)
//   avgpool(x, geom, scale, y), avgpoolBackward(dy, geom, scale, dx)
// Elements (rows of sum_rows, planes of pooling) are independent: split over the pool, the
// same bits for every thread count.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "args.h"
#include "bindings.h"
#include "pool.h"

namespace {

const float* f32(const Args& a, const View& v, const char* what) {
  if (v.kind != Kind::F32) a.typeError(std::string(what) + " must be a Float32Array");
  return static_cast<const float*>(v.p);
}

// adamMoments(m, v, g, theta, b1, b2, decay): gi = g + decay theta; m = b1 m + (1 - b1) gi;
// v = b2 v + (1 - b2) gi gi, all float64, stored as float32.
Napi::Value adamMoments(const Napi::CallbackInfo& info) {
  const Args a(info, "adam_moments_f32");
  const View m = a.array(0, "m"), v = a.array(1, "v"), g = a.array(2, "g"), th = a.array(3, "theta");
  const double b1 = a.number(4, "b1"), b2 = a.number(5, "b2"), decay = a.number(6, "decay");
  float* pm = const_cast<float*>(f32(a, m, "m"));
  float* pv = const_cast<float*>(f32(a, v, "v"));
  const float* pg = f32(a, g, "g");
  const float* pt = f32(a, th, "theta");
  a.need(v, m.n, "v");
  a.need(g, m.n, "g");
  a.need(th, m.n, "theta");
  pool::chunked(m.n, pool::CHUNK, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const double gi = static_cast<double>(pg[i]) + decay * static_cast<double>(pt[i]);
      pm[i] = static_cast<float>(b1 * pm[i] + (1 - b1) * gi);
      pv[i] = static_cast<float>(b2 * pv[i] + (1 - b2) * gi * gi);
    }
  });
  return info.Env().Undefined();
}

// adamUpdate(u, m, v, lr, c1, c2, eps, bound): u = lr clamp((m / c1) / (sqrt(v / c2) + eps),
// -bound, bound), NaN kept (Math.max/Math.min of NaN are NaN).
Napi::Value adamUpdate(const Napi::CallbackInfo& info) {
  const Args a(info, "adam_update_f32");
  const View u = a.array(0, "u"), m = a.array(1, "m"), v = a.array(2, "v");
  const double lr = a.number(3, "lr"), c1 = a.number(4, "c1"), c2 = a.number(5, "c2");
  const double eps = a.number(6, "eps"), bound = a.number(7, "bound");
  float* pu = const_cast<float*>(f32(a, u, "u"));
  const float* pm = f32(a, m, "m");
  const float* pv = f32(a, v, "v");
  a.need(m, u.n, "m");
  a.need(v, u.n, "v");
  pool::chunked(u.n, pool::CHUNK, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const double r = pm[i] / c1 / (std::sqrt(pv[i] / c2) + eps);
      // Math.min(bound, r) then Math.max(-bound, .): comparisons with NaN are false, so NaN
      // stays NaN (its bits are the CPU's, as JavaScript's are the engine's); -0 stays -0.
      double c = r > bound ? bound : r;
      c = c < -bound ? -bound : c;
      pu[i] = static_cast<float>(lr * c);
    }
  });
  return info.Env().Undefined();
}

// axpyF64(src, scale, c): c[i] += src[i] * scale for i < c.length; src int32 or float64.
Napi::Value axpyF64(const Napi::CallbackInfo& info) {
  const Args a(info, "axpy_f64");
  const View src = a.array(0, "src");
  const double scale = a.number(1, "scale");
  const View c = a.array(2, "c");
  if (c.kind != Kind::F64) a.typeError("c must be a Float64Array");
  a.need(src, c.n, "src");
  double* pc = static_cast<double*>(c.p);
  if (src.kind == Kind::I32) {
    const int32_t* s = static_cast<const int32_t*>(src.p);
    pool::chunked(c.n, pool::CHUNK, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) pc[i] += s[i] * scale;
    });
  } else if (src.kind == Kind::F64) {
    const double* s = static_cast<const double*>(src.p);
    pool::chunked(c.n, pool::CHUNK, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) pc[i] += s[i] * scale;
    });
  } else {
    a.typeError("src must be an Int32Array or a Float64Array");
  }
  return info.Env().Undefined();
}

// sumRowsF64(src, rows, cols, out): out[c] = the float64 sum of src (rows, cols) f32 down
// column c, rows in order. Column blocks are split over the pool.
Napi::Value sumRowsF64(const Napi::CallbackInfo& info) {
  const Args a(info, "sum_rows_f64");
  const View src = a.array(0, "src");
  const int64_t rows = a.size(1, "rows"), cols = a.size(2, "cols");
  const View out = a.array(3, "out");
  const float* s = f32(a, src, "src");
  if (out.kind != Kind::F64) a.typeError("out must be a Float64Array");
  a.need(src, rows * cols, "src");
  a.need(out, cols, "out");
  double* o = static_cast<double*>(out.p);
  const int64_t block = rows > 0 ? std::max<int64_t>(64, pool::CHUNK / rows) : cols;
  pool::chunked(cols, block, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) o[c] = 0;
    for (int64_t r = 0; r < rows; r++) {
      const float* row = s + r * cols;
      for (int64_t c = c0; c < c1; c++) o[c] += row[c];
    }
  });
  return info.Env().Undefined();
}

/** PoolGeom as [P, H, W, KH, KW, SH, SW, OH, OW]. */
struct Pool {
  int64_t P, H, W, KH, KW, SH, SW, OH, OW;
};

Pool poolGeom(const Args& a, size_t i) {
  const View g = a.array(i, "geom");
  if (g.kind != Kind::I32 || g.n < 9) a.typeError("geom must be an Int32Array of 9");
  const int32_t* v = static_cast<const int32_t*>(g.p);
  const Pool p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
  if (p.P < 0 || p.H < 0 || p.W < 0 || p.KH < 1 || p.KW < 1 || p.SH < 1 || p.SW < 1 || p.OH < 0 ||
      p.OW < 0 || (p.OH > 0 && (p.OH - 1) * p.SH + p.KH > p.H) ||
      (p.OW > 0 && (p.OW - 1) * p.SW + p.KW > p.W))
    a.rangeError("windows pass the planes' edges");
  return p;
}

// Window sums of plane p: int64 for integers (stored wrapping as an Int32Array would), float64
// in window order for floats, times scale, rounded to float32 once.
template <typename T, typename Y>
void poolPlane(const T* x, const Pool& g, double scale, Y* y, int64_t p) {
  const T* base = x + p * g.H * g.W;
  Y* out = y + p * g.OH * g.OW;
  for (int64_t oh = 0; oh < g.OH; oh++)
    for (int64_t ow = 0; ow < g.OW; ow++) {
      if constexpr (std::is_same_v<Y, int32_t>) {
        int64_t s = 0;
        for (int64_t kh = 0; kh < g.KH; kh++) {
          const T* r = base + (oh * g.SH + kh) * g.W + ow * g.SW;
          for (int64_t kw = 0; kw < g.KW; kw++) s += static_cast<int64_t>(r[kw]);
        }
        out[oh * g.OW + ow] = static_cast<int32_t>(static_cast<uint32_t>(s));
      } else {
        double s = 0;
        for (int64_t kh = 0; kh < g.KH; kh++) {
          const T* r = base + (oh * g.SH + kh) * g.W + ow * g.SW;
          for (int64_t kw = 0; kw < g.KW; kw++) s += static_cast<double>(r[kw]);
        }
        out[oh * g.OW + ow] = static_cast<float>(s * scale);
      }
    }
}

// The adjoint: each dy spread over its window; integers summed in int64 and stored wrapping,
// floats in float64 then scaled and rounded once. `acc` is one plane (H*W) of the task's own:
// a whole-tensor buffer (1 MB at ResNet-20's global pool) cost ~1 ms a step in page faults.
template <typename T, typename A, typename Y>
void poolBackPlane(const T* dy, const Pool& g, double scale, A* acc, Y* dx, int64_t p) {
  const T* d = dy + p * g.OH * g.OW;
  const int64_t n = g.H * g.W;
  for (int64_t i = 0; i < n; i++) acc[i] = 0;
  for (int64_t oh = 0; oh < g.OH; oh++)
    for (int64_t ow = 0; ow < g.OW; ow++) {
      const A v = static_cast<A>(d[oh * g.OW + ow]);
      for (int64_t kh = 0; kh < g.KH; kh++) {
        A* r = acc + (oh * g.SH + kh) * g.W + ow * g.SW;
        for (int64_t kw = 0; kw < g.KW; kw++) r[kw] += v;
      }
    }
  Y* o = dx + p * n;
  if constexpr (std::is_same_v<Y, int32_t>)
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<int32_t>(static_cast<uint32_t>(acc[i]));
  else
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<float>(acc[i] * scale);
}

template <class F>
void planes(const Pool& g, F&& f) {
  const int64_t per = pool::perTask(g.H * g.W);
  pool::chunked(g.P, per, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) f(p);
  });
}

// avgpool(x, geom, scale, y): y int32 (exact sums) or float32 (sums times scale).
Napi::Value avgpool(const Napi::CallbackInfo& info) {
  const Args a(info, "avgpool");
  const View x = a.array(0, "x");
  const Pool g = poolGeom(a, 1);
  const double scale = a.number(2, "scale");
  const View y = a.array(3, "y");
  a.need(x, g.P * g.H * g.W, "x");
  a.need(y, g.P * g.OH * g.OW, "y");
  if (y.kind != Kind::I32 && y.kind != Kind::F32) a.typeError("y must be an Int32Array or a Float32Array");
  withKind(x, [&](auto* px) {
    if (y.kind == Kind::I32)
      planes(g, [&](int64_t p) { poolPlane(px, g, scale, static_cast<int32_t*>(y.p), p); });
    else
      planes(g, [&](int64_t p) { poolPlane(px, g, scale, static_cast<float*>(y.p), p); });
  });
  return info.Env().Undefined();
}

// avgpoolBackward(dy, geom, scale, dx): dx int32 (exact) or float32 (float64 sums times scale).
Napi::Value avgpoolBackward(const Napi::CallbackInfo& info) {
  const Args a(info, "avgpool_backward");
  const View dy = a.array(0, "dy");
  const Pool g = poolGeom(a, 1);
  const double scale = a.number(2, "scale");
  const View dx = a.array(3, "dx");
  a.need(dy, g.P * g.OH * g.OW, "dy");
  a.need(dx, g.P * g.H * g.W, "dx");
  if (dx.kind != Kind::I32 && dx.kind != Kind::F32)
    a.typeError("dx must be an Int32Array or a Float32Array");
  const int64_t per = pool::perTask(g.H * g.W);
  withKind(dy, [&](auto* pd) {
    const auto run = [&](auto zero, auto* out) {
      pool::chunked(g.P, per, [&](int64_t p0, int64_t p1) {
        std::vector<decltype(zero)> acc(static_cast<size_t>(g.H * g.W));
        for (int64_t p = p0; p < p1; p++) poolBackPlane(pd, g, scale, acc.data(), out, p);
      });
    };
    if (dx.kind == Kind::I32) run(int64_t(0), static_cast<int32_t*>(dx.p));
    else run(0.0, static_cast<float*>(dx.p));
  });
  return info.Env().Undefined();
}

}  // namespace

void addFloatPassBindings(Napi::Env env, Napi::Object target) {
  target.Set("adamMoments", Napi::Function::New(env, adamMoments, "adamMoments"));
  target.Set("adamUpdate", Napi::Function::New(env, adamUpdate, "adamUpdate"));
  target.Set("axpyF64", Napi::Function::New(env, axpyF64, "axpyF64"));
  target.Set("sumRowsF64", Napi::Function::New(env, sumRowsF64, "sumRowsF64"));
  target.Set("avgpool", Napi::Function::New(env, avgpool, "avgpool"));
  target.Set("avgpoolBackward", Napi::Function::New(env, avgpoolBackward, "avgpoolBackward"));
}
