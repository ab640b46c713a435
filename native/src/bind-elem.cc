// SPDX-License-Identifier: MIT
// Bindings of the elementwise, layer and im2col kernels. Argument orders follow
// src/kernels/spec.ts; src/kernels/native/ passes what JavaScript computes (2^-exp, rounding
// codes, the generator's state) exactly as the WebAssembly kernels take it.

#include <string>

#include "args.h"
#include "bindings.h"
#include "codes.h"
#include "gemm.h"
#include "kernels.h"

namespace {

const ElemKernels& kern(const Napi::CallbackInfo& info) {
  return elemKernels(*static_cast<const Isa*>(info.Data()));
}

bool isInt(Kind k) { return k == Kind::I8 || k == Kind::I16 || k == Kind::I32; }
bool isAny(Kind k) { return isInt(k) || k == Kind::F32 || k == Kind::F64; }

void sameKind(const Args& a, const View& x, const View& y, const char* what) {
  if (x.kind != y.kind) a.typeError(std::string(what) + " must have the type of its input");
}

/** The generator state argument: a Uint32Array of 4 words, or null (not stochastic). */
uint32_t* rngState(const Args& a, size_t i, int mode) {
  const View st = a.arrayOrNull(i, "rng state");
  if (mode != ROUND_STOCHASTIC) return nullptr;
  if (!st.p) a.typeError("stochastic rounding needs a seeded rng");
  if (st.kind != Kind::U32 || st.n < 4) a.typeError("the rng state must be a Uint32Array(4)");
  return static_cast<uint32_t*>(st.p);
}

int roundingMode(const Args& a, size_t i) {
  const int64_t m = a.integer(i, "rounding");
  if (m != ROUND_NEAREST && m != ROUND_STOCHASTIC && m != ROUND_FLOOR)
    a.rangeError("rounding code " + std::to_string(m) + " is not nearest, stochastic or floor");
  return static_cast<int>(m);
}

void putCounts(const Args& a, size_t i, const QuantCounts& c) {
  const View out = a.array(i, "counts");
  if (out.kind != Kind::F64 || out.n < 2) a.typeError("counts must be a Float64Array(2)");
  static_cast<double*>(out.p)[0] = static_cast<double>(c.saturated);
  static_cast<double*>(out.p)[1] = static_cast<double>(c.underflow);
}

void intOut(const Args& a, const View& out, int64_t n) {
  if (!isInt(out.kind)) a.typeError("out must be an Int8Array, Int16Array or Int32Array");
  if (out.n < n)
    a.rangeError("out holds " + std::to_string(out.n) + " elements, input has " +
                 std::to_string(n));
}

// quantize(values, scale, lo, hi, rounding, rngState, out, counts)
Napi::Value quantize(const Napi::CallbackInfo& info) {
  const Args a(info, "quantize");
  const View v = a.array(0, "values");
  if (v.kind != Kind::F32 && v.kind != Kind::F64)
    a.typeError("values must be a Float32Array or Float64Array");
  const int mode = roundingMode(a, 4);
  uint32_t* st = rngState(a, 5, mode);
  const View out = a.array(6, "out");
  intOut(a, out, v.n);
  const QuantCounts c = kern(info).quantize(v, a.number(1, "scale"), a.number(2, "lo"),
                                            a.number(3, "hi"), mode, st, out);
  putCounts(a, 7, c);
  return info.Env().Undefined();
}

// requantize(mant, s, div, half, p24, lo, hi, rounding, rngState, out, counts)
Napi::Value requantize(const Napi::CallbackInfo& info) {
  const Args a(info, "requantize");
  const View m = a.array(0, "mant");
  if (!isInt(m.kind) && m.kind != Kind::F64)
    a.typeError("mant must be an Int8Array, Int16Array, Int32Array or Float64Array");
  const int mode = roundingMode(a, 7);
  uint32_t* st = rngState(a, 8, mode);
  const View out = a.array(9, "out");
  intOut(a, out, m.n);
  const int64_t s = a.integer(1, "shift");
  if (s < -2000 || s > 2000) a.rangeError("shift " + std::to_string(s) + " is out of range");
  const QuantCounts c = kern(info).requantize(
      m, static_cast<int>(s), a.number(2, "div"), a.number(3, "half"), a.number(4, "p24"),
      a.number(5, "lo"), a.number(6, "hi"), mode, st, out);
  putCounts(a, 10, c);
  return info.Env().Undefined();
}

Napi::Value maxAbs(const Napi::CallbackInfo& info) {
  const Args a(info, "maxAbs");
  const View x = a.array(0, "x");
  if (!isAny(x.kind)) a.typeError("x must hold mantissas or floats");
  return Napi::Number::New(info.Env(), kern(info).maxAbs(x));
}

Napi::Value sumAbs(const Napi::CallbackInfo& info) {
  const Args a(info, "sumAbs");
  const View x = a.array(0, "x");
  if (!isAny(x.kind)) a.typeError("x must hold mantissas or floats");
  return Napi::Number::New(info.Env(), kern(info).sumAbs(x));
}

// relu(x, y, mask)
Napi::Value relu(const Napi::CallbackInfo& info) {
  const Args a(info, "relu");
  const View x = a.array(0, "x"), y = a.array(1, "y"), mask = a.arrayOrNull(2, "mask");
  if (!isAny(x.kind)) a.typeError("x must hold mantissas or floats");
  if (y.kind != x.kind) a.typeError("y must have the type of x");
  a.need(y, x.n, "y");
  if (mask.p && mask.kind != Kind::I8) a.typeError("mask must be an Int8Array");
  if (mask.p) a.need(mask, x.n, "mask");
  kern(info).relu(x, y, static_cast<int8_t*>(mask.p));
  return info.Env().Undefined();
}

// reluBackward(m, dy, dx, wantMax): max |dx| when wantMax (NaN for NaN or an infinity), else NaN
Napi::Value reluBackward(const Napi::CallbackInfo& info) {
  const Args a(info, "relu_backward");
  const View m = a.array(0, "m"), dy = a.array(1, "dy"), dx = a.array(2, "dx");
  if (!isAny(m.kind) || !isAny(dy.kind)) a.typeError("m and dy must hold mantissas or floats");
  sameKind(a, dy, dx, "dx");
  a.need(dy, m.n, "dy");
  a.need(dx, m.n, "dx");
  const bool wantMax = info.Length() > 3 && info[3].ToBoolean().Value();
  return Napi::Number::New(info.Env(), kern(info).reluBackward(m, dy, dx, wantMax));
}

// swapOuter(src, A, B, R, bias, out)
Napi::Value swapOuter(const Napi::CallbackInfo& info) {
  const Args a(info, "swap_outer");
  const View src = a.array(0, "src");
  const int64_t A = a.size(1, "A"), B = a.size(2, "B"), R = a.size(3, "R");
  const View bias = a.arrayOrNull(4, "bias"), out = a.array(5, "out");
  if (!isAny(src.kind)) a.typeError("src must hold mantissas or floats");
  sameKind(a, src, out, "out");
  a.need(src, A * B * R, "src");
  a.need(out, A * B * R, "out");
  if (bias.p && bias.kind != Kind::F64) a.typeError("bias must be a Float64Array");
  if (bias.p) a.need(bias, A, "bias");
  kern(info).swapOuter(src, A, B, R, static_cast<const double*>(bias.p), out);
  return info.Env().Undefined();
}

// maxpool(x, NC, H, W, K, S, y, arg) and maxpoolBackward(dy, arg, NC, H, W, K, S, dx)
struct PoolDims {
  int64_t NC, H, W, K, S, OH, OW;
};

PoolDims poolDims(const Args& a, size_t i) {
  PoolDims d{a.size(i, "NC"), a.size(i + 1, "H"), a.size(i + 2, "W"), a.size(i + 3, "K"),
             a.size(i + 4, "S"), 0, 0};
  if (d.K < 1 || d.S < 1 || d.K > 15)
    a.rangeError("window " + std::to_string(d.K) + " and stride " + std::to_string(d.S) +
                 " must be 1..15 and >= 1");
  d.OH = d.H >= d.K ? (d.H - d.K) / d.S + 1 : 0;
  d.OW = d.W >= d.K ? (d.W - d.K) / d.S + 1 : 0;
  return d;
}

Napi::Value maxpool(const Napi::CallbackInfo& info) {
  const Args a(info, "maxpool");
  const View x = a.array(0, "x");
  const PoolDims d = poolDims(a, 1);
  const View y = a.array(6, "y"), arg = a.array(7, "arg");
  if (!isAny(x.kind)) a.typeError("x must hold mantissas or floats");
  sameKind(a, x, y, "y");
  if (arg.kind != Kind::U8) a.typeError("arg must be a Uint8Array");
  a.need(x, d.NC * d.H * d.W, "input");
  a.need(y, d.NC * d.OH * d.OW, "y");
  a.need(arg, d.NC * d.OH * d.OW, "arg");
  kern(info).maxpool(x, d.NC, d.H, d.W, d.K, d.S, y, static_cast<uint8_t*>(arg.p));
  return info.Env().Undefined();
}

Napi::Value maxpoolBackward(const Napi::CallbackInfo& info) {
  const Args a(info, "maxpool_backward");
  const View dy = a.array(0, "dy"), arg = a.array(1, "arg");
  const PoolDims d = poolDims(a, 2);
  const View dx = a.array(7, "dx");
  if (!isAny(dy.kind)) a.typeError("dy must hold mantissas or floats");
  sameKind(a, dy, dx, "dx");
  if (arg.kind != Kind::U8) a.typeError("arg must be a Uint8Array");
  a.need(dy, d.NC * d.OH * d.OW, "dy");
  a.need(arg, d.NC * d.OH * d.OW, "arg");
  a.need(dx, d.NC * d.H * d.W, "dx");
  kern(info).maxpoolBackward(dy, static_cast<const uint8_t*>(arg.p), d.NC, d.H, d.W, d.K, d.S,
                             dx);
  return info.Env().Undefined();
}

// colSums(e, N, C, R, out)
Napi::Value colSums(const Napi::CallbackInfo& info) {
  const Args a(info, "col_sums");
  const View e = a.array(0, "e");
  const int64_t N = a.size(1, "N"), C = a.size(2, "C"), R = a.size(3, "R");
  const View out = a.array(4, "out");
  if (!isAny(e.kind)) a.typeError("e must hold mantissas or floats");
  if (out.kind != Kind::F64) a.typeError("out must be a Float64Array");
  a.need(e, N * C * R, "e");
  a.need(out, C, "out");
  kern(info).colSums(e, N, C, R, static_cast<double*>(out.p));
  return info.Env().Undefined();
}

// im2col(geom, x, col) and col2im(geom, col, dx); geom: a Float64Array of 12 sizes (readGeom).

Napi::Value im2col(const Napi::CallbackInfo& info) {
  const Args a(info, "im2col");
  int64_t g[12];
  readGeom(a, g);
  const View x = a.array(1, "image"), col = a.array(2, "col");
  if (!isAny(x.kind)) a.typeError("the image must hold mantissas or floats");
  sameKind(a, x, col, "col");
  a.need(x, g[0] * g[1] * g[2] * g[3], "image");
  a.need(col, g[1] * g[4] * g[5] * g[0] * g[10] * g[11], "col");
  kern(info).im2col(g, x, col);
  return info.Env().Undefined();
}

Napi::Value col2im(const Napi::CallbackInfo& info) {
  const Args a(info, "col2im");
  int64_t g[12];
  readGeom(a, g);
  const View col = a.array(1, "col"), dx = a.array(2, "dx");
  if (col.kind != Kind::F32 && col.kind != Kind::I32 && col.kind != Kind::F64)
    a.typeError("col must be a Float32Array, Int32Array or Float64Array");
  sameKind(a, col, dx, "dx");
  a.need(dx, g[0] * g[1] * g[2] * g[3], "image");
  a.need(col, g[1] * g[4] * g[5] * g[0] * g[10] * g[11], "col");
  kern(info).col2im(g, col, dx);
  return info.Env().Undefined();
}

// winogradConv(geom, x, U, OC, bias, y): x (N, C, H, W) int8, U (16, OC, C) int16, bias (OC)
// float64 or null, y (N, OC, OH, OW) int32; a 3x3 stride-1 geometry.
Napi::Value winogradConv(const Napi::CallbackInfo& info) {
  const Args a(info, "winograd_conv");
  int64_t g[12];
  readGeom(a, g);
  if (g[4] != 3 || g[5] != 3 || g[6] != 1 || g[7] != 1)
    a.rangeError("F(2x2,3x3) needs a 3x3 kernel at stride 1");
  const View x = a.array(1, "x"), U = a.array(2, "U");
  const int64_t OC = a.size(3, "OC");
  const View bias = a.arrayOrNull(4, "bias"), y = a.array(5, "y");
  if (x.kind != Kind::I8) a.typeError("x must be an Int8Array");
  if (U.kind != Kind::I16) a.typeError("U must be an Int16Array");
  if (y.kind != Kind::I32) a.typeError("y must be an Int32Array");
  if (bias.p && bias.kind != Kind::F64) a.typeError("bias must be a Float64Array");
  a.need(x, g[0] * g[1] * g[2] * g[3], "x");
  a.need(U, 16 * OC * g[1], "U");
  a.need(y, g[0] * OC * g[10] * g[11], "y");
  if (bias.p) a.need(bias, OC, "bias");
  const Isa isa = *static_cast<const Isa*>(info.Data());
  kern(info).winogradConv(g, static_cast<const int8_t*>(x.p), static_cast<const int16_t*>(U.p),
                          OC, static_cast<const double*>(bias.p), static_cast<int32_t*>(y.p),
                          intKernels(isa)->i16);
  return info.Env().Undefined();
}

/** A Float32Array argument of at least n elements. */
float* f32(const Args& a, size_t i, const char* what, int64_t n) {
  const View v = a.array(i, what);
  if (v.kind != Kind::F32) a.typeError(std::string(what) + " must be a Float32Array");
  a.need(v, n, what);
  return static_cast<float*>(v.p);
}

// sgdMomentum(m, g, theta, mu, decay)
Napi::Value sgdMomentum(const Napi::CallbackInfo& info) {
  const Args a(info, "sgd_momentum_f32");
  const int64_t n = a.array(0, "m").n;
  kern(info).sgdMomentum(f32(a, 0, "m", n), f32(a, 1, "g", n), f32(a, 2, "theta", n), n,
                         a.number(3, "mu"), a.number(4, "decay"));
  return info.Env().Undefined();
}

// sgdUpdate(u, x, lr, theta or null, decay)
Napi::Value sgdUpdate(const Napi::CallbackInfo& info) {
  const Args a(info, "sgd_update_f32");
  const int64_t n = a.array(0, "u").n;
  const float* theta = a.arrayOrNull(3, "theta").p ? f32(a, 3, "theta", n) : nullptr;
  kern(info).sgdUpdate(f32(a, 0, "u", n), f32(a, 1, "x", n), n, a.number(2, "lr"), theta,
                       a.number(4, "decay"));
  return info.Env().Undefined();
}

// addInplace(a, b, sign): a += sign b, sign 1 or -1
Napi::Value addInplace(const Napi::CallbackInfo& info) {
  const Args a(info, "add_inplace_f32");
  const int64_t n = a.array(0, "a").n;
  const int64_t sign = a.integer(2, "sign");
  if (sign != 1 && sign != -1) a.rangeError("sign must be 1 or -1");
  kern(info).addInplace(f32(a, 0, "a", n), f32(a, 1, "b", n), n, static_cast<int>(sign));
  return info.Env().Undefined();
}

// wageubnMomentum(theta, g, acc, lr, mom, decay, quantized, sGC, sAcc, accEven, sWU, lim)
Napi::Value wageubnMomentum(const Napi::CallbackInfo& info) {
  const Args a(info, "wageubn_momentum_f32");
  const int64_t n = a.array(0, "theta").n;
  const View acc = a.array(2, "acc");
  if (acc.kind != Kind::F64) a.typeError("acc must be a Float64Array");
  a.need(acc, n, "acc");
  const WageubnArgs o{a.number(3, "lr"),   a.number(4, "mom"),  a.number(5, "decay"),
                      a.flag(6),           a.number(7, "sGC"),  a.number(8, "sAcc"),
                      a.flag(9),           a.number(10, "sWU"), a.number(11, "lim")};
  kern(info).wageubnMomentum(f32(a, 0, "theta", n), f32(a, 1, "g", n),
                             static_cast<double*>(acc.p), n, o);
  return info.Env().Undefined();
}

// kahanCarry(acc, before, theta): acc -= before - theta
Napi::Value kahanCarry(const Napi::CallbackInfo& info) {
  const Args a(info, "kahan_carry_f32");
  const int64_t n = a.array(0, "acc").n;
  kern(info).kahanCarry(f32(a, 0, "acc", n), f32(a, 1, "before", n), f32(a, 2, "theta", n), n);
  return info.Env().Undefined();
}

}  // namespace

void addElemBindings(Napi::Env env, Napi::Object target, const Isa* isa) {
  void* data = const_cast<Isa*>(isa);
  auto add = [&](const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
    target.Set(name, Napi::Function::New(env, fn, name, data));
  };
  add("quantize", quantize);
  add("requantize", requantize);
  add("maxAbs", maxAbs);
  add("sumAbs", sumAbs);
  add("relu", relu);
  add("reluBackward", reluBackward);
  add("swapOuter", swapOuter);
  add("maxpool", maxpool);
  add("maxpoolBackward", maxpoolBackward);
  add("colSums", colSums);
  add("im2col", im2col);
  add("col2im", col2im);
  add("winogradConv", winogradConv);
  add("sgdMomentum", sgdMomentum);
  add("sgdUpdate", sgdUpdate);
  add("addInplace", addInplace);
  add("wageubnMomentum", wageubnMomentum);
  add("kahanCarry", kahanCarry);
}
