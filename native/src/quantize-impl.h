// SPDX-License-Identifier: MIT
// quantize / requantize / maxAbs bodies, included inside an anonymous namespace by
// elem-portable.cc and elem-avx2.cc (compiled once per instruction set). They repeat the
// float64 operations of src/quant/quantize.ts in the same order, so they give its integers and
// counts bit for bit; stochastic rounding draws one xoshiro128** word per element, in order,
// and uses its top 24 bits. Only compiler builtins here (no inline library functions: see
// isa-begin.h).

struct Xoshiro {
  uint32_t s0, s1, s2, s3;
  explicit Xoshiro(const uint32_t* st) : s0(st[0]), s1(st[1]), s2(st[2]), s3(st[3]) {}
  static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  uint32_t next() {
    const uint32_t r = rotl(s1 * 5u, 7) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return r;
  }
  void save(uint32_t* st) const {
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }
};

/** A clamped rounding result q (in [lo, hi], or NaN) stored as a JS typed-array store would. */
template <typename TO>
inline TO storeInt(double q) {
  return q == q ? static_cast<TO>(static_cast<int64_t>(q)) : TO(0);
}

/** Clamps q to [lo, hi] and counts, as quantizeInto does; `nonzero`: the input was not 0. */
inline double clampCount(double q, double lo, double hi, bool nonzero, QuantCounts& c) {
  if (q > hi) {
    c.saturated++;
    return hi;
  }
  if (q < lo) {
    c.saturated++;
    return lo;
  }
  if (q == 0 && nonzero) c.underflow++;
  return q;
}

template <typename TI, typename TO, int MODE>
QuantCounts quantizeT(const TI* v, int64_t n, double scale, double lo, double hi, uint32_t* st,
                      TO* out) {
  QuantCounts c{0, 0};
  if (MODE == ROUND_STOCHASTIC) {
    Xoshiro rng(st);
    for (int64_t i = 0; i < n; i++) {
      const double x = static_cast<double>(v[i]) * scale;
      const double u = static_cast<double>(rng.next() >> 8) / 16777216.0;
      out[i] = storeInt<TO>(clampCount(__builtin_floor(x + u), lo, hi, x != 0, c));
    }
    rng.save(st);
    return c;
  }
  for (int64_t i = 0; i < n; i++) {
    const double x = static_cast<double>(v[i]) * scale;
    const double q = MODE == ROUND_NEAREST ? __builtin_floor(x + 0.5) : __builtin_floor(x);
    out[i] = storeInt<TO>(clampCount(q, lo, hi, x != 0, c));
  }
  return c;
}

template <typename TI, typename TO>
QuantCounts quantizeMode(const TI* v, int64_t n, double scale, double lo, double hi, int mode,
                         uint32_t* st, TO* out) {
  switch (mode) {
    case ROUND_STOCHASTIC:
      return quantizeT<TI, TO, ROUND_STOCHASTIC>(v, n, scale, lo, hi, st, out);
    case ROUND_FLOOR:
      return quantizeT<TI, TO, ROUND_FLOOR>(v, n, scale, lo, hi, st, out);
    default:
      return quantizeT<TI, TO, ROUND_NEAREST>(v, n, scale, lo, hi, st, out);
  }
}

template <typename TI>
QuantCounts quantizeOut(const TI* v, int64_t n, double scale, double lo, double hi, int mode,
                        uint32_t* st, const View& out) {
  switch (out.kind) {
    case Kind::I8:
      return quantizeMode(v, n, scale, lo, hi, mode, st, static_cast<int8_t*>(out.p));
    case Kind::I16:
      return quantizeMode(v, n, scale, lo, hi, mode, st, static_cast<int16_t*>(out.p));
    default:
      return quantizeMode(v, n, scale, lo, hi, mode, st, static_cast<int32_t*>(out.p));
  }
}

[[maybe_unused]] QuantCounts quantizeK(const View& values, double scale, double lo, double hi,
                                        int mode, uint32_t* st, const View& out) {
  if (values.kind == Kind::F32)
    return quantizeOut(static_cast<const float*>(values.p), values.n, scale, lo, hi, mode, st, out);
  return quantizeOut(static_cast<const double*>(values.p), values.n, scale, lo, hi, mode, st, out);
}

