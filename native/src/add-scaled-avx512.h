// SPDX-License-Identifier: MIT
// add_scaled's common calls in one AVX-512 pass each (sum, ReLU and its mask, max |out|), for
// norm-avx512.cc; included inside its target region and anonymous namespace, before
// norm-impl.h (whose addScaledK calls addScaledVec first). Needs pool.h and split().
//
// float32 a, b, out with ka, kb powers of two in [2^-126, 2^127]: the reference's
// f32(f32(a ka) + f32(b kb)) with the products in float64 is, in float32 lanes, a * ka + b * kb:
// - a ka is exact in float64 (24 significant bits times a power of two, far inside float64's
//   range), so rounding it to float32 is the float32 product's one correctly rounded result
//   (subnormal and overflowing ones included);
// - the float64 sum of two float32 numbers rounded to float32 equals the float32 sum: double
//   rounding through a format of p' >= 2p + 2 bits (53 >= 50) is innocuous for addition
//   (Figueroa, "When is double rounding innocuous?", 1995), and the specials agree.
// int32 a, b, out with ka = 2^s, kb = 2^t, 0 <= s, t <= 31: the reference's exact float64
// a 2^s + b 2^t stored to int32 is the same sum modulo 2^32 (the typed-array store's ToInt32,
// and the caller bounds it by 2^31 - 1 anyway), which int32 lanes' shifts and adds give.

/** e with k = 2^e when k is a power of two with lo <= e <= hi; else a value < lo. */
inline int pow2Exp(double k, int lo, int hi) {
  uint64_t bits;
  __builtin_memcpy(&bits, &k, sizeof bits);
  const int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const bool pow2 = (bits & ((uint64_t(1) << 52) - 1)) == 0 && (bits >> 63) == 0;
  return pow2 && e >= lo && e <= hi && ((bits >> 52) & 0x7ff) != 0 ? e : lo - 1;
}

/** Sixteen lanes' ReLU mask m (1 where out > 0) stored at mask (full or under tail mask t). */
inline void storeMask16(int8_t* mask, __mmask16 t, __mmask16 m) {
  const __m128i b = _mm_maskz_mov_epi8(m, _mm_set1_epi8(1));
  if (t == 0xffff) _mm_storeu_si128(reinterpret_cast<__m128i*>(mask), b);
  else _mm_mask_storeu_epi8(mask, t, b);
}

inline __mmask16 tailMask(int64_t count) {
  return count >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << count) - 1);
}

/** The float32 pass over [i0, i1); returns max |out| bits (maxAbsBits' encoding). */
inline int32_t addScaledF32(const float* a, float ka, const float* b, float kb, bool relu,
                            int8_t* mask, float* out, int64_t i0, int64_t i1) {
  const __m512 va = _mm512_set1_ps(ka), vb = _mm512_set1_ps(kb), z = _mm512_setzero_ps();
  const __m512i magnitude = _mm512_set1_epi32(0x7fffffff);
  __m512i mx = _mm512_setzero_si512();
  for (int64_t i = i0; i < i1; i += 16) {
    const __mmask16 t = tailMask(i1 - i);
    __m512 o = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(t, a + i), va),
                             _mm512_mul_ps(_mm512_maskz_loadu_ps(t, b + i), vb));
    if (relu) {
      // y > 0 ? y : +0 (NaN and -0 become +0), as reluPlane.
      const __mmask16 pos = _mm512_cmp_ps_mask(o, z, _CMP_GT_OQ);
      o = _mm512_maskz_mov_ps(pos, o);
      if (mask) storeMask16(mask + i, t, pos);
    }
    // Tail lanes loaded 0 and stay 0: they do not raise the max.
    mx = _mm512_max_epi32(mx, _mm512_and_si512(_mm512_castps_si512(o), magnitude));
    if (t == 0xffff) _mm512_storeu_ps(out + i, o);
    else _mm512_mask_storeu_ps(out + i, t, o);
  }
  // The lanes' max (stored: GCC 12's _mm512_reduce_max_epi32 warns of its own placeholder).
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, mx);
  int32_t m = 0;
  for (int j = 0; j < 16; j++) m = lanes[j] > m ? lanes[j] : m;
  return m;
}

