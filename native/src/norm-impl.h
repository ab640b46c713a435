// SPDX-License-Identifier: MIT
// Bodies of the kernels of norm.h, included inside an anonymous namespace by norm-portable.cc,
// norm-avx2.cc and norm-avx512.cc (compiled once per instruction set). Float results repeat
// the reference's float64 operations in its order (no contraction: -ffp-contract=off, and
// the targets leave out FMA), so they are its bits; integer sums are exact. Loops load every
// element and select without branches so that they vectorize. Large calls split into tasks
// over planes or channels; the max and the counts combine with atomics, which no order of
// tasks changes. Only compiler builtins here (no inline library functions: see isa-begin.h).

// Without -fno-trapping-math GCC keeps float compares and selects as branches (a compare may
// raise a flag) and leaves loops such as flag_quantize's scalar. No result changes: the
// kernels read no floating-point flags and run in the default rounding mode.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

template <typename P>
using Elem = typename std::remove_const<typename std::remove_pointer<P>::type>::type;

/** Runs body(i0, i1) over [0, n) units of `unit` elements each, on the pool when large. */
template <typename F>
void split(int64_t n, int64_t unit, F&& body) {
  pool::chunked(n, pool::perTask(unit), body);
}

/** Raises *to to v (both >= 0), from any task. */
inline void atomicMax(int32_t* to, int32_t v) {
  int32_t cur = __atomic_load_n(to, __ATOMIC_RELAXED);
  while (v > cur &&
         !__atomic_compare_exchange_n(to, &cur, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

/** atomicMax for int64 maxima (an int32 output's max |out| reaches 2^31). */
inline void atomicMax64(int64_t* to, int64_t v) {
  int64_t cur = __atomic_load_n(to, __ATOMIC_RELAXED);
  while (v > cur &&
         !__atomic_compare_exchange_n(to, &cur, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

/** max |o[0, n)| of int32 values, in int64 (running min and max in int32 lanes vectorize). */
inline int64_t maxAbsI32(const int32_t* o, int64_t n) {
  int32_t lo = 0, hi = 0;
  for (int64_t i = 0; i < n; i++) {
    lo = o[i] < lo ? o[i] : lo;
    hi = o[i] > hi ? o[i] : hi;
  }
  return -int64_t(lo) > int64_t(hi) ? -int64_t(lo) : int64_t(hi);
}

/**
 * max |y| over [0, n) as the bits of a float32 with the sign cleared: for non-negative IEEE
 * numbers the integer order of the bits is the numeric order, and NaN and the infinities are
 * the patterns >= 0x7f800000, so one integer max (which vectorizes) gives both answers.
 */
inline int32_t maxAbsBits(const float* y, int64_t n) {
  int32_t m = 0;
  for (int64_t i = 0; i < n; i++) {
    int32_t b;
    __builtin_memcpy(&b, y + i, 4);
    b &= 0x7fffffff;
    m = b > m ? b : m;
  }
  return m;
}

/** The kernels' amax result from maxAbsBits: the number, or NaN for NaN or an infinity. */
inline double amaxOf(int32_t bits) {
  if (bits >= 0x7f800000) return __builtin_nan("");
  float f;
  __builtin_memcpy(&f, &bits, 4);
  return static_cast<double>(f);
}

/** y = y > 0 ? y : 0 and mask = y > 0 over [0, n) (NaN and -0 become +0). */
template <typename T>
void reluPlane(T* y, int64_t n, int8_t* mask) {
  if (mask)
    for (int64_t i = 0; i < n; i++) mask[i] = static_cast<int8_t>(y[i] > 0);
  for (int64_t i = 0; i < n; i++) {
    const T v = y[i];
    y[i] = v > 0 ? v : T(0);
  }
}

// ---- bn_sums --------------------------------------------------------------------------------

/** int64 lanes per sum of an exact plane sum (one AVX-512 register). */
constexpr int64_t SUM_LANES = 8;

/**
 * Exact integer sums of a and a * b over one (n, c) plane of R elements, added into the
 * channel's sums acc = [sa, ph, pl] (SUM_LANES int64 lanes each; this loop uses lane 0).
 * Products (|p| <= 2^62) add as their high part p >> 32 (signed) and low part
 * p & (2^32 - 1), which no count of terms below 2^31 overflows; ph * 2^32 + pl is the exact
 * sum of products (pl signed on the small-type path).
 */
template <typename A, typename B>
void sumsExactPlane(const A* ap, const B* bp, const int8_t* mp, int64_t R, int64_t* acc) {
  int64_t sa = 0, ph = 0, pl = 0;
  if (sizeof(A) <= 2 && sizeof(B) <= 2) {
    // |a b| < 2^30: a plain int64 sum (below 2^62 for any plane of fewer than 2^32).
    int64_t s = 0, p = 0;
    for (int64_t r = 0; r < R; r++) {
      const int32_t av = mp ? (mp[r] != 0 ? ap[r] : A(0)) : ap[r];
      s += av;
      p += av * static_cast<int32_t>(bp[r]);
    }
    sa = s;
    pl = p;  // may go negative: the final split takes it as a signed sum
  } else {
    for (int64_t r = 0; r < R; r++) {
      const int64_t av = mp ? (mp[r] != 0 ? ap[r] : A(0)) : ap[r];
      const int64_t p = av * static_cast<int64_t>(bp[r]);
      sa += av;
      ph += p >> 32;
      pl += p & 0xffffffffll;
    }
  }
  acc[0] += sa;
  acc[SUM_LANES] += ph;
  acc[2 * SUM_LANES] += pl;
}

/**
 * bn_sums of integer a and b, exact: the planes in memory order (sample by sample, each
 * sample's channels in turn), so the reads stream. Read channel by channel, each plane began
 * a jump of C * R elements: at ResNet-20's 16 x 32 x 32 int32 planes, cold in cache as in a
 * training step, the masked backward sums took 360 us against 87 warm. Tasks take whole
 * samples, each into its own channel sums; integer sums are the same in any order, so every
 * thread count gives the same integers.
 */
template <typename A, typename B>
void sumsExactPlanes(const A* a, const B* b, const int8_t* mask, int64_t N, int64_t C,
                     int64_t R, double* out) {
  const int64_t per = pool::perTask(C * R);
  const int64_t tasks = (N + per - 1) / per;
  const int64_t stride = 3 * SUM_LANES;  // int64 per channel
  const int64_t words = (tasks > 0 ? tasks : 1) * C * stride;
  auto* acc = static_cast<int64_t*>(scratch(Slot::Sums, static_cast<size_t>(words) * 8));
  for (int64_t i = 0; i < words; i++) acc[i] = 0;
  pool::run(static_cast<int>(tasks), [&](int t) {
    int64_t* at = acc + t * C * stride;
    const int64_t n1 = (t + 1) * per < N ? (t + 1) * per : N;
    for (int64_t n = t * per; n < n1; n++)
      for (int64_t c = 0; c < C; c++) {
        const int64_t o = (n * C + c) * R;
        const int8_t* mp = mask ? mask + o : nullptr;
#ifdef LOWBIT_SUMS_EXACT32_PLANE
        if constexpr (sizeof(B) == 4 && std::is_integral_v<A>) {
          LOWBIT_SUMS_EXACT32_PLANE(a + o, b + o, mp, R, at + c * stride);
          continue;
        }
#endif
        sumsExactPlane(a + o, b + o, mp, R, at + c * stride);
      }
  });
  for (int64_t c = 0; c < C; c++) {
    int64_t sa = 0, ph = 0, pl = 0;
    for (int64_t t = 0; t < tasks; t++) {
      const int64_t* s = acc + (t * C + c) * stride;
      for (int64_t l = 0; l < SUM_LANES; l++) {
        sa += s[l];
        ph += s[SUM_LANES + l];
        pl += s[2 * SUM_LANES + l];
      }
    }
    // sab = ph 2^32 + pl, pl signed (the small-type path) or >= 0.
    const int64_t sabHi = ph + (pl >> 32), sabLo = pl & 0xffffffffll;
    out[4 * c] = static_cast<double>(sa >> 32);
    out[4 * c + 1] = static_cast<double>(sa & 0xffffffffll);
    out[4 * c + 2] = static_cast<double>(sabHi);
    out[4 * c + 3] = static_cast<double>(sabLo);
  }
}

/**
 * v where m != 0, else +0.0, as a bit mask (the select `m ? v : 0.0` stayed a branch, and the
 * masked sums of a backward pass, whose ReLU masks are about half zeros, ran 15x slower than
 * the unmasked ones). The same value as the select for every v, NaN and infinities included.
 */
inline double keepIf(int8_t m, double v) {
  uint64_t bits;
  __builtin_memcpy(&bits, &v, sizeof bits);
  bits &= -static_cast<uint64_t>(m != 0);
  double out;
  __builtin_memcpy(&out, &bits, sizeof out);
  return out;
}

/**
 * A plane's last R mod 4 elements (from r) into lanes 0.. of one channel's sums, as the
 * reference takes them; L is double[4] or a vector of four doubles.
 */
template <bool MASKED, typename A, typename B, typename L>
inline void addTail(const A* a, const B* b, const int8_t* mask, int64_t o0, int64_t r, int64_t R,
                    L& la, L& lab) {
  for (int64_t rr = r, j = 0; rr < R; rr++, j++) {
    const int64_t o = o0 + rr;
    const double v = static_cast<double>(a[o]);
    const double av = MASKED ? keepIf(mask[o], v) : v;
    la[j] += av;
    lab[j] += av * static_cast<double>(b[o]);
  }
}

/** G channels' four lanes combined (l0 + l2) + (l1 + l3), in bn_sums' [0, sa, 0, sab] rows. */
template <int G, typename L>
inline void storeSums(const L* la, const L* lab, int64_t c, double* out) {
  for (int g = 0; g < G; g++) {
    double* w = out + 4 * (c + g);
    w[0] = 0;
    w[1] = la[g][0] + la[g][2] + (la[g][1] + la[g][3]);
    w[2] = 0;
    w[3] = lab[g][0] + lab[g][2] + (lab[g][1] + lab[g][3]);
  }
}

/**
 * The float sums of G channels c..c+G-1: element r of a plane to lane r mod 4, lanes combined
 * (l0 + l2) + (l1 + l3). Each channel's four lanes keep the reference's order; the G channels'
 * sums are independent chains, so they overlap the float adds' latency (one channel at a time
 * waited on it).
 */
template <typename A, typename B, bool MASKED, int G>
void sumsFloatChannels(const A* a, const B* b, const int8_t* mask, int64_t N, int64_t C,
                       int64_t R, int64_t c, double* out) {
  double la[G][4] = {}, lab[G][4] = {};
  for (int64_t n = 0; n < N; n++) {
    const int64_t o0 = (n * C + c) * R;
    int64_t r = 0;
    for (; r + 4 <= R; r += 4)
      for (int g = 0; g < G; g++) {
        const int64_t o = o0 + g * R + r;
        double av[4], bv[4];
        for (int j = 0; j < 4; j++) {
          const double v = static_cast<double>(a[o + j]);
          av[j] = MASKED ? keepIf(mask[o + j], v) : v;
          bv[j] = static_cast<double>(b[o + j]);
        }
        for (int j = 0; j < 4; j++) la[g][j] += av[j];
        for (int j = 0; j < 4; j++) lab[g][j] += av[j] * bv[j];
      }
    for (int g = 0; g < G; g++) addTail<MASKED>(a, b, mask, o0 + g * R, r, R, la[g], lab[g]);
  }
  storeSums<G>(la, lab, c, out);
}

/**
 * sumsFloatChannels for float32 a and b, four elements at a time as vectors of four float64
 * lanes (the same lanes, orders and final combination): the generic loop's element-wise
 * masking and conversions vectorized poorly (scalar loads and inserts, 2.5x slower masked).
 * Masked-out elements become +0.0 by clearing their bits before the conversion.
 */
template <bool MASKED, int G, bool SELF = false>
void sumsFloat32Channels(const float* a, const float* b, const int8_t* mask, int64_t N,
                         int64_t C, int64_t R, int64_t c, double* out) {
  typedef float F4 __attribute__((vector_size(16)));
  typedef int32_t I4 __attribute__((vector_size(16)));
  typedef double D4 __attribute__((vector_size(32)));
  D4 la[G], lab[G];
  for (int g = 0; g < G; g++) la[g] = lab[g] = D4{0, 0, 0, 0};
  for (int64_t n = 0; n < N; n++) {
    const int64_t o0 = (n * C + c) * R;
    int64_t r = 0;
    for (; r + 4 <= R; r += 4)
      for (int g = 0; g < G; g++) {
        const int64_t o = o0 + g * R + r;
        F4 fa, fb;
        __builtin_memcpy(&fa, a + o, sizeof fa);
        // SELF (b is a: the forward's sums of x and x^2): one load and conversion.
        if (!SELF) __builtin_memcpy(&fb, b + o, sizeof fb);
        if (MASKED) {
          const I4 keep = {mask[o] != 0 ? -1 : 0, mask[o + 1] != 0 ? -1 : 0,
                           mask[o + 2] != 0 ? -1 : 0, mask[o + 3] != 0 ? -1 : 0};
          I4 bits;
          __builtin_memcpy(&bits, &fa, sizeof bits);
          bits &= keep;
          __builtin_memcpy(&fa, &bits, sizeof fa);
        }
        const D4 av = __builtin_convertvector(fa, D4);
        const D4 bv = SELF ? av : __builtin_convertvector(fb, D4);
        la[g] += av;
        lab[g] += av * bv;
      }
    for (int g = 0; g < G; g++) addTail<MASKED>(a, b, mask, o0 + g * R, r, R, la[g], lab[g]);
  }
  storeSums<G>(la, lab, c, out);
}

/** Channels [c0, c1) in groups of four, then one by one. */
template <typename A, typename B, bool MASKED>
void sumsFloatRange(const A* a, const B* b, const int8_t* mask, int64_t N, int64_t C, int64_t R,
                    int64_t c0, int64_t c1, double* out) {
  int64_t c = c0;
  if constexpr (std::is_same_v<A, float> && std::is_same_v<B, float> && !MASKED) {
    if (static_cast<const void*>(a) == static_cast<const void*>(b)) {
      for (; c + 4 <= c1; c += 4) sumsFloat32Channels<false, 4, true>(a, b, mask, N, C, R, c, out);
      for (; c < c1; c++) sumsFloat32Channels<false, 1, true>(a, b, mask, N, C, R, c, out);
      return;
    }
  }
  if constexpr (std::is_same_v<A, float> && std::is_same_v<B, float>) {
    for (; c + 4 <= c1; c += 4) sumsFloat32Channels<MASKED, 4>(a, b, mask, N, C, R, c, out);
    for (; c < c1; c++) sumsFloat32Channels<MASKED, 1>(a, b, mask, N, C, R, c, out);
    return;
  }
  for (; c + 4 <= c1; c += 4) sumsFloatChannels<A, B, MASKED, 4>(a, b, mask, N, C, R, c, out);
  for (; c < c1; c++) sumsFloatChannels<A, B, MASKED, 1>(a, b, mask, N, C, R, c, out);
}

void bnSumsK(const View& a, const View& bIn, const int8_t* mask, int64_t N, int64_t C,
             int64_t R, double* out) {
  const View& b = bIn.p ? bIn : a;
  withKind(a, [&](auto* ap) {
    withKind(b, [&](auto* bp) {
      using A = Elem<decltype(ap)>;
      using B = Elem<decltype(bp)>;
      constexpr bool intPair = static_cast<A>(0.5) == 0 && static_cast<B>(0.5) == 0;
      if constexpr (intPair) {
        sumsExactPlanes(ap, bp, mask, N, C, R, out);
      } else {
        // Float sums keep the reference's order within each channel: tasks by channel.
        split(C, N * R, [&](int64_t c0, int64_t c1) {
          if (mask) sumsFloatRange<A, B, true>(ap, bp, mask, N, C, R, c0, c1, out);
          else sumsFloatRange<A, B, false>(ap, bp, mask, N, C, R, c0, c1, out);
        });
      }
    });
  });
}

// ---- bn_forward, bn_affine_int, bn_backward -------------------------------------------------

template <typename T, bool XHAT32>
void forwardPlane(const T* x, int64_t R, double mu, double rs, double g, double b, float* y) {
  for (int64_t r = 0; r < R; r++) {
    double t = (static_cast<double>(x[r]) - mu) * rs;
    if (XHAT32) t = static_cast<double>(static_cast<float>(t));
    y[r] = static_cast<float>(g * t + b);
  }
}

double bnForwardK(const View& x, int64_t N, int64_t C, int64_t R, const double* p, bool xhat32,
                  bool relu, int8_t* mask, float* y) {
  int32_t amax = 0;
  withKind(x, [&](auto* xp) {
    split(N * C, R, [&](int64_t i0, int64_t i1) {
      int32_t m = 0;
      for (int64_t i = i0; i < i1; i++) {
        const int64_t c = i % C, o = i * R;
        const double* q = p + 4 * c;
        if (xhat32) forwardPlane<Elem<decltype(xp)>, true>(xp + o, R, q[0], q[1], q[2], q[3], y + o);
        else forwardPlane<Elem<decltype(xp)>, false>(xp + o, R, q[0], q[1], q[2], q[3], y + o);
        if (relu) reluPlane(y + o, R, mask ? mask + o : nullptr);
        const int32_t b = maxAbsBits(y + o, R);
        m = b > m ? b : m;
      }
      atomicMax(&amax, m);
    });
  });
  return amaxOf(amax);
}

double bnAffineIntK(const View& x, int64_t N, int64_t C, int64_t R, const double* p, bool relu,
                    int8_t* mask, const View& y) {
  int64_t imax = 0;  // int32 y: max |y| itself (a dynamic-exponent site after it skips its scan)
  withKind(x, [&](auto* xp) {
    split(N * C, R, [&](int64_t i0, int64_t i1) {
      int64_t m = 0;
      for (int64_t i = i0; i < i1; i++) {
        const int64_t c = i % C, o = i * R;
        const double g = p[2 * c], b = p[2 * c + 1];
        int8_t* mp = mask ? mask + o : nullptr;
        if (y.kind == Kind::I32) {
          // g x + b is an exact integer the caller bounds by 2^31 - 1 (converted directly:
          // a float64-to-int64 conversion does not vectorize without AVX-512 DQ).
          int32_t* yp = static_cast<int32_t*>(y.p) + o;
          for (int64_t r = 0; r < R; r++)
            yp[r] = static_cast<int32_t>(g * static_cast<double>(xp[o + r]) + b);
          if (relu) reluPlane(yp, R, mp);
          const int64_t b2 = maxAbsI32(yp, R);
          m = b2 > m ? b2 : m;
        } else {
          double* yp = static_cast<double*>(y.p) + o;
          for (int64_t r = 0; r < R; r++) yp[r] = g * static_cast<double>(xp[o + r]) + b;
          if (relu) reluPlane(yp, R, mp);
        }
      }
      atomicMax64(&imax, m);
    });
  });
  return y.kind == Kind::I32 ? static_cast<double>(imax) : __builtin_nan("");
}

/** 2^31 as a float64: bn_xhat_int's cap on the max it returns. */
constexpr double TWO31 = 2147483648.0;

/**
 * One plane of bn_xhat_int: out = floor(f32((x - mu) rs) scale + 1/2), stored clamped to int32
 * (NaN as 0: no undefined conversion); lo and hi take the stored min and max, flags bit 0 a
 * NaN and bit 1 a value past int32. Integer min and max and or-ed flags vectorize.
 */
template <typename T>
inline void xhatIntPlane(const T* x, int64_t R, double mu, double rs, double scale, int32_t* out,
                         int32_t& lo, int32_t& hi, int32_t& flags) {
  int32_t l = lo, h = hi, f = 0;
  for (int64_t r = 0; r < R; r++) {
    const double t = (static_cast<double>(x[r]) - mu) * rs;
    const double w = static_cast<double>(static_cast<float>(t)) * scale + 0.5;
    // floor(w) past int32: w < -2^31 or w >= 2^31.
    f |= (w != w ? 1 : 0) | ((w < -TWO31) | (w >= TWO31) ? 2 : 0);
    // floor(w) clamped to int32 as truncation then a step down where that rounded up (floor
    // itself stayed a scalar call per element).
    const double c0 = w < -TWO31 ? -TWO31 : (w > TWO31 - 1 ? TWO31 - 1 : w);
    const double c = c0 == c0 ? c0 : 0.0;
    int32_t q = static_cast<int32_t>(c);
    q -= static_cast<double>(q) > c ? 1 : 0;
    out[r] = q;
    l = q < l ? q : l;
    h = q > h ? q : h;
  }
  lo = l;
  hi = h;
  flags |= f;
}

double bnXhatIntK(const View& x, int64_t N, int64_t C, int64_t R, const double* p, double scale,
                  int32_t* out) {
  int64_t imax = 0;
  int32_t allFlags = 0;
  withKind(x, [&](auto* xp) {
    split(N * C, R, [&](int64_t i0, int64_t i1) {
      int32_t lo = 0, hi = 0, flags = 0;
      for (int64_t i = i0; i < i1; i++) {
        const int64_t c = i % C, o = i * R;
#ifdef LOWBIT_XHAT_INT32
        if constexpr (std::is_same_v<Elem<decltype(xp)>, int32_t>) {
          LOWBIT_XHAT_INT32(xp + o, R, p[2 * c], p[2 * c + 1], scale, out + o, lo, hi, flags);
          continue;
        }
#endif
        xhatIntPlane(xp + o, R, p[2 * c], p[2 * c + 1], scale, out + o, lo, hi, flags);
      }
      atomicMax64(&imax, -int64_t(lo) > int64_t(hi) ? -int64_t(lo) : int64_t(hi));
      if (flags) __atomic_fetch_or(&allFlags, flags, __ATOMIC_RELAXED);
    });
  });
  if (allFlags & 1) return __builtin_nan("");
  return allFlags & 2 ? TWO31 : static_cast<double>(imax);
}

/** One plane of bn_backward; MASKED: e taken as 0 where mask is 0 (loaded, then selected). */
template <typename E, typename X, bool XHAT32, bool MASKED>
void backwardPlane(const E* e, const X* x, const int8_t* mask, int64_t R, const double* q,
                   float* dx) {
  const double mu = q[0], rs = q[1], k = q[2], a = q[3], b = q[4];
  for (int64_t r = 0; r < R; r++) {
    const E e0 = e[r];
    const double ev = static_cast<double>(MASKED ? (mask[r] != 0 ? e0 : E(0)) : e0);
    double t = (static_cast<double>(x[r]) - mu) * rs;
    if (XHAT32) t = static_cast<double>(static_cast<float>(t));
    dx[r] = static_cast<float>(k * (ev - a - t * b));
  }
}

double bnBackwardK(const View& e, const View& x, const int8_t* mask, int64_t N, int64_t C,
                   int64_t R, const double* p, bool xhat32, float* dx) {
  int32_t amax = 0;
  withKind(e, [&](auto* ep) {
    withKind(x, [&](auto* xp) {
      using E = Elem<decltype(ep)>;
      using X = Elem<decltype(xp)>;
      split(N * C, R, [&](int64_t i0, int64_t i1) {
        int32_t m = 0;
        for (int64_t i = i0; i < i1; i++) {
          const int64_t c = i % C, o = i * R;
          const int8_t* mp = mask ? mask + o : nullptr;
          const double* q = p + 5 * c;
          if (xhat32 && mp) backwardPlane<E, X, true, true>(ep + o, xp + o, mp, R, q, dx + o);
          else if (xhat32) backwardPlane<E, X, true, false>(ep + o, xp + o, mp, R, q, dx + o);
          else if (mp) backwardPlane<E, X, false, true>(ep + o, xp + o, mp, R, q, dx + o);
          else backwardPlane<E, X, false, false>(ep + o, xp + o, mp, R, q, dx + o);
          const int32_t b = maxAbsBits(dx + o, R);
          m = b > m ? b : m;
        }
        atomicMax(&amax, m);
      });
    });
  });
  return amaxOf(amax);
}

// ---- add_scaled -----------------------------------------------------------------------------

double addScaledK(const View& a, double ka, const View& b, double kb, bool relu, int8_t* mask,
                  const View& out) {
#ifdef LOWBIT_ADD_SCALED_VEC
  double fast;
  if (addScaledVec(a, ka, b, kb, relu, mask, out, fast)) return fast;
#endif
  int32_t amax = 0;
  int64_t imax = 0;  // int32 out: max |out| itself
  const int64_t n = a.n;
  withKind(a, [&](auto* ap) {
    withKind(b, [&](auto* bp) {
      split(n, 1, [&](int64_t i0, int64_t i1) {
        int8_t* mp = mask ? mask + i0 : nullptr;
        if (out.kind == Kind::F32) {
          float* o = static_cast<float*>(out.p);
          for (int64_t i = i0; i < i1; i++) {
            const double sa = static_cast<float>(static_cast<double>(ap[i]) * ka);
            const double sb = static_cast<float>(static_cast<double>(bp[i]) * kb);
            o[i] = static_cast<float>(sa + sb);
          }
          if (relu) reluPlane(o + i0, i1 - i0, mp);
          atomicMax(&amax, maxAbsBits(o + i0, i1 - i0));
        } else if (out.kind == Kind::I32) {
          // Integer terms whose sum the caller bounds by 2^31 - 1: the stored integer.
          int32_t* o = static_cast<int32_t*>(out.p);
          for (int64_t i = i0; i < i1; i++)
            o[i] = static_cast<int32_t>(static_cast<double>(ap[i]) * ka +
                                        static_cast<double>(bp[i]) * kb);
          if (relu) reluPlane(o + i0, i1 - i0, mp);
          // The task's range was just written (in cache): its max for the next site's exponent.
          atomicMax64(&imax, maxAbsI32(o + i0, i1 - i0));
        } else {
          double* o = static_cast<double*>(out.p);
          for (int64_t i = i0; i < i1; i++)
            o[i] = static_cast<double>(ap[i]) * ka + static_cast<double>(bp[i]) * kb;
          if (relu) reluPlane(o + i0, i1 - i0, mp);
        }
      });
    });
  });
  if (out.kind == Kind::F32) return amaxOf(amax);
  return out.kind == Kind::I32 ? static_cast<double>(imax) : __builtin_nan("");
}

// ---- minMax, flag_quantize ------------------------------------------------------------------

/** Lowers *to to v / raises it, from any task (the extremes combine in any order). */
template <typename V>
inline void atomicLower(V* to, V v) {
  V cur = __atomic_load_n(to, __ATOMIC_RELAXED);
  while (v < cur &&
         !__atomic_compare_exchange_n(to, &cur, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}
template <typename V>
inline void atomicRaiseTo(V* to, V v) {
  V cur = __atomic_load_n(to, __ATOMIC_RELAXED);
  while (v > cur &&
         !__atomic_compare_exchange_n(to, &cur, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

template <typename T>
bool minMaxInt(const T* x, int64_t n, double* out) {
  int64_t loAll = 0, hiAll = 0;
  pool::chunked(n, pool::CHUNK, [&](int64_t a, int64_t b) {
    T lo = 0, hi = 0;
    for (int64_t i = a; i < b; i++) {
      const T v = x[i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    atomicLower(&loAll, static_cast<int64_t>(lo));
    atomicRaiseTo(&hiAll, static_cast<int64_t>(hi));
  });
  out[0] = static_cast<double>(loAll);
  out[1] = static_cast<double>(hiAll);
  return true;
}

/**
 * Floats through order-preserving integer keys: the bits for x >= +0, the bits with the
 * magnitude flipped for negative x (so larger magnitudes give smaller keys); integer min/max
 * vectorize where a float min/max with NaN semantics does not. NaN and the infinities have the
 * keys beyond the finite ones', -0 the key just below +0's (the caller reads -0 as 0).
 */
template <typename F, typename U>
bool minMaxFloat(const F* x, int64_t n, double* out) {
  constexpr int SH = 8 * sizeof(U) - 1;
  using UU = typename std::make_unsigned<U>::type;
  const U sign = static_cast<U>(UU(1) << SH), flip = static_cast<U>(~sign);
  U lo = 0, hi = 0;
  pool::chunked(n, pool::CHUNK, [&](int64_t a, int64_t b) {
    U l = 0, h = 0;
    for (int64_t i = a; i < b; i++) {
      U bits;
      __builtin_memcpy(&bits, x + i, sizeof bits);
      const U key = bits ^ ((bits >> SH) & flip);
      l = key < l ? key : l;
      h = key > h ? key : h;
    }
    atomicLower(&lo, l);
    atomicRaiseTo(&hi, h);
  });
  const U inf = sizeof(U) == 4 ? U(0x7f800000) : static_cast<U>(0x7ff0000000000000ll);
  const U negInf = (inf | sign) ^ flip;
  if (hi >= inf || lo <= negInf) return false;
  F f;
  const U l = lo ^ ((lo >> SH) & flip), h = hi ^ ((hi >> SH) & flip);
  __builtin_memcpy(&f, &l, sizeof f);
  out[0] = static_cast<double>(f);
  __builtin_memcpy(&f, &h, sizeof f);
  out[1] = static_cast<double>(f);
  return true;
}

bool minMaxK(const View& x, double* out) {
  switch (x.kind) {
    case Kind::I8:
      return minMaxInt(static_cast<const int8_t*>(x.p), x.n, out);
    case Kind::I16:
      return minMaxInt(static_cast<const int16_t*>(x.p), x.n, out);
    case Kind::I32:
      return minMaxInt(static_cast<const int32_t*>(x.p), x.n, out);
    case Kind::F32:
      return minMaxFloat<float, int32_t>(static_cast<const float*>(x.p), x.n, out);
    default:
      return minMaxFloat<double, int64_t>(static_cast<const double*>(x.p), x.n, out);
  }
}

/** Elements per block of flagRange: its int32 counts cannot overflow, its buffer is 16 KiB. */
constexpr int64_t FLAG_BLOCK = 4096;

template <typename T, typename TO>
FlagCounts flagRange(const T* x, int64_t i0, int64_t i1, double pre, double post, double half,
                     double top, TO* out) {
  int64_t sat = 0, under = 0;
  // Each block computes int32 mantissas, then narrows them to the output type: one loop that
  // did both (doubles to int8) and int64 counts did not vectorize.
  int32_t buf[FLAG_BLOCK];
  for (int64_t b0 = i0; b0 < i1; b0 += FLAG_BLOCK) {
    const int64_t len = b0 + FLAG_BLOCK < i1 ? FLAG_BLOCK : i1 - b0;
    const T* xb = x + b0;
    int32_t s = 0, u0 = 0;
    for (int64_t i = 0; i < len; i++) {
      const double v = static_cast<double>(xb[i]) * pre;
      const double u = v * post;
      // the large case: whole multiples of Sc, at most 2^(k-1) - 1 of them
      const double r = __builtin_floor(u + 0.5);
      const double c = r > top ? top : (r < -top ? -top : r);
      const double small = __builtin_floor(u * half + 0.5);
      const bool big = __builtin_fabs(u) >= 1;
      const double m = big ? c * half : small;
      s += big & (c != r) ? 1 : 0;
      u0 += (m == 0) & (v != 0) ? 1 : 0;
      buf[i] = static_cast<int32_t>(m == m ? m : 0.0);  // NaN stores 0
    }
    // A typed-array store narrows by wrapping.
    for (int64_t i = 0; i < len; i++) out[b0 + i] = static_cast<TO>(buf[i]);
    sat += s;
    under += u0;
  }
  return {sat, under};
}

FlagCounts flagQuantizeK(const View& x, double pre, double post, double half, double top,
                         const View& out) {
  int64_t sat = 0, under = 0;
  withKind(x, [&](auto* xp) {
    withIntKind(out, [&](auto* op) {
      split(x.n, 1, [&](int64_t i0, int64_t i1) {
#ifdef LOWBIT_FLAG_RANGE
        const FlagCounts c = LOWBIT_FLAG_RANGE(xp, i0, i1, pre, post, half, top, op);
#else
        const FlagCounts c = flagRange(xp, i0, i1, pre, post, half, top, op);
#endif
        __atomic_fetch_add(&sat, c.saturated, __ATOMIC_RELAXED);
        __atomic_fetch_add(&under, c.underflow, __ATOMIC_RELAXED);
      });
    });
  });
  return {sat, under};
}

// ---- bn_backward fused with its max or with flag_quantize ----------------------------------

/** Elements per block of the fused backward kernels: one block of dx stays in L1. */
constexpr int64_t BWD_BLOCK = 1024;

/**
 * bn_backward's dx of plane i (channel i mod C) block by block into buf, each block then handed
 * to f(offset of the block in (N, C, R), length): the float32 dx without an array of it.
 */
template <typename E, typename X, typename F>
inline void backwardBlocks(const E* e, const X* x, const int8_t* mask, int64_t C, int64_t R,
                           const double* p, bool xhat32, int64_t i, float* buf, F&& f) {
  const int64_t c = i % C, o = i * R;
  const double* q = p + 5 * c;
  for (int64_t r0 = 0; r0 < R; r0 += BWD_BLOCK) {
    const int64_t len = R - r0 < BWD_BLOCK ? R - r0 : BWD_BLOCK, a = o + r0;
    const int8_t* mp = mask ? mask + a : nullptr;
    if (xhat32 && mp) backwardPlane<E, X, true, true>(e + a, x + a, mp, len, q, buf);
    else if (xhat32) backwardPlane<E, X, true, false>(e + a, x + a, mp, len, q, buf);
    else if (mp) backwardPlane<E, X, false, true>(e + a, x + a, mp, len, q, buf);
    else backwardPlane<E, X, false, false>(e + a, x + a, mp, len, q, buf);
    f(a, len);
  }
}

double bnBackwardMaxK(const View& e, const View& x, const int8_t* mask, int64_t N, int64_t C,
                      int64_t R, const double* p, bool xhat32) {
  int32_t amax = 0;
  withKind(e, [&](auto* ep) {
    withKind(x, [&](auto* xp) {
      using E = Elem<decltype(ep)>;
      using X = Elem<decltype(xp)>;
      split(N * C, R, [&](int64_t i0, int64_t i1) {
        float buf[BWD_BLOCK];
        int32_t m = 0;
        for (int64_t i = i0; i < i1; i++)
          backwardBlocks<E, X>(ep, xp, mask, C, R, p, xhat32, i, buf, [&](int64_t, int64_t len) {
            const int32_t b = maxAbsBits(buf, len);
            m = b > m ? b : m;
          });
        atomicMax(&amax, m);
      });
    });
  });
  return amaxOf(amax);
}

/** f with v's elements as int16_t* (I16) or int32_t* (any other kind). */
template <typename F>
void with16or32(const View& v, F&& f) {
  if (v.kind == Kind::I16) f(static_cast<int16_t*>(v.p));
  else f(static_cast<int32_t*>(v.p));
}

// e integer, x and out int16 or int32 (the binding checks): WAGEUBN's quantized error, x-hat
// mantissas and flag mantissas; other types were many instantiations of the flag loop.
FlagCounts bnBackwardFlagK(const View& e, const View& x, const int8_t* mask, int64_t N,
                           int64_t C, int64_t R, const double* p, bool xhat32, double post,
                           double half, double top, const View& out) {
  int64_t sat = 0, under = 0;
  withIntKind(e, [&](auto* ep) {
    with16or32(x, [&](auto* xp) {
      using E = Elem<decltype(ep)>;
      using X = Elem<decltype(xp)>;
      with16or32(out, [&](auto* op) {
        split(N * C, R, [&](int64_t i0, int64_t i1) {
          float buf[BWD_BLOCK];
          int64_t s = 0, u = 0;
          for (int64_t i = i0; i < i1; i++)
            backwardBlocks<E, X>(ep, xp, mask, C, R, p, xhat32, i, buf, [&](int64_t a, int64_t len) {
              // flag_quantize of the float32 block (pre = 2^0), written at its place in out.
#ifdef LOWBIT_FLAG_RANGE
              const FlagCounts fc = LOWBIT_FLAG_RANGE(buf, 0, len, 1.0, post, half, top, op + a);
#else
              const FlagCounts fc = flagRange(buf, 0, len, 1.0, post, half, top, op + a);
#endif
              s += fc.saturated;
              u += fc.underflow;
            });
          __atomic_fetch_add(&sat, s, __ATOMIC_RELAXED);
          __atomic_fetch_add(&under, u, __ATOMIC_RELAXED);
        });
      });
    });
  });
  return {sat, under};
}

#define NORM_TABLE                                                                   \
  NormKernels {                                                                      \
    bnSumsK, bnForwardK, bnAffineIntK, bnBackwardK, addScaledK, minMaxK, flagQuantizeK, \
        bnXhatIntK, bnBackwardMaxK, bnBackwardFlagK                                     \
  }
