// SPDX-License-Identifier: MIT
// Bindings of the GEMM kernels: gemmInt and gemmF32 (M, N, K, a, transA, b, transB, c,
// accumulate), the layouts of src/kernels/spec.ts GemmShape; gemmInt then maxA, maxB (bounds
// on max |a|, max |b| the caller knows, or -1); both then an optional batch count (the
// gemm_*_batch kernels: contiguous blocks, one call from JavaScript).

#include <string>

#include "args.h"
#include "bindings.h"
#include "conv-f32.h"
#include "conv-i8.h"
#include "conv-i8-i16.h"
#include "conv-wgrad-amx.h"
#include "conv-wgrad-i8.h"
#include "conv-wgrad-int.h"
#include "gemm.h"

namespace {

std::string shape(int64_t r, int64_t c) {
  return "(" + std::to_string(r) + "," + std::to_string(c) + ")";
}

struct Shape {
  int64_t M, N, K;
  bool transA, transB, accumulate;
};

/** Reads M, N, K and the flags; checks A, B and C hold `batch` blocks of their shapes. */
Shape readShape(const Args& a, const View& A, const View& B, const View& C, int64_t batch = 1) {
  Shape s{a.size(0, "M"), a.size(1, "N"), a.size(2, "K"), a.flag(4), a.flag(6), a.flag(8)};
  const std::string x = batch == 1 ? "" : std::to_string(batch) + " x ";
  a.need(A, batch * s.M * s.K, "A " + x + (s.transA ? shape(s.K, s.M) : shape(s.M, s.K)));
  a.need(B, batch * s.K * s.N, "B " + x + (s.transB ? shape(s.N, s.K) : shape(s.K, s.N)));
  a.need(C, batch * s.M * s.N, "C " + x + shape(s.M, s.N));
  return s;
}

int bytesOf(Kind k) { return k == Kind::I8 ? 1 : k == Kind::I16 ? 2 : 4; }

const char* byteAt(const void* p, int64_t elements, int bytes) {
  return static_cast<const char*>(p) + elements * bytes;
}

// gemmInt(M, N, K, a, transA, b, transB, c, accumulate, maxA, maxB[, batch]): batch (argument
// 11, default 1) GEMMs of contiguous blocks, each the call on its own block would be.
Napi::Value gemmInt(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const bool batched = info.Length() > 11;
  const Args a(info, batched ? "gemm_int_batch" : "gemm_int");
  const int64_t batch = batched ? a.size(11, "batch") : 1;
  const View A = a.array(3, "A"), B = a.array(5, "B"), C = a.array(7, "C");
  for (const View* v : {&A, &B})
    if (v->kind != Kind::I8 && v->kind != Kind::I16 && v->kind != Kind::I32)
      a.typeError(std::string(v == &A ? "A" : "B") +
                  " must be an Int8Array, Int16Array or Int32Array of mantissas");
  if (C.kind != Kind::I32 && C.kind != Kind::F64)
    a.typeError("C must be an Int32Array, or a Float64Array where int32 could overflow");
  const Shape s = readShape(a, A, B, C, batch);
  const bool f64 = C.kind == Kind::F64;
  const int ba = bytesOf(A.kind), bb = bytesOf(B.kind), bc = f64 ? 8 : 4;
  const int64_t maxA = a.integer(9, "maxA"), maxB = a.integer(10, "maxB");
  for (int64_t i = 0; i < batch; i++) {
    const char* pa = byteAt(A.p, i * s.M * s.K, ba);
    const char* pb = byteAt(B.p, i * s.K * s.N, bb);
    void* pc = const_cast<char*>(byteAt(C.p, i * s.M * s.N, bc));
    if (A.kind == Kind::I32 || B.kind == Kind::I32) {
      // 32-bit mantissas: products past int32 and even 2^53; the reference loop defines them.
      gemmIntRefAny(s.M, s.N, s.K, pa, ba, s.transA, pb, bb, s.transB, pc, f64, s.accumulate);
      continue;
    }
    const IntOperand oa{pa, ba, s.transA};
    const IntOperand ob{pb, bb, s.transB};
    if (f64)
      gemmIntF64(isa, s.M, s.N, s.K, oa, ob, static_cast<double*>(pc), s.accumulate, maxA, maxB);
    else
      gemmIntI32(isa, s.M, s.N, s.K, oa, ob, static_cast<int32_t*>(pc), s.accumulate);
  }
  return info.Env().Undefined();
}

// gemmF32(M, N, K, a, transA, b, transB, c, accumulate[, batch]): as gemmInt's batch.
Napi::Value gemmF32Binding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const bool batched = info.Length() > 9;
  const Args a(info, batched ? "gemm_f32_batch" : "gemm_f32");
  const int64_t batch = batched ? a.size(9, "batch") : 1;
  const View A = a.array(3, "A"), B = a.array(5, "B"), C = a.array(7, "C");
  for (const View* v : {&A, &B, &C})
    if (v->kind != Kind::F32) a.typeError("A, B and C must be Float32Arrays");
  const Shape s = readShape(a, A, B, C, batch);
  for (int64_t i = 0; i < batch; i++)
    gemmF32(isa, s.M, s.N, s.K, static_cast<const float*>(A.p) + i * s.M * s.K, s.transA,
            static_cast<const float*>(B.p) + i * s.K * s.N, s.transB,
            static_cast<float*>(C.p) + i * s.M * s.N, s.accumulate);
  return info.Env().Undefined();
}

