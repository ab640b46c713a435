// SPDX-License-Identifier: MIT
// lowbit's own float64 exp, sigmoid and tanh, scalar (the algorithm, constants and error
// bounds: src/kernels/ref/float-functions.ts; these are its operations in its order, no
// contraction, so the same bits). Included inside an anonymous namespace, also between
// isa-begin.h and isa-end.h: builtins only, no library calls.

constexpr double FF_INVLN2 = 1.4426950408889634;
constexpr double FF_LN2HI = 0.6931471803691238;
constexpr double FF_LN2LO = 1.9082149292705877e-10;
constexpr double FF_SHIFT = 6755399441055744.0;  // 1.5 * 2^52
constexpr double FF_EXP_HI = 709.782712893384;
constexpr double FF_EXP_LO = -745.1332191019411;
constexpr double FF_TANH_TINY = 3.725290298461914e-9;  // 2^-28
constexpr double FF_TANH_HUGE = 22.0;
// 1/n!, n = 2..13.
constexpr double FF_C[12] = {0.5,
                             0.16666666666666666,
                             0.041666666666666664,
                             0.008333333333333333,
                             0.001388888888888889,
                             0.0001984126984126984,
                             0.0000248015873015873,
                             0.0000027557319223985893,
                             2.755731922398589e-7,
                             2.505210838544172e-8,
                             2.08767569878681e-9,
                             1.6059043836821613e-10};

/** e^r - 1 for |r| <= ~0.35: Horner from 1/13! down, then r + r^2 q. */
inline double ffEm1(double r) {
  double q = FF_C[11];
  for (int n = 10; n >= 0; n--) q = FF_C[n] + r * q;
  return r + r * r * q;
}

/** 2^j for j in [-1022, 1023], exact. */
inline double ffPow2(int64_t j) {
  const uint64_t b = static_cast<uint64_t>(j + 1023) << 52;
  double d;
  __builtin_memcpy(&d, &b, 8);
  return d;
}

inline double ffExp(double x) {
  if (x != x) return x;
  if (x > FF_EXP_HI) return __builtin_inf();
  if (x < FF_EXP_LO) return 0.0;
  const double k = x * FF_INVLN2 + FF_SHIFT - FF_SHIFT;
  const double r = x - k * FF_LN2HI - k * FF_LN2LO;
  const int64_t ki = static_cast<int64_t>(k);
  const int64_t k1 = ki >> 1;
  return (1 + ffEm1(r)) * ffPow2(k1) * ffPow2(ki - k1);
}

inline double ffSigmoid(double x) {
  const double e = ffExp(x < 0 ? x : -x);
  return (x < 0 ? e : 1.0) / (1 + e);
}

inline double ffTanh(double x) {
  if (x != x) return x;
  const double a = x < 0 ? -x : x;
  if (a < FF_TANH_TINY) return x;
  double t = 1;
  if (a < FF_TANH_HUGE) {
    const double v = a * 2;
    const double k = v * FF_INVLN2 + FF_SHIFT - FF_SHIFT;
    const double r = v - k * FF_LN2HI - k * FF_LN2LO;
    const double s = ffPow2(static_cast<int64_t>(k));
    const double u = s * ffEm1(r) + (s - 1);
    const double d = u + 2;
    const double e = u > 2 ? u - d + 2 : 2 - d + u;
    const double q = u / d;
    t = q - (q * e) / d;
  }
  return x < 0 ? -t : t;
}
