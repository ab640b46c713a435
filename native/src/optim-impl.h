// SPDX-License-Identifier: MIT
// The optimizers' elementwise updates (src/kernels/ref/optim.ts), included inside an anonymous
// namespace by elem-portable.cc, elem-avx2.cc and elem-avx512.cc. Each repeats the reference's
// float64 operations in its order (no contraction: -ffp-contract=off, no FMA in the targets)
// and rounds once to float32 per store, as a Float32Array store does, so results are its
// bits. Elements are independent: large calls split into element ranges over the pool.

// Without -fno-trapping-math GCC keeps float compares and selects as branches and leaves the
// WAGEUBN loop scalar (see norm-impl.h). No result changes: no floating-point flags are read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

/** m = mu m + g + decay theta. */
void sgdMomentumK(float* m, const float* g, const float* theta, int64_t n, double mu,
                  double decay) {
  chunked(n, CHUNK, [&](int64_t a, int64_t b) {
    for (int64_t i = a; i < b; i++)
      m[i] = static_cast<float>(mu * static_cast<double>(m[i]) + static_cast<double>(g[i]) +
                                decay * static_cast<double>(theta[i]));
  });
}

/** u = lr x, or with theta u = lr (x + decay theta). */
void sgdUpdateK(float* u, const float* x, int64_t n, double lr, const float* theta,
                double decay) {
  chunked(n, CHUNK, [&](int64_t a, int64_t b) {
    if (theta)
      for (int64_t i = a; i < b; i++)
        u[i] = static_cast<float>(
            lr * (static_cast<double>(x[i]) + decay * static_cast<double>(theta[i])));
    else
      for (int64_t i = a; i < b; i++) u[i] = static_cast<float>(lr * static_cast<double>(x[i]));
  });
}

/** a -= b (sign = -1) or a += b (sign = 1). */
void addInplaceK(float* a, const float* b, int64_t n, int sign) {
  chunked(n, CHUNK, [&](int64_t i0, int64_t i1) {
    if (sign < 0)
      for (int64_t i = i0; i < i1; i++)
        a[i] = static_cast<float>(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    else
      for (int64_t i = i0; i < i1; i++)
        a[i] = static_cast<float>(static_cast<double>(a[i]) + static_cast<double>(b[i]));
  });
}

/** acc -= before - theta, as the reference: the difference in float64, then the sum. */
void kahanCarryK(float* acc, const float* before, const float* theta, int64_t n) {
  chunked(n, CHUNK, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++)
      acc[i] = static_cast<float>(static_cast<double>(acc[i]) -
                                  (static_cast<double>(before[i]) - static_cast<double>(theta[i])));
  });
}

/** Math.max(-lim, Math.min(lim, t)): NaN stays NaN, zeros keep their sign. */
inline double clipTo(double t, double lim) { return t > lim ? lim : (t < -lim ? -lim : t); }

/**
 * x / s as one multiplication by 1 / s where s is a power of two whose reciprocal is a normal
 * number: both are the exact quotient rounded once, so the same bits (a division costs ~8x).
 */
struct DivBy {
  double s, inv;
  bool mul;
  explicit DivBy(double d) : s(d), inv(1.0 / d) {
    uint64_t b;
    __builtin_memcpy(&b, &d, 8);
    const int e = static_cast<int>((b >> 52) & 2047);
    mul = (b & ((uint64_t(1) << 52) - 1)) == 0 && (b >> 63) == 0 && e > 1 && e < 2046;
  }
};

template <bool EVEN, bool MUL>
void wageubnRange(float* theta, const float* g, double* acc, int64_t a0, int64_t a1,
                  const WageubnArgs& o, const DivBy& gc, const DivBy& ac, const DivBy& wu) {
  const double lr = o.lr, mom = o.mom, decay = o.decay, lim = o.lim;
  const double sGC = gc.s, sAcc = ac.s, sWU = wu.s;
  const double iGC = gc.inv, iAcc = ac.inv, iWU = wu.inv;
  for (int64_t i = a0; i < a1; i++) {
    const double th = static_cast<double>(theta[i]);
    const double rg = __builtin_floor((static_cast<double>(g[i]) + decay * th) * sGC + 0.5);
    const double gq = MUL ? rg * iGC : rg / sGC;
    const double a = mom * acc[i] + gq;
    const double rt = __builtin_floor((th - lr * a) * sWU + 0.5);
    const double t = MUL ? rt * iWU : rt / sWU;
    theta[i] = static_cast<float>(clipTo(t, lim));
    // roundHalfEven is IEEE roundTiesToEven (rint in the default rounding mode).
    const double ra = EVEN ? __builtin_rint(a * sAcc) : __builtin_floor(a * sAcc + 0.5);
    acc[i] = MUL ? ra * iAcc : ra / sAcc;
  }
}

/** WAGEUBN's Momentum (ref/optim.ts wageubn_momentum_f32); s*: the scales 2^(k-1). */
void wageubnMomentumK(float* theta, const float* g, double* acc, int64_t n,
                      const WageubnArgs& o) {
  const double lr = o.lr, mom = o.mom, decay = o.decay;
  const DivBy gc(o.sGC), ac(o.sAcc), wu(o.sWU);
  const bool mul = gc.mul && ac.mul && wu.mul;
  chunked(n, CHUNK, [&](int64_t a0, int64_t a1) {
    if (!o.quantized) {
      for (int64_t i = a0; i < a1; i++) {
        const double a = mom * acc[i] + static_cast<double>(g[i]) +
                         decay * static_cast<double>(theta[i]);
        acc[i] = a;
        theta[i] = static_cast<float>(static_cast<double>(theta[i]) - lr * a);
      }
      return;
    }
    if (o.accEven) {
      if (mul) wageubnRange<true, true>(theta, g, acc, a0, a1, o, gc, ac, wu);
      else wageubnRange<true, false>(theta, g, acc, a0, a1, o, gc, ac, wu);
    } else {
      if (mul) wageubnRange<false, true>(theta, g, acc, a0, a1, o, gc, ac, wu);
      else wageubnRange<false, false>(theta, g, acc, a0, a1, o, gc, ac, wu);
    }
  });
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