/** A conv kernel's arguments: (geom, first, M, x, out, ...), sizes checked. */
struct ConvArgs {
  int64_t g[12];
  int64_t M, K, Q;  // K = C*KH*KW, Q = N*OH*OW
  View first, x, out;
};

/**
 * Reads (geom, first, M, x, out): first is the weights (M, K) and out (M, Q) elements, or
 * (weightsFirst false, a weight gradient) first the error rows (M, Q) and out dW (M, K).
 */
ConvArgs readConv(const Args& a, const char* first, const char* out, bool weightsFirst) {
  ConvArgs c;
  readGeom(a, c.g);
  const int64_t* g = c.g;
  c.M = a.size(2, "M");
  c.first = a.array(1, first);
  c.x = a.array(3, "x");
  c.out = a.array(4, out);
  c.K = g[1] * g[4] * g[5];
  c.Q = g[0] * g[10] * g[11];
  const int64_t fc = weightsFirst ? c.K : c.Q, oc = weightsFirst ? c.Q : c.K;
  a.need(c.first, c.M * fc, std::string(first) + " " + shape(c.M, fc));
  a.need(c.x, g[0] * g[1] * g[2] * g[3], "x");
  a.need(c.out, c.M * oc, std::string(out) + " " + shape(c.M, oc));
  return c;
}

/** Type check of a float32 conv's three arrays. */
void needF32(const Args& a, const ConvArgs& c, const char* names) {
  for (const View* v : {&c.first, &c.x, &c.out})
    if (v->kind != Kind::F32) a.typeError(std::string(names) + " must be Float32Arrays");
}

const float* f32(const View& v) { return static_cast<const float*>(v.p); }

// convGemmF32(geom, w, M, x, c, accumulate): c (M, N*OH*OW) (+)= w (M, C*KH*KW) im2col(x);
// geom: N, C, H, W, KH, KW, sh, sw, ph, pw, OH, OW.
Napi::Value convGemmF32Binding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_gemm_f32");
  const ConvArgs c = readConv(a, "w", "c", true);
  needF32(a, c, "w, x and c");
  convGemmF32(isa, c.g, f32(c.first), c.M, f32(c.x), static_cast<float*>(c.out.p), a.flag(5));
  return info.Env().Undefined();
}

// convWeightGradF32(geom, e, M, x, dw, accumulate, batchMajor): dw (M, C*KH*KW) (+)= e (M,
// N*OH*OW) im2col(x)^T; batchMajor: e is (N, M, OH*OW), for geometries the direct dot reads
// (convDirectDotSupported), a RangeError elsewhere.
Napi::Value convWeightGradF32Binding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_weight_grad_f32");
  const ConvArgs c = readConv(a, "e", "dw", false);
  needF32(a, c, "e, x and dw");
  const bool batchMajor = a.flag(6);
  if (batchMajor && !convDirectDotSupported(isa, c.g))
    a.rangeError("conv_weight_grad_f32 reads a batch-major e for stride-1 'same' convs on "
                 "AVX-512 with planes of a multiple of 16 pixels only");
  convWeightGradF32(isa, c.g, f32(c.first), c.M, f32(c.x), static_cast<float*>(c.out.p),
                    a.flag(5), batchMajor);
  return info.Env().Undefined();
}