/** requantizeInto on float64 numbers (any mantissa type; the only path for float64 ones). */
template <typename TM, typename TO, int MODE>
QuantCounts requantF64(const TM* m, int64_t n, int s, double div, double half, double p24,
                       double lo, double hi, uint32_t* st, TO* out) {
  QuantCounts c{0, 0};
  uint32_t zero[4] = {0, 0, 0, 0};
  Xoshiro rng(st ? st : zero);
  for (int64_t i = 0; i < n; i++) {
    const double x = static_cast<double>(m[i]);
    double q;
    if (s <= 0) {
      q = x / div;  // exact: a left shift by -s bits
      if (MODE == ROUND_STOCHASTIC) rng.next();
    } else if (MODE == ROUND_NEAREST) {
      q = __builtin_floor((x + half) / div);
    } else if (MODE == ROUND_STOCHASTIC) {
      const uint32_t k = rng.next() >> 8;
      const double r = s <= 24 ? static_cast<double>(k >> (24 - s)) : static_cast<double>(k) * p24;
      q = __builtin_floor((x + r) / div);
    } else {
      q = __builtin_floor(x / div);
    }
    out[i] = storeInt<TO>(clampCount(q, lo, hi, x != 0, c));
  }
  if (MODE == ROUND_STOCHASTIC) rng.save(st);
  return c;
}

/**
 * The same on int8/16/32 mantissas with -32 <= s <= 30, in int64 arithmetic: every float64
 * operation of requantF64 is exact there (sums below 2^53, division by a power of two), and
 * floor((m + r) / 2^s) is the arithmetic shift (m + r) >> s.
 */
template <typename TM, typename TO, int MODE>
QuantCounts requantInt(const TM* m, int64_t n, int s, int64_t lo, int64_t hi, uint32_t* st,
                       TO* out) {
  QuantCounts c{0, 0};
  uint32_t zero[4] = {0, 0, 0, 0};
  Xoshiro rng(st ? st : zero);
  const int64_t half = s > 0 ? int64_t(1) << (s - 1) : 0;
  for (int64_t i = 0; i < n; i++) {
    const int64_t x = m[i];
    int64_t q;
    if (s <= 0) {
      q = x * (int64_t(1) << -s);
      if (MODE == ROUND_STOCHASTIC) rng.next();
    } else if (MODE == ROUND_NEAREST) {
      q = (x + half) >> s;
    } else if (MODE == ROUND_STOCHASTIC) {
      const int64_t k = rng.next() >> 8;
      q = (x + (s <= 24 ? k >> (24 - s) : k << (s - 24))) >> s;
    } else {
      q = x >> s;
    }
    if (q > hi) {
      q = hi;
      c.saturated++;
    } else if (q < lo) {
      q = lo;
      c.saturated++;
    } else if (q == 0 && x != 0) {
      c.underflow++;
    }
    out[i] = static_cast<TO>(q);
  }
  if (MODE == ROUND_STOCHASTIC) rng.save(st);
  return c;
}

template <typename TM, typename TO, int MODE>
QuantCounts requantPick(const TM* m, int64_t n, int s, double div, double half, double p24,
                        double lo, double hi, uint32_t* st, TO* out) {
  constexpr bool isInt = static_cast<TM>(0.5) == 0;
  if (isInt && s >= -32 && s <= 30 && lo >= -2147483648.0 && hi <= 2147483647.0)
    return requantInt<TM, TO, MODE>(m, n, s, static_cast<int64_t>(lo), static_cast<int64_t>(hi),
                                    st, out);
  return requantF64<TM, TO, MODE>(m, n, s, div, half, p24, lo, hi, st, out);
}

template <typename TM, typename TO>
QuantCounts requantMode(const TM* m, int64_t n, int s, double div, double half, double p24,
                        double lo, double hi, int mode, uint32_t* st, TO* out) {
  switch (mode) {
    case ROUND_STOCHASTIC:
      return requantPick<TM, TO, ROUND_STOCHASTIC>(m, n, s, div, half, p24, lo, hi, st, out);
    case ROUND_FLOOR:
      return requantPick<TM, TO, ROUND_FLOOR>(m, n, s, div, half, p24, lo, hi, st, out);
    default:
      return requantPick<TM, TO, ROUND_NEAREST>(m, n, s, div, half, p24, lo, hi, st, out);
  }
}

[[maybe_unused]] QuantCounts requantizeK(const View& mant, int s, double div, double half,
                                          double p24, double lo, double hi, int mode,
                                          uint32_t* st, const View& out) {
  return withIntKind(out, [&](auto* o) {
    return withMantKind(mant, [&](auto* m) {
      return requantMode(m, mant.n, s, div, half, p24, lo, hi, mode, st, o);
    });
  });
}

// maxAbs keeps its running minimum and maximum in the element type (int64 ones did not
// vectorize: AVX2 has no 64-bit min/max). Floats reduce their bit patterns with the sign bit
// cleared: for non-negative IEEE numbers the integer order of the bits is the numeric order,
// and NaN and the infinities are exactly the patterns >= the infinity's, so one integer max
// (which vectorizes; a float max with NaN semantics does not) gives both answers. Large
// arrays split into element ranges over the pool; their maxima (>= 0) combine with an atomic
// max, which no order of tasks changes.

