// SPDX-License-Identifier: MIT
// Layer kernel bodies (ReLU, the outer-axes swap, max pooling, column sums, im2col/col2im),
// included inside an anonymous namespace by elem-portable.cc and elem-avx2.cc. Each repeats
// its reference loop (src/kernels/ref/) with the same arithmetic in the same order; large
// calls split into tasks over rows or planes, which leaves every element's operations alone.

using pool::CHUNK;
using pool::chunked;
using pool::perTask;

// The loops below load every element unconditionally and select (no branch, no masked
// load), so the compiler vectorizes them at the instruction set's width; with a conditional
// load (`m > 0 ? dy[i] : 0`) it kept them scalar, 4x slower than the WebAssembly kernels.
template <typename T>
void reluRange(const T* x, T* y, int8_t* mask, int64_t a, int64_t b) {
  for (int64_t i = a; i < b; i++) {
    const T v = x[i];
    y[i] = v > 0 ? v : T(0);
  }
  if (mask)
    for (int64_t i = a; i < b; i++) mask[i] = static_cast<int8_t>(x[i] > 0);
}

void reluK(const View& x, const View& y, int8_t* mask) {
  withKind(x, [&](auto* xp) {
    using T = typename std::remove_pointer<decltype(xp)>::type;
    T* yp = static_cast<T*>(y.p);
    chunked(x.n, CHUNK, [&](int64_t a, int64_t b) { reluRange(xp, yp, mask, a, b); });
  });
}

/** dx = m > 0 ? dy : 0 over [a, b); m any element type, dy and dx one type. */
template <typename M, typename T>
void reluBackRange(const M* m, const T* dy, T* dx, int64_t a, int64_t b) {
  for (int64_t i = a; i < b; i++) {
    const T d = dy[i];
    dx[i] = m[i] > 0 ? d : T(0);
  }
}

/**
 * reluBackRange that also returns max |dx| over [a, b) taken while writing: integers as
 * maxAbsIntRange (running min and max in the element type, which vectorizes); floats as the
 * bit patterns with the sign cleared (maxAbsFloat), so NaN and the infinities come out as
 * patterns >= the infinity's. The result is that magnitude's bits (integers: the value).
 */