// convDirectF32(geom, w, M, x, y, rotated): y (N, M, OH*OW) = conv(x, w (M, C*KH*KW)) for
// stride-1 'same' convs on AVX-512 (convDirectF32Supported); a RangeError elsewhere. rotated:
// w is (C, M, KH*KW), read with its outer dims swapped and taps reversed (conv-f32.h).
Napi::Value convDirectF32Binding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_direct_f32");
  const ConvArgs c = readConv(a, "w", "y", true);
  needF32(a, c, "w, x and y");
  if (!convDirectF32Supported(isa, c.g))
    a.rangeError("conv_direct_f32 runs stride-1 'same' convs on AVX-512 only");
  convDirectF32(isa, c.g, f32(c.first), c.M, f32(c.x), static_cast<float*>(c.out.p), a.flag(5));
  return info.Env().Undefined();
}

// convGemmInt(geom, w, M, x, c): c (M, N*OH*OW) = w (M, C*KH*KW) im2col(x), int8/int16
// operands, int32 c (the caller bounds the sums within int32).
Napi::Value convGemmIntBinding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_gemm_int");
  const ConvArgs c = readConv(a, "w", "c", true);
  for (const View* v : {&c.first, &c.x})
    if (v->kind != Kind::I8 && v->kind != Kind::I16)
      a.typeError("w and x must be Int8Arrays or Int16Arrays of mantissas");
  if (c.out.kind != Kind::I32) a.typeError("c must be an Int32Array");
  convGemmIntI32(isa, c.g, IntOperand{c.first.p, bytesOf(c.first.kind), false}, c.M, c.x.p,
                 bytesOf(c.x.kind), static_cast<int32_t*>(c.out.p));
  return info.Env().Undefined();
}

// convGemmIntNchw(geom, w, M, x, y, bias): y (N, M, OH*OW) = conv_gemm_int's c with its outer
// axes swapped, + bias[m] (a Float64Array of integers, or null).
Napi::Value convGemmIntNchwBinding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_gemm_int_nchw");
  const ConvArgs c = readConv(a, "w", "y", true);
  for (const View* v : {&c.first, &c.x})
    if (v->kind != Kind::I8 && v->kind != Kind::I16)
      a.typeError("w and x must be Int8Arrays or Int16Arrays of mantissas");
  if (c.out.kind != Kind::I32) a.typeError("y must be an Int32Array");
  const View bias = a.arrayOrNull(5, "bias");
  if (bias.p && bias.kind != Kind::F64) a.typeError("bias must be a Float64Array");
  if (bias.p) a.need(bias, c.M, "bias");
  convGemmIntNchw(isa, c.g, IntOperand{c.first.p, bytesOf(c.first.kind), false}, c.M, c.x.p,
                  bytesOf(c.x.kind), static_cast<const double*>(bias.p),
                  static_cast<int32_t*>(c.out.p));
  return info.Env().Undefined();
}

// convGemmIntF64Nchw(geom, w, M, x, y, bias, maxW, maxX): y (N, M, OH*OW) float64, exact, as
// convGemmIntNchw for sums past int32; maxW, maxX bound |w| and |x| (the caller's maxima).
Napi::Value convGemmIntF64NchwBinding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_gemm_int_f64_nchw");
  const ConvArgs c = readConv(a, "w", "y", true);
  for (const View* v : {&c.first, &c.x})
    if (v->kind != Kind::I8 && v->kind != Kind::I16)
      a.typeError("w and x must be Int8Arrays or Int16Arrays of mantissas");
  if (c.out.kind != Kind::F64) a.typeError("y must be a Float64Array");
  const View bias = a.arrayOrNull(5, "bias");
  if (bias.p && bias.kind != Kind::F64) a.typeError("bias must be a Float64Array");
  if (bias.p) a.need(bias, c.M, "bias");
  const int64_t maxW = a.integer(6, "maxW"), maxX = a.integer(7, "maxX");
  if (maxW < 0 || maxX < 0) a.rangeError("maxW and maxX must be >= 0");
  convGemmIntF64Nchw(isa, c.g, IntOperand{c.first.p, bytesOf(c.first.kind), false}, c.M, c.x.p,
                     bytesOf(c.x.kind), static_cast<const double*>(bias.p),
                     static_cast<double*>(c.out.p), maxW, maxX);
  return info.Env().Undefined();
}

