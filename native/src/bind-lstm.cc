// SPDX-License-Identifier: MIT
// Bindings of the float-path LSTM kernels and float_fn_f64 (lstm-float.h). Argument orders
// follow src/kernels/spec.ts; lens, dhp and ey may be null.

#include <string>

#include "args.h"
#include "bindings.h"
#include "codes.h"
#include "lstm-float.h"

namespace {

Isa isaOf(const Napi::CallbackInfo& info) { return *static_cast<const Isa*>(info.Data()); }

const float* f32(const Args& a, size_t i, const char* what, int64_t n, bool orNull = false) {
  const View v = orNull ? a.arrayOrNull(i, what) : a.array(i, what);
  if (orNull && !v.p) return nullptr;
  if (v.kind != Kind::F32) a.typeError(std::string(what) + " must be a Float32Array");
  a.need(v, n, what);
  return static_cast<const float*>(v.p);
}

float* out32(const Args& a, size_t i, const char* what, int64_t n) {
  return const_cast<float*>(f32(a, i, what, n));
}

/** N, H, t from arguments 0..2 and lens (argument 3: an Int32Array of N, or null). */
void step(const Args& a, int64_t* N, int64_t* H, int64_t* t, const int32_t** lens) {
  *N = a.size(0, "N");
  *H = a.size(1, "H");
  *t = a.integer(2, "t");
  const View l = a.arrayOrNull(3, "lens");
  if (l.p && l.kind != Kind::I32) a.typeError("lens must be an Int32Array");
  if (l.p) a.need(l, *N, "lens");
  *lens = static_cast<const int32_t*>(l.p);
}

// lstmFwdFloat(N, H, t, lens, gx, gh, bias, hPrev, cPrev, act, tc, h, c)
Napi::Value lstmFwdFloatB(const Napi::CallbackInfo& info) {
  const Args a(info, "lstm_fwd_float");
  LstmFloatFwd s{};
  step(a, &s.N, &s.H, &s.t, &s.lens);
  const int64_t nh = s.N * s.H, ng = 4 * nh;
  s.gx = f32(a, 4, "gx", ng);
  s.gh = f32(a, 5, "gh", ng);
  s.bias = f32(a, 6, "bias", 4 * s.H);
  s.hPrev = f32(a, 7, "hPrev", nh);
  s.cPrev = f32(a, 8, "cPrev", nh);
  s.act = out32(a, 9, "act", ng);
  s.tc = out32(a, 10, "tc", nh);
  s.h = out32(a, 11, "h", nh);
  s.c = out32(a, 12, "c", nh);
  if (nh > 0) lstmFwdFloat(isaOf(info), s);
  return info.Env().Undefined();
}

// lstmBwdFloat(N, H, t, lens, dhp, ey, act, tc, cPrev, dh, dc, dz)
Napi::Value lstmBwdFloatB(const Napi::CallbackInfo& info) {
  const Args a(info, "lstm_bwd_float");
  LstmFloatBwd s{};
  step(a, &s.N, &s.H, &s.t, &s.lens);
  const int64_t nh = s.N * s.H, ng = 4 * nh;
  s.dhp = f32(a, 4, "dhp", nh, true);
  s.ey = f32(a, 5, "ey", nh, true);
  s.act = f32(a, 6, "act", ng);
  s.tc = f32(a, 7, "tc", nh);
  s.cPrev = f32(a, 8, "cPrev", nh);
  s.dh = out32(a, 9, "dh", nh);
  s.dc = out32(a, 10, "dc", nh);
  s.dz = out32(a, 11, "dz", ng);
  if (nh > 0) lstmBwdFloat(isaOf(info), s);
  return info.Env().Undefined();
}

// floatFnF64(fn, x, y): y.length elements
Napi::Value floatFnF64B(const Napi::CallbackInfo& info) {
  const Args a(info, "float_fn_f64");
  const int64_t fn = a.integer(0, "fn");
  if (fn != FN_EXP && fn != FN_SIGMOID && fn != FN_TANH)
    a.rangeError("unknown function code " + std::to_string(fn));
  const View x = a.array(1, "x");
  const View y = a.array(2, "y");
  if (x.kind != Kind::F64 || y.kind != Kind::F64) a.typeError("x and y must be Float64Arrays");
  a.need(x, y.n, "x");
  floatFnF64(isaOf(info), static_cast<int>(fn), static_cast<const double*>(x.p),
             static_cast<double*>(y.p), y.n);
  return info.Env().Undefined();
}

}  // namespace

void addLstmBindings(Napi::Env env, Napi::Object target, const Isa* isa) {
  void* data = const_cast<Isa*>(isa);
  target.Set("lstmFwdFloat", Napi::Function::New(env, lstmFwdFloatB, "lstmFwdFloat", data));
  target.Set("lstmBwdFloat", Napi::Function::New(env, lstmBwdFloatB, "lstmBwdFloat", data));
  target.Set("floatFnF64", Napi::Function::New(env, floatFnF64B, "floatFnF64", data));
}