template <typename M, typename T>
int64_t reluBackMaxRange(const M* m, const T* dy, T* dx, int64_t a, int64_t b) {
#ifdef RELU_BACK_MAX_VEC
  if constexpr (std::is_same<M, int8_t>::value && std::is_same<T, int32_t>::value)
    return RELU_BACK_MAX_VEC(m, dy, dx, a, b);
#endif
  if constexpr (static_cast<T>(0.5) == 0) {
    T lo = 0, hi = 0;
    for (int64_t i = a; i < b; i++) {
      const T d = dy[i];
      const T v = m[i] > 0 ? d : T(0);
      dx[i] = v;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    const int64_t l = lo, h = hi;
    return -l > h ? -l : h;
  } else {
    using U = typename std::conditional<sizeof(T) == 4, int32_t, int64_t>::type;
    using UU = typename std::make_unsigned<U>::type;
    const U magnitude = static_cast<U>(~(UU(1) << (8 * sizeof(U) - 1)));
    U mx = 0;
    for (int64_t i = a; i < b; i++) {
      const T d = dy[i];
      const T v = m[i] > 0 ? d : T(0);
      dx[i] = v;
      U bits;
      __builtin_memcpy(&bits, &v, sizeof bits);
      bits &= magnitude;
      mx = bits > mx ? bits : mx;
    }
    return static_cast<int64_t>(mx);
  }
}

/** Raises *to to v from any task (the maxima are >= 0, so no order of tasks changes them). */
inline void raiseTo(int64_t* to, int64_t v) {
  int64_t cur = __atomic_load_n(to, __ATOMIC_RELAXED);
  while (v > cur &&
         !__atomic_compare_exchange_n(to, &cur, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

/** dx = m > 0 ? dy : 0; with wantMax returns max |dx| (NaN if dx holds NaN or an infinity). */
double reluBackwardK(const View& m, const View& dy, const View& dx, bool wantMax) {
  double result = __builtin_nan("");
  withKind(m, [&](auto* mp) {
    withKind(dy, [&](auto* dyp) {
      using T = typename std::remove_pointer<decltype(dyp)>::type;
      T* dxp = static_cast<T*>(dx.p);
      if (!wantMax) {
        chunked(m.n, CHUNK, [&](int64_t a, int64_t b) { reluBackRange(mp, dyp, dxp, a, b); });
        return;
      }
      int64_t mx = 0;
      chunked(m.n, CHUNK, [&](int64_t a, int64_t b) {
        raiseTo(&mx, reluBackMaxRange(mp, dyp, dxp, a, b));
      });
      if constexpr (static_cast<T>(0.5) == 0) {
        result = static_cast<double>(mx);
      } else if constexpr (sizeof(T) == 4) {
        const int32_t bits = static_cast<int32_t>(mx);
        if (bits < int32_t(0x7f800000)) {
          float f;
          __builtin_memcpy(&f, &bits, sizeof f);
          result = f;
        }
      } else {
        if (mx < int64_t(0x7ff0000000000000)) {
          double f;
          __builtin_memcpy(&f, &mx, sizeof f);
          result = f;
        }
      }
    });
  });
  return result;
}

/** A number stored into an integer typed array: ToInt32 (truncate, modulo 2^32), narrowed. */
template <typename T>
inline T toIntJS(double d) {
  if (!(d - d == 0)) return T(0);  // NaN or an infinity
  double m = __builtin_fmod(__builtin_trunc(d), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<T>(static_cast<uint32_t>(static_cast<uint64_t>(m)));
}

template <typename T>
void swapRow(const T* s, T* d, int64_t R, const double* bias, int64_t a) {
  if (!bias) {
    for (int64_t r = 0; r < R; r++) d[r] = s[r];
    return;
  }
  const double ba = bias[a];
  constexpr bool isInt = static_cast<T>(0.5) == 0;
  if (!isInt) {
    // float32: the sum rounded once (the typed-array store); float64: the sum.
    for (int64_t r = 0; r < R; r++) d[r] = static_cast<T>(static_cast<double>(s[r]) + ba);
  } else if (ba == __builtin_trunc(ba) && __builtin_fabs(ba) <= 4503599627370496.0) {
    // An integer bias: the exact sum, wrapped to the type as the store would.
    const int64_t bi = static_cast<int64_t>(ba);
    for (int64_t r = 0; r < R; r++)
      d[r] = static_cast<T>(static_cast<uint64_t>(static_cast<int64_t>(s[r]) + bi));
  } else {
    for (int64_t r = 0; r < R; r++) d[r] = toIntJS<T>(static_cast<double>(s[r]) + ba);
  }
}

void swapOuterK(const View& src, int64_t A, int64_t B, int64_t R, const double* bias,
                const View& out) {
  withKind(src, [&](auto* sp) {
    using T = typename std::remove_pointer<decltype(sp)>::type;
    T* op = static_cast<T*>(out.p);
    chunked(A * B, perTask(R), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) {
        const int64_t a = i / B, b = i % B;
        swapRow(sp + (a * B + b) * R, op + (b * A + a) * R, R, bias, a);
      }
    });
  });
}

inline int64_t pooled(int64_t n, int64_t K, int64_t S) {
  const int64_t d = n - K;
  return (d >= 0 ? d / S : -((-d + S - 1) / S)) + 1;  // floor((n - K) / S) + 1
}

template <typename T>
void maxpoolPlane(const T* x, int64_t H, int64_t W, int64_t K, int64_t S, int64_t OH,
                  int64_t OW, T* y, uint8_t* arg) {
  if (K == 2 && S == 2) {
#ifdef LOWBIT_POOL_ROWS
    if constexpr (std::is_same<T, int32_t>::value || std::is_same<T, float>::value) {
      for (int64_t oh = 0; oh < OH; oh++)
        poolRow2x2(x + 2 * oh * W, x + (2 * oh + 1) * W, OW, y + oh * OW, arg + oh * OW);
      return;
    }
#endif
    // From the window's first element, strict > (ties keep the first), as the reference.
    for (int64_t oh = 0; oh < OH; oh++) {
      const T* r0 = x + 2 * oh * W;
      const T* r1 = r0 + W;
      for (int64_t ow = 0; ow < OW; ow++) {
        const int64_t i = 2 * ow;
        T best = r0[i];
        uint8_t bi = 0;
        if (r0[i + 1] > best) best = r0[i + 1], bi = 1;
        if (r1[i] > best) best = r1[i], bi = 2;
        if (r1[i + 1] > best) best = r1[i + 1], bi = 3;
        y[oh * OW + ow] = best;
        arg[oh * OW + ow] = bi;
      }
    }
    return;
  }
  for (int64_t oh = 0; oh < OH; oh++)
    for (int64_t ow = 0; ow < OW; ow++) {
      double best = -__builtin_inf();
      uint8_t bi = 0;
      for (int64_t kh = 0; kh < K; kh++) {
        const T* row = x + (oh * S + kh) * W + ow * S;
        for (int64_t kw = 0; kw < K; kw++) {
          const double v = static_cast<double>(row[kw]);
          if (v > best) {
            best = v;
            bi = static_cast<uint8_t>(kh * K + kw);
          }
        }
      }
      y[oh * OW + ow] = static_cast<T>(best);
      arg[oh * OW + ow] = bi;
    }
}

void maxpoolK(const View& x, int64_t NC, int64_t H, int64_t W, int64_t K, int64_t S,
              const View& y, uint8_t* arg) {
  const int64_t OH = pooled(H, K, S), OW = pooled(W, K, S);
  if (OH <= 0 || OW <= 0) return;
  withKind(x, [&](auto* xp) {
    using T = typename std::remove_pointer<decltype(xp)>::type;
    T* yp = static_cast<T*>(y.p);
    chunked(NC, perTask(H * W), [&](int64_t a, int64_t b) {
      for (int64_t p = a; p < b; p++)
        maxpoolPlane(xp + p * H * W, H, W, K, S, OH, OW, yp + p * OH * OW, arg + p * OH * OW);
    });
  });
}

template <typename T>
inline void addTo(T& d, T v) {
  if constexpr (static_cast<T>(0.5) == 0) {
    using U = typename std::make_unsigned<T>::type;
    d = static_cast<T>(static_cast<U>(static_cast<U>(d) + static_cast<U>(v)));
  } else {
    d += v;
  }
}

void maxpoolBackwardK(const View& dy, const uint8_t* arg, int64_t NC, int64_t H, int64_t W,
                      int64_t K, int64_t S, const View& dx) {
  const int64_t OH = pooled(H, K, S) > 0 ? pooled(H, K, S) : 0;
  const int64_t OW = pooled(W, K, S) > 0 ? pooled(W, K, S) : 0;
  withKind(dy, [&](auto* dyp) {
    using T = typename std::remove_pointer<decltype(dyp)>::type;
    T* dxp = static_cast<T*>(dx.p);
    chunked(NC, perTask(H * W), [&](int64_t a, int64_t b) {
      for (int64_t p = a; p < b; p++) {
        T* d = dxp + p * H * W;
        const T* g = dyp + p * OH * OW;
        const uint8_t* ar = arg + p * OH * OW;
#ifdef LOWBIT_POOL_ROWS
        if constexpr (std::is_same<T, int32_t>::value || std::is_same<T, float>::value) {
          if (K == 2 && S == 2) {
            // The rows write every element of the windows; only the rest is zeroed.
            for (int64_t oh = 0; oh < OH; oh++) {
              T* r0 = d + 2 * oh * W;
              unpoolRow2x2(g + oh * OW, ar + oh * OW, OW, r0, r0 + W);
              for (int64_t w = 2 * OW; w < W; w++) r0[w] = r0[W + w] = T(0);
            }
            for (int64_t i = 2 * OH * W; i < H * W; i++) d[i] = T(0);
            continue;
          }
        }
#endif
        for (int64_t i = 0; i < H * W; i++) d[i] = T(0);
        if (K == 2 && S == 2) {
          // Windows do not overlap: each element takes 0 + dy of its window or stays 0 (no
          // division by K, no read-modify-write).
          for (int64_t oh = 0; oh < OH; oh++) {
            T* r0 = d + 2 * oh * W;
            T* r1 = r0 + W;
            for (int64_t ow = 0; ow < OW; ow++) {
              const int64_t o = oh * OW + ow;
              T v = T(0);
              addTo(v, g[o]);
              const uint8_t a = ar[o];
              r0[2 * ow] = a == 0 ? v : T(0);
              r0[2 * ow + 1] = a == 1 ? v : T(0);
              r1[2 * ow] = a == 2 ? v : T(0);
              r1[2 * ow + 1] = a == 3 ? v : T(0);
            }
          }
          continue;
        }
        for (int64_t oh = 0; oh < OH; oh++)
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t o = oh * OW + ow;
            const int64_t kh = ar[o] / K, kw = ar[o] - kh * K;
            addTo(d[(oh * S + kh) * W + ow * S + kw], g[o]);
          }
      }
    });
  });
}

void colSumsK(const View& e, int64_t N, int64_t C, int64_t R, double* out) {
  withKind(e, [&](auto* ep) {
    using T = typename std::remove_pointer<decltype(ep)>::type;
    constexpr bool isInt = static_cast<T>(0.5) == 0;
    // Integers: exact int64 sums equal the reference's float64 ones while every partial sum
    // stays below 2^53 (N * R < 2^22 values of at most 2^31 in magnitude).
    const bool exact = isInt && N * R < (int64_t(1) << 22);
    chunked(C, perTask(N * R), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; c++) {
        if (exact) {
          int64_t s = 0;
          for (int64_t n = 0; n < N; n++) {
            const T* p = ep + (n * C + c) * R;
            for (int64_t r = 0; r < R; r++) s += static_cast<int64_t>(p[r]);
          }
          out[c] = static_cast<double>(s);
        } else {
          double s = 0;
          for (int64_t n = 0; n < N; n++) {
            const T* p = ep + (n * C + c) * R;
            for (int64_t r = 0; r < R; r++) s += static_cast<double>(p[r]);
          }
          out[c] = s;
        }
      }
    });
  });
}