// convInputGradInt8(geom, e, OC, w, dx): dx (N, C, H, W) of the conv geom from int8 e (N, OC,
// OH, OW) and int8 w (OC, C*KH*KW) as the transposed conv read from e's planes (conv-i8.h);
// the caller keeps dx within int32. Returns false, dx untouched, where the route does not run
// (geometry or instruction set).
Napi::Value convInputGradInt8Binding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_input_grad_int8");
  int64_t g[12];
  readGeom(a, g);
  const View e = a.array(1, "e");
  const int64_t OC = a.size(2, "OC");
  const View w = a.array(3, "w");
  const View dx = a.array(4, "dx");
  if (e.kind != Kind::I8 || w.kind != Kind::I8) a.typeError("e and w must be Int8Arrays");
  if (dx.kind != Kind::I32) a.typeError("dx must be an Int32Array");
  a.need(e, g[0] * OC * g[10] * g[11], "e (N, OC, OH, OW)");
  a.need(w, OC * g[1] * g[4] * g[5], "w (OC, C*KH*KW)");
  a.need(dx, g[0] * g[1] * g[2] * g[3], "dx (N, C, H, W)");
  const bool ran = convI8InputGrad(isa, g, static_cast<const int8_t*>(w.p), OC,
                                   static_cast<const int8_t*>(e.p), static_cast<int32_t*>(dx.p));
  return Napi::Boolean::New(info.Env(), ran);
}

// convWeightGradInt(geom, e, M, x, dw, batchMajor, maxE, maxX): dw (M, C*KH*KW) = e (M,
// N*OH*OW) im2col(x)^T on int16 (conv-wgrad-int.h) or int8 (conv-wgrad-i8.h) e and x without
// the im2col matrix; e is (N, M, OH*OW) where batchMajor. dw: an Int32Array (the caller
// bounds every sum within int32) or a Float64Array (exact). maxE, maxX bound max |e|, max |x|.
// Returns false, dw untouched, where the route does not run (geometry, instruction set, or
// values too wide).
Napi::Value convWeightGradIntBinding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_weight_grad_int");
  const ConvArgs c = readConv(a, "e", "dw", false);
  const bool i8 = c.first.kind == Kind::I8 && c.x.kind == Kind::I8;
  if (!i8 && (c.first.kind != Kind::I16 || c.x.kind != Kind::I16))
    a.typeError("e and x must both be Int8Arrays or both Int16Arrays of mantissas");
  if (c.out.kind != Kind::I32 && c.out.kind != Kind::F64)
    a.typeError("dw must be an Int32Array or a Float64Array");
  const bool f64 = c.out.kind == Kind::F64;
  // AMX tiles where this CPU has them (conv-wgrad-amx.h): exact for int8 and int16 alike.
  if (convWeightGradAmx(isa, c.g, c.first.p, c.M, c.x.p, i8 ? 1 : 2, a.flag(5),
                        f64 ? static_cast<double*>(c.out.p) : nullptr,
                        f64 ? nullptr : static_cast<int32_t*>(c.out.p)))
    return Napi::Boolean::New(info.Env(), true);
  if (i8) {
    const bool ran = convWeightGradI8Direct(
        isa, c.g, static_cast<const int8_t*>(c.first.p), c.M, static_cast<const int8_t*>(c.x.p),
        a.flag(5), f64 ? static_cast<double*>(c.out.p) : nullptr,
        f64 ? nullptr : static_cast<int32_t*>(c.out.p));
    return Napi::Boolean::New(info.Env(), ran);
  }
  const bool ran = convWeightGradIntDirect(
      isa, c.g, static_cast<const int16_t*>(c.first.p), c.M, static_cast<const int16_t*>(c.x.p),
      a.flag(5), a.integer(6, "maxE"), a.integer(7, "maxX"),
      f64 ? static_cast<double*>(c.out.p) : nullptr, f64 ? nullptr : static_cast<int32_t*>(c.out.p));
  return Napi::Boolean::New(info.Env(), ran);
}

