// SPDX-License-Identifier: MIT
// Bindings of the float-path LSTM kernels and float_fn_f64 (lstm-float.h), and of the
// fixed-point step's AVX-512 forward (lstm-fixed.h). Argument orders
// follow src/kernels/spec.ts; lens, dhp and ey may be null.

#include <string>

#include "args.h"
#include "bindings.h"
#include "codes.h"
#include "lstm-fixed.h"
#include "lstm-float.h"
#include "pool.h"

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

template <typename T>
T* typed(const Args& a, size_t i, const char* what, Kind k, int64_t n) {
  const View v = a.array(i, what);
  if (v.kind != k) a.typeError(std::string(what) + " must be a " + kindName(k));
  a.need(v, n, what);
  return static_cast<T*>(v.p);
}

// lstmFwdFixedI32(N, H, t, lens, gx, srx, gh, srh, b12, hPrev, cPrev, act, tc, h, c): the
// fixed-point step for int32 accumulators and right shifts -24..31 (lstm-fixed.h); false
// (nothing written) where this instruction set has no such loop.
Napi::Value lstmFwdFixedI32B(const Napi::CallbackInfo& info) {
  const Args a(info, "lstm_fwd_fixed");
  if (!avx512(isaOf(info)) || !LSTM_FIXED_FWD_AVX512) return Napi::Boolean::New(info.Env(), false);
  LstmFixedFwd s{};
  step(a, &s.N, &s.H, &s.t, &s.lens);
  const int64_t nh = s.N * s.H, ng = 4 * nh;
  s.gx = typed<const int32_t>(a, 4, "gx", Kind::I32, ng);
  s.srx = static_cast<int>(a.integer(5, "srx"));
  s.gh = typed<const int32_t>(a, 6, "gh", Kind::I32, ng);
  s.srh = static_cast<int>(a.integer(7, "srh"));
  if (s.srx < -24 || s.srx > 31 || s.srh < -24 || s.srh > 31)
    a.rangeError("shifts must be in -24..31");
  s.b12 = typed<const int32_t>(a, 8, "b12", Kind::I32, 4 * s.H);
  s.hPrev = typed<const int16_t>(a, 9, "hPrev", Kind::I16, nh);
  s.cPrev = typed<const int32_t>(a, 10, "cPrev", Kind::I32, nh);
  s.act = typed<int16_t>(a, 11, "act", Kind::I16, ng);
  s.tc = typed<int16_t>(a, 12, "tc", Kind::I16, nh);
  s.h = typed<int16_t>(a, 13, "h", Kind::I16, nh);
  s.c = typed<int32_t>(a, 14, "c", Kind::I32, nh);
  // Rows of about 8192 gate elements a task (the same bits on every thread count).
  const int64_t g = 4 * (s.H > 0 ? s.H : 1);
  pool::chunked(s.N, g >= 8192 ? 1 : 8192 / g,
                [&](int64_t n0, int64_t n1) { LSTM_FIXED_FWD_AVX512(s, n0, n1); });
  return Napi::Boolean::New(info.Env(), true);
}

}  // namespace

void addLstmBindings(Napi::Env env, Napi::Object target, const Isa* isa) {
  void* data = const_cast<Isa*>(isa);
  target.Set("lstmFwdFloat", Napi::Function::New(env, lstmFwdFloatB, "lstmFwdFloat", data));
  target.Set("lstmBwdFloat", Napi::Function::New(env, lstmBwdFloatB, "lstmBwdFloat", data));
  target.Set("floatFnF64", Napi::Function::New(env, floatFnF64B, "floatFnF64", data));
  target.Set("lstmFwdFixedI32", Napi::Function::New(env, lstmFwdFixedI32B, "lstmFwdFixedI32", data));
}
