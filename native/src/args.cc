// SPDX-License-Identifier: MIT
// Argument reading for the kernel bindings (see args.h).

#include "args.h"

#include <cmath>
#include <cstdio>

namespace {

bool kindOf(napi_typedarray_type t, Kind* k) {
  switch (t) {
    case napi_int8_array:
      *k = Kind::I8;
      return true;
    case napi_uint8_array:
      *k = Kind::U8;
      return true;
    case napi_int16_array:
      *k = Kind::I16;
      return true;
    case napi_int32_array:
      *k = Kind::I32;
      return true;
    case napi_uint32_array:
      *k = Kind::U32;
      return true;
    case napi_float32_array:
      *k = Kind::F32;
      return true;
    case napi_float64_array:
      *k = Kind::F64;
      return true;
    default:
      return false;
  }
}

}  // namespace

const char* kindName(Kind k) {
  switch (k) {
    case Kind::I8:
      return "Int8Array";
    case Kind::U8:
      return "Uint8Array";
    case Kind::I16:
      return "Int16Array";
    case Kind::I32:
      return "Int32Array";
    case Kind::U32:
      return "Uint32Array";
    case Kind::F32:
      return "Float32Array";
    case Kind::F64:
      return "Float64Array";
  }
  return "array";
}

napi_value Args::at(size_t i) const {
  if (i >= info_.Length()) typeError("missing argument " + std::to_string(i + 1));
  return info_[i];
}

void Args::rangeError(const std::string& message) const {
  throw Napi::RangeError::New(env(), std::string(kernel_) + ": " + message);
}

void Args::typeError(const std::string& message) const {
  throw Napi::TypeError::New(env(), std::string(kernel_) + ": " + message);
}

View Args::array(size_t i, const char* what) const {
  napi_value v = at(i);
  bool is = false;
  if (napi_is_typedarray(env(), v, &is) != napi_ok || !is)
    typeError(std::string(what) + " must be a typed array");
  napi_typedarray_type t;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env(), v, &t, &length, &data, nullptr, nullptr) != napi_ok)
    typeError(std::string("cannot read ") + what);
  Kind k;
  if (!kindOf(t, &k)) typeError(std::string(what) + " has an element type the kernels do not take");
  return View{data, static_cast<int64_t>(length), k};
}

View Args::arrayOrNull(size_t i, const char* what) const {
  napi_value v = at(i);
  napi_valuetype type;
  napi_typeof(env(), v, &type);
  if (type == napi_null || type == napi_undefined) return View{nullptr, 0, Kind::U8};
  return array(i, what);
}

double Args::number(size_t i, const char* what) const {
  double d;
  if (napi_get_value_double(env(), at(i), &d) != napi_ok)
    typeError(std::string(what) + " must be a number");
  return d;
}

int64_t Args::integer(size_t i, const char* what) const {
  const double d = number(i, what);
  if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9007199254740991.0)
    rangeError(std::string(what) + "=" + std::to_string(d) + " must be an integer");
  return static_cast<int64_t>(d);
}

int64_t Args::size(size_t i, const char* what) const {
  const double d = number(i, what);
  if (!std::isfinite(d) || d != std::trunc(d) || d < 0 || d > 9007199254740991.0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    rangeError(std::string(what) + "=" + buf + " must be an integer >= 0");
  }
  return static_cast<int64_t>(d);
}

bool Args::flag(size_t i) const {
  bool b = false;
  napi_value v = at(i);
  if (napi_get_value_bool(env(), v, &b) != napi_ok) {
    napi_value coerced;
    napi_coerce_to_bool(env(), v, &coerced);
    napi_get_value_bool(env(), coerced, &b);
  }
  return b;
}

void Args::need(const View& v, int64_t n, const std::string& what) const {
  if (v.n < n)
    rangeError(what + " needs " + std::to_string(n) + " elements, got " + std::to_string(v.n));
}

void readGeom(const Args& a, int64_t* g) {
  const View v = a.array(0, "geometry");
  if (v.kind != Kind::F64 || v.n < 12) a.typeError("the geometry must be a Float64Array(12)");
  const double* d = static_cast<const double*>(v.p);
  for (int i = 0; i < 12; i++) {
    if (!(d[i] >= 0 && d[i] == static_cast<double>(static_cast<int64_t>(d[i]))))
      a.rangeError("conv geometry sizes must be integers >= 0");
    g[i] = static_cast<int64_t>(d[i]);
  }
  if (g[6] < 1 || g[7] < 1) a.rangeError("conv geometry: strides must be >= 1");
}