/** Raises *to to v, from any task. */
template <typename V>
inline void atomicRaise(V* to, V v) {
  V cur = __atomic_load_n(to, __ATOMIC_RELAXED);
  while (v > cur &&
         !__atomic_compare_exchange_n(to, &cur, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

// sumAbs: 16 float64 lanes, element i to lane i mod 16, each lane in index order, combined
// pairwise (l_j + l_(j+8), then + (j+4), + (j+2), + (j+1)): src/quant/sum-abs.ts's order, so
// the same bits. The lanes are independent chains, which the compiler keeps as two 8-lane (or
// four 4-lane) vectors without reordering any add. One task: ~50 us per 2^19 float32.

template <typename T>
double sumAbsOf(const T* x, int64_t n) {
  double l[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) {
      l[j] += __builtin_fabs(static_cast<double>(x[i + j]));
    }
  for (int j = 0; i < n; i++, j++) {
    l[j] += __builtin_fabs(static_cast<double>(x[i]));
  }
  for (int w = 8; w >= 1; w /= 2)
    for (int j = 0; j < w; j++) l[j] += l[j + w];
  return l[0];
}

/**
 * sumAbsOf for integers whose whole sum stays below 2^53 (n * 2^(bits-1) <= 2^53): every
 * partial sum of the lane order is then an exact integer, so the exact int64 sum is the same
 * number, and it vectorizes without the float conversions.
 */
template <typename T>
double sumAbsInt(const T* x, int64_t n) {
  int64_t s = 0;
  for (int64_t i = 0; i < n; i++) {
    const int64_t v = x[i];
    s += v < 0 ? -v : v;
  }
  return static_cast<double>(s);
}

[[maybe_unused]] double sumAbsK(const View& x) {
  switch (x.kind) {
    case Kind::I8:
      return sumAbsInt(static_cast<const int8_t*>(x.p), x.n);
    case Kind::I16:
      return sumAbsInt(static_cast<const int16_t*>(x.p), x.n);
    case Kind::I32:
      if (x.n <= (int64_t(1) << 22)) return sumAbsInt(static_cast<const int32_t*>(x.p), x.n);
      return sumAbsOf(static_cast<const int32_t*>(x.p), x.n);
    case Kind::F32:
      return sumAbsOf(static_cast<const float*>(x.p), x.n);
    default:
      return sumAbsOf(static_cast<const double*>(x.p), x.n);
  }
}

template <typename T>
int64_t maxAbsIntRange(const T* x, int64_t a, int64_t b) {
  T lo = 0, hi = 0;
  for (int64_t i = a; i < b; i++) {
    const T v = x[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  const int64_t l = lo, h = hi;
  return -l > h ? -l : h;
}

template <typename T>
double maxAbsInt(const T* x, int64_t n) {
  int64_t m = 0;
  pool::chunked(n, pool::CHUNK, [&](int64_t a, int64_t b) { atomicRaise(&m, maxAbsIntRange(x, a, b)); });
  return static_cast<double>(m);
}

/** F: float or double; U: its same-size signed integer (the cleared sign keeps it >= 0). */
template <typename F, typename U>
double maxAbsFloat(const F* x, int64_t n, U inf) {
  using UU = typename std::make_unsigned<U>::type;
  const U magnitude = static_cast<U>(~(UU(1) << (8 * sizeof(U) - 1)));
  U mAll = 0;
  pool::chunked(n, pool::CHUNK, [&](int64_t a, int64_t b) {
    U m = 0;
    for (int64_t i = a; i < b; i++) {
      U bits;
      __builtin_memcpy(&bits, x + i, sizeof bits);
      bits &= magnitude;
      m = bits > m ? bits : m;
    }
    atomicRaise(&mAll, m);
  });
  if (mAll >= inf) return __builtin_nan("");
  F f;
  __builtin_memcpy(&f, &mAll, sizeof f);
  return static_cast<double>(f);
}

[[maybe_unused]] double maxAbsK(const View& x) {
  switch (x.kind) {
    case Kind::I8:
      return maxAbsInt(static_cast<const int8_t*>(x.p), x.n);
    case Kind::I16:
      return maxAbsInt(static_cast<const int16_t*>(x.p), x.n);
    case Kind::I32:
      return maxAbsInt(static_cast<const int32_t*>(x.p), x.n);
    case Kind::F32:
      return maxAbsFloat(static_cast<const float*>(x.p), x.n, int32_t(0x7f800000));
    default:
      return maxAbsFloat(static_cast<const double*>(x.p), x.n, int64_t(0x7ff0000000000000));
  }
}
