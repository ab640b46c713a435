// SPDX-License-Identifier: MIT
// Bindings of the BatchNorm, scaled-add and flag kernels (norm.h). Argument orders follow
// src/kernels/spec.ts; src/kernels/native/kernels.ts passes the powers of two and the
// flag quantizer's constants as the reference computes them.

#include <string>
#include <vector>

#include "args.h"
#include "bindings.h"
#include "codes.h"
#include "norm.h"
#include "pool.h"

namespace {

const NormKernels& kern(const Napi::CallbackInfo& info) {
  return normKernels(*static_cast<const Isa*>(info.Data()));
}

bool isInt(Kind k) { return k == Kind::I8 || k == Kind::I16 || k == Kind::I32; }
bool isAny(Kind k) { return isInt(k) || k == Kind::F32 || k == Kind::F64; }

View anyArray(const Args& a, size_t i, const char* what) {
  const View v = a.array(i, what);
  if (!isAny(v.kind)) a.typeError(std::string(what) + " must hold mantissas or floats");
  return v;
}

/** The optional Int8Array mask of n elements (null: none). */
int8_t* maskArg(const Args& a, size_t i, int64_t n) {
  const View m = a.arrayOrNull(i, "mask");
  if (!m.p) return nullptr;
  if (m.kind != Kind::I8) a.typeError("mask must be an Int8Array");
  a.need(m, n, "mask");
  return static_cast<int8_t*>(m.p);
}

/** A Float64Array parameter table of at least n numbers. */
const double* f64Arg(const Args& a, size_t i, const char* what, int64_t n) {
  const View v = a.array(i, what);
  if (v.kind != Kind::F64) a.typeError(std::string(what) + " must be a Float64Array");
  a.need(v, n, what);
  return static_cast<const double*>(v.p);
}

float* f32Arg(const Args& a, size_t i, const char* what, int64_t n) {
  const View v = a.array(i, what);
  if (v.kind != Kind::F32) a.typeError(std::string(what) + " must be a Float32Array");
  a.need(v, n, what);
  return static_cast<float*>(v.p);
}

struct Dims {
  int64_t N, C, R;
};

Dims dims(const Args& a, size_t i) {
  return {a.size(i, "N"), a.size(i + 1, "C"), a.size(i + 2, "R")};
}

// bnSums(a, b, mask, N, C, R, out)
Napi::Value bnSums(const Napi::CallbackInfo& info) {
  const Args a(info, "bn_sums");
  const View x = anyArray(a, 0, "a");
  const View bRaw = a.arrayOrNull(1, "b");
  const Dims d = dims(a, 3);
  const int64_t n = d.N * d.C * d.R;
  if (bRaw.p && !isAny(bRaw.kind)) a.typeError("b must hold mantissas or floats");
  a.need(x, n, "a");
  if (bRaw.p) a.need(bRaw, n, "b");
  int8_t* mask = maskArg(a, 2, n);
  double* out = const_cast<double*>(f64Arg(a, 6, "out", 4 * d.C));
  kern(info).bnSums(x, bRaw, mask, d.N, d.C, d.R, out);
  return info.Env().Undefined();
}

// bnForward(x, N, C, R, p, xhat32, relu, mask, y) -> max |y| (NaN: NaN or an infinity)
Napi::Value bnForward(const Napi::CallbackInfo& info) {
  const Args a(info, "bn_forward");
  const View x = anyArray(a, 0, "x");
  const Dims d = dims(a, 1);
  const int64_t n = d.N * d.C * d.R;
  a.need(x, n, "x");
  const double* p = f64Arg(a, 4, "p", 4 * d.C);
  const bool relu = a.flag(6);
  int8_t* mask = maskArg(a, 7, n);
  float* y = f32Arg(a, 8, "y", n);
  return Napi::Number::New(info.Env(),
                           kern(info).bnForward(x, d.N, d.C, d.R, p, a.flag(5), relu, mask, y));
}

// bnAffineInt(x, N, C, R, p, relu, mask, y) -> max |y| (Int32Array y), else NaN
Napi::Value bnAffineInt(const Napi::CallbackInfo& info) {
  const Args a(info, "bn_affine_int");
  const View x = a.array(0, "x");
  if (!isInt(x.kind) && x.kind != Kind::F64)
    a.typeError("x must hold mantissas (Int8/16/32Array, or exact integers in a Float64Array)");
  const Dims d = dims(a, 1);
  const int64_t n = d.N * d.C * d.R;
  a.need(x, n, "x");
  const double* p = f64Arg(a, 4, "p", 2 * d.C);
  int8_t* mask = maskArg(a, 6, n);
  const View y = a.array(7, "y");
  if (y.kind != Kind::I32 && y.kind != Kind::F64)
    a.typeError("y must be an Int32Array or Float64Array");
  a.need(y, n, "y");
  return Napi::Number::New(info.Env(),
                           kern(info).bnAffineInt(x, d.N, d.C, d.R, p, a.flag(5), mask, y));
}

// bnXhatInt(x, N, C, R, p, scale, out) -> min(max |out|, 2^31), or NaN
Napi::Value bnXhatInt(const Napi::CallbackInfo& info) {
  const Args a(info, "bn_xhat_int");
  const View x = anyArray(a, 0, "x");
  const Dims d = dims(a, 1);
  const int64_t n = d.N * d.C * d.R;
  a.need(x, n, "x");
  const double* p = f64Arg(a, 4, "p", 2 * d.C);
  const View out = a.array(6, "out");
  if (out.kind != Kind::I32) a.typeError("out must be an Int32Array");
  a.need(out, n, "out");
  return Napi::Number::New(info.Env(), kern(info).bnXhatInt(x, d.N, d.C, d.R, p,
                                                            a.number(5, "scale"),
                                                            static_cast<int32_t*>(out.p)));
}

// The arguments bn_backward, bn_backward_max and bn_backward_flag share: (e, x, mask, N, C, R,
// p, xhat32, ...), e and x of N*C*R elements, mask null or N*C*R bytes, p [5][C] float64.
struct BnBackArgs {
  View e, x;
  Dims d;
  int64_t n;
  int8_t* mask;
  const double* p;
  bool xhat32;
};

BnBackArgs bnBackArgs(const Args& a) {
  const View e = anyArray(a, 0, "e"), x = anyArray(a, 1, "x");
  const Dims d = dims(a, 3);
  const int64_t n = d.N * d.C * d.R;
  a.need(e, n, "e");
  a.need(x, n, "x");
  return {e, x, d, n, maskArg(a, 2, n), f64Arg(a, 6, "p", 5 * d.C), a.flag(7)};
}

// bnBackward(e, x, mask, N, C, R, p, xhat32, dx) -> max |dx|
Napi::Value bnBackward(const Napi::CallbackInfo& info) {
  const Args a(info, "bn_backward");
  const BnBackArgs b = bnBackArgs(a);
  float* dx = f32Arg(a, 8, "dx", b.n);
  return Napi::Number::New(info.Env(), kern(info).bnBackward(b.e, b.x, b.mask, b.d.N, b.d.C, b.d.R,
                                                             b.p, b.xhat32, dx));
}

// bnBackwardMax(e, x, mask, N, C, R, p, xhat32) -> max |dx| (not written), or NaN
Napi::Value bnBackwardMax(const Napi::CallbackInfo& info) {
  const Args a(info, "bn_backward_max");
  const BnBackArgs b = bnBackArgs(a);
  return Napi::Number::New(info.Env(), kern(info).bnBackwardMax(b.e, b.x, b.mask, b.d.N, b.d.C,
                                                                b.d.R, b.p, b.xhat32));
}

// bnBackwardFlag(e, x, mask, N, C, R, p, xhat32, post, half, top, out, counts): out = the flag
// mantissas of bn_backward's dx; counts = [saturated, underflow]
Napi::Value bnBackwardFlag(const Napi::CallbackInfo& info) {
  const Args a(info, "bn_backward_flag");
  const BnBackArgs b = bnBackArgs(a);
  if (!isInt(b.e.kind)) a.typeError("e must be an Int8Array, Int16Array or Int32Array");
  if (b.x.kind != Kind::I16 && b.x.kind != Kind::I32)
    a.typeError("x must be an Int16Array or Int32Array");
  const View out = a.array(11, "out");
  if (out.kind != Kind::I16 && out.kind != Kind::I32)
    a.typeError("out must be an Int16Array or Int32Array");
  a.need(out, b.n, "out");
  double* counts = const_cast<double*>(f64Arg(a, 12, "counts", 2));
  const FlagCounts c = kern(info).bnBackwardFlag(b.e, b.x, b.mask, b.d.N, b.d.C, b.d.R, b.p, b.xhat32,
                                                 a.number(8, "post"), a.number(9, "half"),
                                                 a.number(10, "top"), out);
  counts[0] = static_cast<double>(c.saturated);
  counts[1] = static_cast<double>(c.underflow);
  return info.Env().Undefined();
}

// addScaled(a, ka, b, kb, relu, mask, out) -> max |out| (float32 out), else NaN
Napi::Value addScaled(const Napi::CallbackInfo& info) {
  const Args a(info, "add_scaled");
  const View x = anyArray(a, 0, "a"), y = anyArray(a, 2, "b");
  const View out = a.array(6, "out");
  if (out.kind != Kind::I32 && out.kind != Kind::F64 && out.kind != Kind::F32)
    a.typeError("out must be an Int32Array, Float64Array or Float32Array");
  a.need(y, x.n, "b");
  a.need(out, x.n, "out");
  int8_t* mask = maskArg(a, 5, x.n);
  return Napi::Number::New(info.Env(), kern(info).addScaled(x, a.number(1, "ka"), y,
                                                            a.number(3, "kb"), a.flag(4), mask,
                                                            out));
}

// minMax(x, out) -> false where x holds NaN or an infinity; out = [min, max] of x and 0
Napi::Value minMax(const Napi::CallbackInfo& info) {
  const Args a(info, "minMax");
  const View x = anyArray(a, 0, "x");
  double* out = const_cast<double*>(f64Arg(a, 1, "out", 2));
  return Napi::Boolean::New(info.Env(), kern(info).minMax(x, out));
}

// flagQuantize(x, pre, post, half, top, out, counts)
Napi::Value flagQuantize(const Napi::CallbackInfo& info) {
  const Args a(info, "flag_quantize");
  const View x = anyArray(a, 0, "x");
  const View out = a.array(5, "out");
  if (!isInt(out.kind)) a.typeError("out must be an Int8Array, Int16Array or Int32Array");
  a.need(out, x.n, "out");
  double* counts = const_cast<double*>(f64Arg(a, 6, "counts", 2));
  const FlagCounts c = kern(info).flagQuantize(x, a.number(1, "pre"), a.number(2, "post"),
                                               a.number(3, "half"), a.number(4, "top"), out);
  counts[0] = static_cast<double>(c.saturated);
  counts[1] = static_cast<double>(c.underflow);
  return info.Env().Undefined();
}

// roundToGrid(v, scale, unscale, lo, hi, rounding, rngState, counts): v (float32, in place) =
// clamp(round(v scale)) unscale, the instruction set's quantizer into int32 mantissas a block
// at a time (the generator continues from block to block), each block then stored back.
Napi::Value roundToGrid(const Napi::CallbackInfo& info) {
  const Args a(info, "round_to_grid_f32");
  const View v = a.array(0, "v");
  if (v.kind != Kind::F32) a.typeError("v must be a Float32Array");
  const double scale = a.number(1, "scale"), unscale = a.number(2, "unscale");
  const double lo = a.number(3, "lo"), hi = a.number(4, "hi");
  if (!(lo >= -2147483648.0 && hi <= 2147483647.0 && lo <= hi))
    a.rangeError("the range must lie within int32");
  const int64_t mode = a.integer(5, "rounding");
  if (mode != ROUND_NEAREST && mode != ROUND_STOCHASTIC && mode != ROUND_FLOOR)
    a.rangeError("rounding code " + std::to_string(mode) + " is not nearest, stochastic or floor");
  const View st = a.arrayOrNull(6, "rng state");
  if (mode == ROUND_STOCHASTIC && (st.kind != Kind::U32 || st.n < 4))
    a.typeError("stochastic rounding needs the generator state as a Uint32Array(4)");
  double* counts = const_cast<double*>(f64Arg(a, 7, "counts", 2));
  const ElemKernels& ek = elemKernels(*static_cast<const Isa*>(info.Data()));
  // Blocks of one quantizer task (pool::CHUNK): the vector quantizers split a block over
  // threads and generator lanes, so small blocks would leave them idle.
  const int64_t BLOCK = v.n < pool::CHUNK ? v.n : pool::CHUNK;
  std::vector<int32_t> buf(static_cast<size_t>(BLOCK > 0 ? BLOCK : 1));
  int32_t* q = buf.data();
  float* p = static_cast<float*>(v.p);
  uint32_t* state = mode == ROUND_STOCHASTIC ? static_cast<uint32_t*>(st.p) : nullptr;
  QuantCounts total{0, 0};
  for (int64_t i = 0; i < v.n; i += BLOCK) {
    const int64_t len = v.n - i < BLOCK ? v.n - i : BLOCK;
    const QuantCounts c = ek.quantize(View{p + i, len, Kind::F32}, scale, lo, hi,
                                      static_cast<int>(mode), state, View{q, len, Kind::I32});
    total.saturated += c.saturated;
    total.underflow += c.underflow;
    // q unscale in float64, rounded once by the float32 store (as the reference).
    for (int64_t j = 0; j < len; j++)
      p[i + j] = static_cast<float>(static_cast<double>(q[j]) * unscale);
  }
  counts[0] = static_cast<double>(total.saturated);
  counts[1] = static_cast<double>(total.underflow);
  return info.Env().Undefined();
}

}  // namespace

void addNormBindings(Napi::Env env, Napi::Object target, const Isa* isa) {
  void* data = const_cast<Isa*>(isa);
  auto add = [&](const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
    target.Set(name, Napi::Function::New(env, fn, name, data));
  };
  add("bnSums", bnSums);
  add("bnForward", bnForward);
  add("bnAffineInt", bnAffineInt);
  add("bnXhatInt", bnXhatInt);
  add("bnBackward", bnBackward);
  add("bnBackwardMax", bnBackwardMax);
  add("bnBackwardFlag", bnBackwardFlag);
  add("addScaled", addScaled);
  add("minMax", minMax);
  add("flagQuantize", flagQuantize);
  add("roundToGrid", roundToGrid);
}