/** Geometry words: N, C, H, W, KH, KW, strideH, strideW, padH, padW, OH, OW. */
struct Geom {
  int64_t N, C, H, W, KH, KW, sh, sw, ph, pw, OH, OW;
  explicit Geom(const int64_t* g)
      : N(g[0]), C(g[1]), H(g[2]), W(g[3]), KH(g[4]), KW(g[5]), sh(g[6]), sw(g[7]), ph(g[8]),
        pw(g[9]), OH(g[10]), OW(g[11]) {}
};

/**
 * Copies n elements of T with fixed-size moves (the compiler inlines them as vector loads and
 * stores): conv rows are 4-64 elements, where a memcpy call per row costs more than the copy.
 */
template <typename T>
inline void copyRow(T* __restrict__ dst, const T* __restrict__ src, int64_t n) {
  char* d = reinterpret_cast<char*>(dst);
  const char* s = reinterpret_cast<const char*>(src);
  int64_t bytes = n * static_cast<int64_t>(sizeof(T));
  for (; bytes >= 32; bytes -= 32, d += 32, s += 32) __builtin_memcpy(d, s, 32);
  if (bytes >= 16) __builtin_memcpy(d, s, 16), d += 16, s += 16, bytes -= 16;
  if (bytes >= 8) __builtin_memcpy(d, s, 8), d += 8, s += 8, bytes -= 8;
  if (bytes >= 4) __builtin_memcpy(d, s, 4), d += 4, s += 4, bytes -= 4;
  for (; bytes > 0; bytes--) *d++ = *s++;
}

