// SPDX-License-Identifier: MIT
// The non-GEMM kernels (quantize, layers, pooling, im2col), over raw arrays. Their formulas are
// those of the reference backend (src/kernels/ref/, src/quant/quantize.ts), which they repeat
// operation for operation so integer and float results alike are the same bits.
#pragma once

#include <cstdint>

#include "cpu.h"

struct IntMicro;

/** Element type of an array argument. */
enum class Kind { I8, I16, I32, F32, F64, U8, U32 };

/** An array argument: its elements, count and type. */
struct View {
  void* p;
  int64_t n;
  Kind kind;
};

/**
 * Calls f with v's elements as a typed pointer: int8_t*, int16_t*, int32_t*, float*, else
 * double*. One switch per kernel call; the kernel body is f's, compiled for the caller's ISA.
 */
template <typename F>
void withKind(const View& v, F&& f) {
  switch (v.kind) {
    case Kind::I8:
      return f(static_cast<int8_t*>(v.p));
    case Kind::I16:
      return f(static_cast<int16_t*>(v.p));
    case Kind::I32:
      return f(static_cast<int32_t*>(v.p));
    case Kind::F32:
      return f(static_cast<float*>(v.p));
    default:
      return f(static_cast<double*>(v.p));
  }
}

/** Calls f with v's integer elements as int8_t*, int16_t* or (any other kind) int32_t*. */
template <typename F>
decltype(auto) withIntKind(const View& v, F&& f) {
  switch (v.kind) {
    case Kind::I8:
      return f(static_cast<int8_t*>(v.p));
    case Kind::I16:
      return f(static_cast<int16_t*>(v.p));
    default:
      return f(static_cast<int32_t*>(v.p));
  }
}

/**
 * Calls f with a mantissa tensor's elements as const int8_t*, const int16_t*, const int32_t*,
 * else (float64 mantissas of wide accumulators) const double*: the requantizers' input types.
 */
template <typename F>
decltype(auto) withMantKind(const View& v, F&& f) {
  switch (v.kind) {
    case Kind::I8:
      return f(static_cast<const int8_t*>(v.p));
    case Kind::I16:
      return f(static_cast<const int16_t*>(v.p));
    case Kind::I32:
      return f(static_cast<const int32_t*>(v.p));
    default:
      return f(static_cast<const double*>(v.p));
  }
}

struct QuantCounts {
  int64_t saturated;
  int64_t underflow;
};

/** One WAGEUBN Momentum step's constants (src/kernels/spec.ts WageubnStep; s* = 2^(k-1)). */
struct WageubnArgs {
  double lr, mom, decay;
  bool quantized;
  double sGC, sAcc;
  bool accEven;
  double sWU, lim;
};

/** The elementwise kernels of one instruction set (the same code compiled for it). */
struct ElemKernels {
  /** out = clamp(round(values * scale)) to [lo, hi]; rng: xoshiro128** state (stochastic). */
  QuantCounts (*quantize)(const View& values, double scale, double lo, double hi, int rounding,
                          uint32_t* rng, const View& out);
  /** out = clamp(round(mant / 2^s)); div = 2^s, half = 2^(s-1), p24 = 2^(s-24) (from JS). */
  QuantCounts (*requantize)(const View& mant, int s, double div, double half, double p24,
                            double lo, double hi, int rounding, uint32_t* rng, const View& out);
  /** max |x|, or NaN if x holds NaN or an infinity. */
  double (*maxAbs)(const View& x);
  void (*relu)(const View& x, const View& y, int8_t* mask);
  /** dx = m > 0 ? dy : 0; with wantMax returns max |dx| (NaN: NaN or an infinity), else NaN. */
  double (*reluBackward)(const View& m, const View& dy, const View& dx, bool wantMax);
  /** out (B, A, R) = src (A, B, R) (+ bias[a]). */
  void (*swapOuter)(const View& src, int64_t A, int64_t B, int64_t R, const double* bias,
                    const View& out);
  void (*maxpool)(const View& x, int64_t NC, int64_t H, int64_t W, int64_t K, int64_t S,
                  const View& y, uint8_t* arg);
  void (*maxpoolBackward)(const View& dy, const uint8_t* arg, int64_t NC, int64_t H, int64_t W,
                          int64_t K, int64_t S, const View& dx);
  void (*colSums)(const View& e, int64_t N, int64_t C, int64_t R, double* out);
  /** g: N, C, H, W, KH, KW, strideH, strideW, padH, padW, OH, OW. */
  void (*im2col)(const int64_t* g, const View& x, const View& col);
  void (*col2im)(const int64_t* g, const View& col, const View& dx);
  /**
   * y (N, OC, OH, OW) int32 = the Winograd F(2x2,3x3) conv of x (N, C, H, W) int8 by U (16, OC,
   * C) int16 (+ bias[o], or none), its 16 GEMMs on the int16 microkernel mk.
   */
  void (*winogradConv)(const int64_t* g, const int8_t* x, const int16_t* U, int64_t OC,
                       const double* bias, int32_t* y, const IntMicro& mk);
  // The optimizers' updates over float32 parameters (optim-impl.h).
  void (*sgdMomentum)(float* m, const float* g, const float* theta, int64_t n, double mu,
                      double decay);
  void (*sgdUpdate)(float* u, const float* x, int64_t n, double lr, const float* theta,
                    double decay);
  /** a += sign b, sign = 1 or -1. */
  void (*addInplace)(float* a, const float* b, int64_t n, int sign);
  void (*wageubnMomentum)(float* theta, const float* g, double* acc, int64_t n,
                          const WageubnArgs& o);
  /** acc -= before - theta (the Kahan carry of float32 parameters). */
  void (*kahanCarry)(float* acc, const float* before, const float* theta, int64_t n);
  /** sum |x| in float64, in src/quant/sum-abs.ts's lane order. */
  double (*sumAbs)(const View& x);
};

extern const ElemKernels ELEM_PORTABLE;
/** The AVX2 vector quantizers (quantize-avx2.cc; x86-64 only). */
QuantCounts quantizeAvx2(const View& values, double scale, double lo, double hi, int rounding,
                         uint32_t* rng, const View& out);
QuantCounts requantizeAvx2(const View& mant, int s, double div, double half, double p24,
                           double lo, double hi, int rounding, uint32_t* rng, const View& out);
extern const ElemKernels* const ELEM_AVX2;  // null where it cannot be built
/** The AVX-512 quantizers (quantize-avx512.cc; x86-64 only). */
QuantCounts quantizeAvx512(const View& values, double scale, double lo, double hi, int rounding,
                           uint32_t* rng, const View& out);
QuantCounts requantizeAvx512(const View& mant, int s, double div, double half, double p24,
                             double lo, double hi, int rounding, uint32_t* rng, const View& out);
/** AVX-512 kernels; null entries (conv data movers) come from ELEM_AVX2, which must exist. */
extern const ElemKernels* const ELEM_AVX512;  // null where it cannot be built

const ElemKernels& elemKernels(Isa isa);