// convI8I16(geom, w, M, x, y, bias): conv_gemm_int_nchw's y for int8 w and int16 x by the
// split int8 conv (conv-i8-i16.h); the caller keeps every y within int32. Returns false, y
// untouched, where the route does not run (geometry, instruction set, or x past 32639).
Napi::Value convI8I16Binding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_int8_int16");
  const ConvArgs c = readConv(a, "w", "y", true);
  if (c.first.kind != Kind::I8 || c.x.kind != Kind::I16)
    a.typeError("w must be an Int8Array and x an Int16Array");
  if (c.out.kind != Kind::I32) a.typeError("y must be an Int32Array");
  const View bias = a.arrayOrNull(5, "bias");
  if (bias.p && bias.kind != Kind::F64) a.typeError("bias must be a Float64Array");
  if (bias.p) a.need(bias, c.M, "bias");
  const bool ran = convI8I16Direct(isa, c.g, static_cast<const int8_t*>(c.first.p), c.M,
                                   static_cast<const int16_t*>(c.x.p),
                                   static_cast<const double*>(bias.p),
                                   static_cast<int32_t*>(c.out.p));
  return Napi::Boolean::New(info.Env(), ran);
}

// convInputGradI8I16(geom, e, OC, w, dx): convInputGradInt8's dx for int16 e by the split
// int8 conv (conv-i8-i16.h); the caller keeps dx within int32. Returns false, dx untouched,
// where the route does not run (geometry, instruction set, or e past 32639).
Napi::Value convInputGradI8I16Binding(const Napi::CallbackInfo& info) {
  const Isa isa = *static_cast<const Isa*>(info.Data());
  const Args a(info, "conv_input_grad_int8_int16");
  int64_t g[12];
  readGeom(a, g);
  const View e = a.array(1, "e");
  const int64_t OC = a.size(2, "OC");
  const View w = a.array(3, "w");
  const View dx = a.array(4, "dx");
  if (e.kind != Kind::I16 || w.kind != Kind::I8)
    a.typeError("e must be an Int16Array and w an Int8Array");
  if (dx.kind != Kind::I32) a.typeError("dx must be an Int32Array");
  a.need(e, g[0] * OC * g[10] * g[11], "e (N, OC, OH, OW)");
  a.need(w, OC * g[1] * g[4] * g[5], "w (OC, C*KH*KW)");
  a.need(dx, g[0] * g[1] * g[2] * g[3], "dx (N, C, H, W)");
  const bool ran =
      convI8I16InputGrad(isa, g, static_cast<const int8_t*>(w.p), OC,
                         static_cast<const int16_t*>(e.p), static_cast<int32_t*>(dx.p));
  return Napi::Boolean::New(info.Env(), ran);
}

}  // namespace

void addGemmBindings(Napi::Env env, Napi::Object target, const Isa* isa) {
  void* data = const_cast<Isa*>(isa);
  target.Set("gemmInt", Napi::Function::New(env, gemmInt, "gemmInt", data));
  target.Set("gemmF32", Napi::Function::New(env, gemmF32Binding, "gemmF32", data));
  target.Set("convGemmF32", Napi::Function::New(env, convGemmF32Binding, "convGemmF32", data));
  target.Set("convDirectF32",
             Napi::Function::New(env, convDirectF32Binding, "convDirectF32", data));
  target.Set("convGemmInt", Napi::Function::New(env, convGemmIntBinding, "convGemmInt", data));
  target.Set("convGemmIntNchw",
             Napi::Function::New(env, convGemmIntNchwBinding, "convGemmIntNchw", data));
  target.Set("convGemmIntF64Nchw",
             Napi::Function::New(env, convGemmIntF64NchwBinding, "convGemmIntF64Nchw", data));
  target.Set("convWeightGradF32",
             Napi::Function::New(env, convWeightGradF32Binding, "convWeightGradF32", data));
  target.Set("convWeightGradInt",
             Napi::Function::New(env, convWeightGradIntBinding, "convWeightGradInt", data));
  target.Set("convInputGradInt8",
             Napi::Function::New(env, convInputGradInt8Binding, "convInputGradInt8", data));
  target.Set("convI8I16", Napi::Function::New(env, convI8I16Binding, "convI8I16", data));
  target.Set("convInputGradI8I16",
             Napi::Function::New(env, convInputGradI8I16Binding, "convInputGradI8I16", data));
}