/**
 * The int32 pass over [i0, i1): (a << s) + (b << t) modulo 2^32, then the ReLU; returns
 * max |out| (int64: |-2^31| included).
 */
inline int64_t addScaledI32(const int32_t* a, int s, const int32_t* b, int sb, bool relu,
                            int8_t* mask, int32_t* out, int64_t i0, int64_t i1) {
  const __m128i ca = _mm_cvtsi32_si128(s), cb = _mm_cvtsi32_si128(sb);
  const __m512i z = _mm512_setzero_si512();
  __m512i lo = z, hi = z;  // tail lanes load 0: they move neither
  for (int64_t i = i0; i < i1; i += 16) {
    const __mmask16 t = tailMask(i1 - i);
    __m512i o = _mm512_add_epi32(_mm512_sll_epi32(_mm512_maskz_loadu_epi32(t, a + i), ca),
                                 _mm512_sll_epi32(_mm512_maskz_loadu_epi32(t, b + i), cb));
    if (relu) {
      const __mmask16 pos = _mm512_cmpgt_epi32_mask(o, z);
      o = _mm512_maskz_mov_epi32(pos, o);
      if (mask) storeMask16(mask + i, t, pos);
    }
    lo = _mm512_min_epi32(lo, o);
    hi = _mm512_max_epi32(hi, o);
    if (t == 0xffff) _mm512_storeu_si512(out + i, o);
    else _mm512_mask_storeu_epi32(out + i, t, o);
  }
  alignas(64) int32_t l[16], h[16];
  _mm512_store_si512(l, lo);
  _mm512_store_si512(h, hi);
  int64_t m = 0;
  for (int j = 0; j < 16; j++) {
    m = -int64_t(l[j]) > m ? -int64_t(l[j]) : m;
    m = int64_t(h[j]) > m ? int64_t(h[j]) : m;
  }
  return m;
}

/**
 * add_scaled in one pass when the call is one of the above (result: as addScaledK's), split
 * into the same tasks as addScaledK's; false for any other call. Defined after norm-impl.h
 * (split, atomicMax, amaxOf) by the including file (ADD_SCALED_VEC_BODY).
 */
inline bool addScaledVec(const View& a, double ka, const View& b, double kb, bool relu,
                         int8_t* mask, const View& out, double& result);

#define ADD_SCALED_VEC_BODY                                                                  \
  inline bool addScaledVec(const View& a, double ka, const View& b, double kb, bool relu,    \
                           int8_t* mask, const View& out, double& result) {                  \
    if (a.kind == Kind::F32 && b.kind == Kind::F32 && out.kind == Kind::F32 &&               \
        pow2Exp(ka, -126, 127) >= -126 && pow2Exp(kb, -126, 127) >= -126) {                  \
      const float* ap = static_cast<const float*>(a.p);                                      \
      const float* bp = static_cast<const float*>(b.p);                                      \
      float* o = static_cast<float*>(out.p);                                                 \
      const float fa = static_cast<float>(ka), fb = static_cast<float>(kb);                  \
      int32_t amax = 0;                                                                      \
      split(a.n, 1, [&](int64_t i0, int64_t i1) {                                            \
        atomicMax(&amax, addScaledF32(ap, fa, bp, fb, relu, mask, o, i0, i1));               \
      });                                                                                    \
      result = amaxOf(amax);                                                                 \
      return true;                                                                           \
    }                                                                                        \
    const int s = pow2Exp(ka, 0, 31), t = pow2Exp(kb, 0, 31);                                \
    if (a.kind == Kind::I32 && b.kind == Kind::I32 && out.kind == Kind::I32 && s >= 0 &&     \
        t >= 0) {                                                                            \
      const int32_t* ap = static_cast<const int32_t*>(a.p);                                  \
      const int32_t* bp = static_cast<const int32_t*>(b.p);                                  \
      int32_t* o = static_cast<int32_t*>(out.p);                                             \
      int64_t imax = 0;                                                                      \
      split(a.n, 1, [&](int64_t i0, int64_t i1) {                                            \
        atomicMax64(&imax, addScaledI32(ap, s, bp, t, relu, mask, o, i0, i1));               \
      });                                                                                    \
      result = static_cast<double>(imax);                                                    \
      return true;                                                                           \
    }                                                                                        \
    return false;                                                                            \
  }