/**
 * The zero-padded plane of im2col/col2im: Hp x Wp, large enough for every window the
 * geometry's OH, OW reach (rows ph.., columns pw.. hold the image).
 */
struct Padded {
  int64_t Hp, Wp;
  explicit Padded(const Geom& g)
      : Hp(std::max<int64_t>(g.H + 2 * g.ph, (g.OH - 1) * g.sh + g.KH)),
        Wp(std::max<int64_t>(g.W + 2 * g.pw, (g.OW - 1) * g.sw + g.KW)) {}
  /** Whether the image itself serves as the plane (no padding, no window past its edge). */
  bool direct(const Geom& g) const { return g.ph == 0 && g.pw == 0 && Hp == g.H && Wp == g.W; }
};

template <typename T>
void im2colT(const Geom& g, const T* x, T* col) {
  // col (C*KH*KW, N*OH*OW): row (c, kh, kw), column (n, oh, ow) = x[n, c, oh*sh - ph + kh,
  // ow*sw - pw + kw], 0 outside the image. Per (c, n): the plane zero-padded once (Hp x Wp
  // of T in scratch), then every (kh, kw, oh) row is one copy (stride 1) with no bounds.
  const int64_t Q = g.N * g.OH * g.OW;
  if (Q == 0 || g.C == 0 || g.KH == 0 || g.KW == 0) return;
  if (g.sh == 1 && g.sw == 1 && g.OW == g.W) {
    // Stride 1, rows as wide as the input's (3x3 pad 1): each (c, kh, kw, n) block is the
    // plane shifted, one run copied (im2col-part.h shiftedPlane).
    chunked(g.C, perTask(g.KH * g.KW * Q), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; c++)
        for (int64_t kh = 0; kh < g.KH; kh++)
          for (int64_t kw = 0; kw < g.KW; kw++) {
            T* o = col + ((c * g.KH + kh) * g.KW + kw) * Q;
            for (int64_t n = 0; n < g.N; n++)
              shiftedPlane(x + (n * g.C + c) * g.H * g.W, g.H, g.W, g.OH, kh - g.ph, kw - g.pw,
                           o + n * g.OH * g.OW);
          }
    });
    return;
  }
  const Padded pd(g);
  const bool direct = pd.direct(g);
  chunked(g.C, perTask(g.KH * g.KW * Q), [&](int64_t c0, int64_t c1) {
    T* plane = direct ? nullptr
                      : static_cast<T*>(scratch(Slot::ConvPlane, pd.Hp * pd.Wp * sizeof(T)));
    if (plane) std::memset(plane, 0, pd.Hp * pd.Wp * sizeof(T));
    for (int64_t c = c0; c < c1; c++)
      for (int64_t n = 0; n < g.N; n++) {
        const T* xp = x + (n * g.C + c) * g.H * g.W;
        const T* src = xp;
        if (plane) {
          // The border stays zero from the memset above: only the image's rows change.
          for (int64_t h = 0; h < g.H; h++)
            copyRow(plane + (h + g.ph) * pd.Wp + g.pw, xp + h * g.W, g.W);
          src = plane;
        }
#ifdef LOWBIT_IM2COL_WINDOW8
        if constexpr (sizeof(T) == 1)
          if (g.sw == 1 && g.OW + g.KW - 1 <= 16) {
            LOWBIT_IM2COL_WINDOW8(reinterpret_cast<const uint8_t*>(src), pd.Wp, g.sh, g.KH, g.KW,
                                  g.OH, g.OW,
                                  reinterpret_cast<uint8_t*>(col + c * g.KH * g.KW * Q +
                                                             n * g.OH * g.OW),
                                  Q);
            continue;
          }
#endif
        for (int64_t kh = 0; kh < g.KH; kh++)
          for (int64_t kw = 0; kw < g.KW; kw++) {
            T* o = col + ((c * g.KH + kh) * g.KW + kw) * Q + n * g.OH * g.OW;
            for (int64_t oh = 0; oh < g.OH; oh++, o += g.OW) {
              const T* r = src + (oh * g.sh + kh) * pd.Wp + kw;
              if (g.sw == 1) {
                copyRow(o, r, g.OW);
              } else {
                for (int64_t ow = 0; ow < g.OW; ow++) o[ow] = r[ow * g.sw];
              }
            }
          }
      }
  });
}

