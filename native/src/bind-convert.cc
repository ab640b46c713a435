// SPDX-License-Identifier: MIT
// Two element passes with one portable loop each (the compiler vectorizes them; no per-ISA
// build): countAbsAtLeast(x, t), how many elements have |x| >= t (NaN never counts), which a
// dynamic fixed point quantizer tracking its exponent by overflow rate asks of every tensor it
// quantizes (in JavaScript it cost 2-9 ns per element); scaleToF32(src, scale, dst), mantissas
// to float32 values where a float layer reads a quantized tensor.

#include <cmath>
#include <cstdint>
#include <limits>

#include "args.h"
#include "bindings.h"
#include "pool.h"

namespace {

/**
 * Integers: |v| >= t <=> v >= c or v <= -c with c = ceil(t), compared in the element type so
 * the loop vectorizes (c <= the type's max here; c = max + 1 leaves only v = min). Counts per
 * task stay below 2^31 (tasks of pool::CHUNK elements).
 */
template <typename T>
int64_t countInt(const T* x, int64_t n, double t) {
  if (!(t > 0)) return n;  // every |v| >= 0 >= t
  const double hi = static_cast<double>(std::numeric_limits<T>::max());
  if (t > hi + 1) return 0;
  const bool onlyMin = t > hi;  // ceil(t) = max + 1: only min = -(max + 1) reaches it
  const T c = onlyMin ? std::numeric_limits<T>::max() : static_cast<T>(std::ceil(t));
  const T lo = onlyMin ? std::numeric_limits<T>::min() : static_cast<T>(-c);
  int64_t total = 0;
  pool::chunked(n, pool::CHUNK, [&](int64_t a, int64_t b) {
    int32_t k = 0;
    if (onlyMin)
      for (int64_t i = a; i < b; i++) k += x[i] == lo;
    else
      for (int64_t i = a; i < b; i++) k += (x[i] >= c) | (x[i] <= lo);
    __atomic_fetch_add(&total, static_cast<int64_t>(k), __ATOMIC_RELAXED);
  });
  return total;
}

/**
 * Floats: |v| >= t, compared in the element type against the least F >= t (so float input
 * compares in float and vectorizes; exact: |v| >= t <=> |v| >= that value). NaN compares false.
 */
template <typename F>
int64_t countFloat(const F* x, int64_t n, double t) {
  F tf = static_cast<F>(t);
  if (static_cast<double>(tf) < t) tf = std::nextafter(tf, std::numeric_limits<F>::infinity());
  int64_t total = 0;
  pool::chunked(n, pool::CHUNK, [&](int64_t a, int64_t b) {
    int32_t k = 0;
    for (int64_t i = a; i < b; i++) k += std::fabs(x[i]) >= tf;
    __atomic_fetch_add(&total, static_cast<int64_t>(k), __ATOMIC_RELAXED);
  });
  return total;
}

Napi::Value countAbsAtLeast(const Napi::CallbackInfo& info) {
  const Args a(info, "count_abs_at_least");
  const View x = a.array(0, "x");
  const double t = a.number(1, "t");
  if (std::isnan(t)) a.rangeError("t is NaN");
  int64_t c = 0;
  switch (x.kind) {
    case Kind::I8:
      c = countInt(static_cast<const int8_t*>(x.p), x.n, t);
      break;
    case Kind::I16:
      c = countInt(static_cast<const int16_t*>(x.p), x.n, t);
      break;
    case Kind::I32:
      c = countInt(static_cast<const int32_t*>(x.p), x.n, t);
      break;
    case Kind::F32:
      c = countFloat(static_cast<const float*>(x.p), x.n, t);
      break;
    case Kind::F64:
      c = countFloat(static_cast<const double*>(x.p), x.n, t);
      break;
    default:
      a.typeError("x must hold mantissas or floats");
  }
  return Napi::Number::New(info.Env(), static_cast<double>(c));
}

/** dst[i] = float(src[i] * scale), the product in double and rounded once (as the reference). */
template <typename T>
void scaleRange(const T* src, double scale, float* dst, int64_t n) {
  pool::chunked(n, pool::CHUNK, [&](int64_t a, int64_t b) {
    for (int64_t i = a; i < b; i++) dst[i] = static_cast<float>(static_cast<double>(src[i]) * scale);
  });
}

// scaleToF32(src, scale, dst): dst.length elements.
Napi::Value scaleToF32(const Napi::CallbackInfo& info) {
  const Args a(info, "scale_to_f32");
  const View src = a.array(0, "src");
  const double scale = a.number(1, "scale");
  const View dst = a.array(2, "dst");
  if (dst.kind != Kind::F32) a.typeError("dst must be a Float32Array");
  a.need(src, dst.n, "src");
  float* d = static_cast<float*>(dst.p);
  switch (src.kind) {
    case Kind::I8:
      scaleRange(static_cast<const int8_t*>(src.p), scale, d, dst.n);
      break;
    case Kind::I16:
      scaleRange(static_cast<const int16_t*>(src.p), scale, d, dst.n);
      break;
    case Kind::I32:
      scaleRange(static_cast<const int32_t*>(src.p), scale, d, dst.n);
      break;
    case Kind::F32:
      scaleRange(static_cast<const float*>(src.p), scale, d, dst.n);
      break;
    case Kind::F64:
      scaleRange(static_cast<const double*>(src.p), scale, d, dst.n);
      break;
    default:
      a.typeError("src must hold mantissas or floats");
  }
  return info.Env().Undefined();
}

}  // namespace

void addConvertBindings(Napi::Env env, Napi::Object target) {
  target.Set("countAbsAtLeast", Napi::Function::New(env, countAbsAtLeast, "countAbsAtLeast"));
  target.Set("scaleToF32", Napi::Function::New(env, scaleToF32, "scaleToF32"));
}