void im2colK(const int64_t* gw, const View& x, const View& col) {
  const Geom g(gw);
  switch (x.kind) {
    case Kind::I8:
      return im2colT(g, static_cast<const uint8_t*>(x.p), static_cast<uint8_t*>(col.p));
    case Kind::I16:
      return im2colT(g, static_cast<const uint16_t*>(x.p), static_cast<uint16_t*>(col.p));
    case Kind::F64:
      return im2colT(g, static_cast<const uint64_t*>(x.p), static_cast<uint64_t*>(col.p));
    default:
      return im2colT(g, static_cast<const uint32_t*>(x.p), static_cast<uint32_t*>(col.p));
  }
}

template <typename T>
void col2imT(const Geom& g, const T* col, T* dx) {
  // dx[n, c, ih, iw] = the sum of col's entries im2col maps from it, added in the reference's
  // order (kh, kw): each (kh, kw) reaches an element at most once. Per (c, n) the sums go
  // into a zeroed padded plane (no bounds in the row loops), whose inside is then dx's plane.
  const int64_t Q = g.N * g.OH * g.OW;
  const Padded pd(g);
  // The plane's inside into dx's plane (c, n).
  const auto copyOut = [&](int64_t c, int64_t n, const T* plane) {
    T* d = dx + (n * g.C + c) * g.H * g.W;
    for (int64_t h = 0; h < g.H; h++)
      copyRow(d + h * g.W, plane + (h + g.ph) * pd.Wp + g.pw, g.W);
  };
  chunked(g.C, perTask(g.KH * g.KW * Q), [&](int64_t c0, int64_t c1) {
    T* plane = static_cast<T*>(scratch(Slot::ConvPlane, pd.Hp * pd.Wp * sizeof(T)));
    for (int64_t c = c0; c < c1; c++)
      for (int64_t n = 0; n < g.N; n++) {
        for (int64_t i = 0; i < pd.Hp * pd.Wp; i++) plane[i] = T(0);
#ifdef LOWBIT_COL2IM_WINDOW32
        if constexpr (std::is_same_v<T, int32_t>)
          if (g.sw == 1 && g.OW + g.KW - 1 <= 16) {
            LOWBIT_COL2IM_WINDOW32(col + c * g.KH * g.KW * Q + n * g.OH * g.OW, Q, g.KH, g.KW,
                                   g.OH, g.OW, g.sh, plane, pd.Wp);
            copyOut(c, n, plane);
            continue;
          }
#endif
        for (int64_t kh = 0; kh < g.KH; kh++)
          for (int64_t kw = 0; kw < g.KW; kw++) {
            const T* q = col + ((c * g.KH + kh) * g.KW + kw) * Q + n * g.OH * g.OW;
            for (int64_t oh = 0; oh < g.OH; oh++, q += g.OW) {
              T* __restrict__ d = plane + (oh * g.sh + kh) * pd.Wp + kw;
              if (g.sw == 1) {
                for (int64_t ow = 0; ow < g.OW; ow++) addTo(d[ow], q[ow]);
              } else {
                for (int64_t ow = 0; ow < g.OW; ow++) addTo(d[ow * g.sw], q[ow]);
              }
            }
          }
        copyOut(c, n, plane);
      }
  });
}

void col2imK(const int64_t* gw, const View& col, const View& dx) {
  const Geom g(gw);
  switch (col.kind) {
    case Kind::F32:
      return col2imT(g, static_cast<const float*>(col.p), static_cast<float*>(dx.p));
    case Kind::I32:
      return col2imT(g, static_cast<const int32_t*>(col.p), static_cast<int32_t*>(dx.p));
    default:
      return col2imT(g, static_cast<const double*>(col.p), static_cast<double*>(dx.p));
  }
}
