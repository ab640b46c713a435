// SPDX-License-Identifier: MIT
// The float-path LSTM kernels (lstm-float.h) on AVX-512 (F, VL): eight units' gates per
// vector of float64 lanes, every lane running float-fn-impl.h's operations in its order
// (no FMA; the branches become blends of values each lane computes anyway), so the same bits
// as the scalar loops. The row tail runs under a lane mask (loads zero, no stores).

#include <cstdint>

#include "codes.h"
#include "lstm-float.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512vl,avx2"
#include "isa-begin.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
// GCC 12 warns that the intrinsics' own _mm512_undefined_* placeholders are uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace {
#include "float-fn-impl.h"
#include "lstm-float-impl.h"

using D = __m512d;

inline D set(double v) { return _mm512_set1_pd(v); }
inline D add(D a, D b) { return _mm512_add_pd(a, b); }
inline D sub(D a, D b) { return _mm512_sub_pd(a, b); }
inline D mul(D a, D b) { return _mm512_mul_pd(a, b); }
inline D div(D a, D b) { return _mm512_div_pd(a, b); }

/** ffEm1, lane by lane. */
inline D em1(D r) {
  D q = set(FF_C[11]);
  for (int n = 10; n >= 0; n--) q = add(set(FF_C[n]), mul(r, q));
  return add(r, mul(mul(r, r), q));
}

/** 2^j per lane for int64 j in [-1022, 1023]. */
inline D pow2(__m512i j) {
  return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(j, _mm512_set1_epi64(1023)), 52));
}

/**
 * k = nearest(v / ln2) as t = v INVLN2 + SHIFT (k = t - SHIFT, exactly; its int64 value is
 * t's bits minus SHIFT's) and r = (v - k LN2HI) - k LN2LO, for |v| < 2^40.
 */
inline D reduce(D v, __m512i* ki) {
  const D t = add(mul(v, set(FF_INVLN2)), set(FF_SHIFT));
  const D k = sub(t, set(FF_SHIFT));
  *ki = _mm512_sub_epi64(_mm512_castpd_si512(t), _mm512_castpd_si512(set(FF_SHIFT)));
  return sub(sub(v, mul(k, set(FF_LN2HI))), mul(k, set(FF_LN2LO)));
}

/** ffExp per lane: the in-range formula on x clamped into range, then the edge lanes. */
inline D expv(D x) {
  // min/max return their second operand for NaN: NaN lanes compute from EXP_HI, replaced below.
  const D xc = _mm512_max_pd(_mm512_min_pd(x, set(FF_EXP_HI)), set(FF_EXP_LO));
  __m512i ki;
  const D r = reduce(xc, &ki);
  const __m512i k1 = _mm512_srai_epi64(ki, 1);
  D y = mul(mul(add(set(1), em1(r)), pow2(k1)), pow2(_mm512_sub_epi64(ki, k1)));
  y = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, set(FF_EXP_HI), _CMP_GT_OQ), y,
                           set(__builtin_inf()));
  y = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, set(FF_EXP_LO), _CMP_LT_OQ), y, set(0));
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), y, x);
}

inline D sigmoidv(D x) {
  const __mmask8 neg = _mm512_cmp_pd_mask(x, set(0), _CMP_LT_OQ);
  const D e = expv(_mm512_mask_blend_pd(neg, _mm512_sub_pd(set(-0.0), x), x));
  // (x < 0 ? e : 1) / (1 + e); the negation above is -x (sign flip), as the scalar -x.
  return div(_mm512_mask_blend_pd(neg, set(1), e), add(set(1), e));
}

inline D tanhv(D x) {
  const D sign = _mm512_castsi512_pd(
      _mm512_and_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(INT64_MIN)));
  const D a = _mm512_castsi512_pd(
      _mm512_andnot_si512(_mm512_set1_epi64(INT64_MIN), _mm512_castpd_si512(x)));
  const D v = mul(_mm512_min_pd(a, set(FF_TANH_HUGE)), set(2));
  __m512i ki;
  const D r = reduce(v, &ki);
  const D s = pow2(ki);
  const D u = add(mul(s, em1(r)), sub(s, set(1)));
  const D d = add(u, set(2));
  const __mmask8 big = _mm512_cmp_pd_mask(u, set(2), _CMP_GT_OQ);
  const D e = _mm512_mask_blend_pd(big, add(sub(set(2), d), u), add(sub(u, d), set(2)));
  const D q = div(u, d);
  D t = sub(q, div(mul(q, e), d));
  t = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(a, set(FF_TANH_HUGE), _CMP_GE_OQ), t, set(1));
  t = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(a, set(FF_TANH_TINY), _CMP_LT_OQ), t, a);
  // sign(x) t: x itself on tiny lanes (-0 included), -t where x < 0.
  t = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(t), _mm512_castpd_si512(sign)));
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), t, x);
}

inline __mmask8 laneMask(int64_t left) {
  return left >= 8 ? __mmask8(0xff) : static_cast<__mmask8>((1u << left) - 1);
}
inline D ld(__mmask8 m, const float* p) { return _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, p)); }
inline void st(__mmask8 m, float* p, D v) { _mm256_mask_storeu_ps(p, m, _mm512_cvtpd_ps(v)); }

void fwdRows(const LstmFloatFwd& a, int64_t n0, int64_t n1) {
  const int64_t H = a.H, G = 4 * H;
  for (int64_t n = n0; n < n1; n++) {
    if (!lfLive(a.lens, n, a.t)) {
      lfCarry(a, n);
      continue;
    }
    const int64_t r = n * H;
    for (int64_t j = 0; j < H; j += 8) {
      const __mmask8 m = laneMask(H - j);
      const int64_t at = n * G + j;
      auto z = [&](int64_t q) {
        return add(add(ld(m, a.gx + at + q * H), ld(m, a.gh + at + q * H)),
                   ld(m, a.bias + q * H + j));
      };
      const D i = sigmoidv(z(0)), f = sigmoidv(z(1)), g = tanhv(z(2)), o = sigmoidv(z(3));
      st(m, a.act + at, i);
      st(m, a.act + at + H, f);
      st(m, a.act + at + 2 * H, g);
      st(m, a.act + at + 3 * H, o);
      const D cn = add(mul(f, ld(m, a.cPrev + r + j)), mul(i, g));
      const D th = tanhv(cn);
      st(m, a.c + r + j, cn);
      st(m, a.tc + r + j, th);
      st(m, a.h + r + j, mul(o, th));
    }
  }
}

void bwdRows(const LstmFloatBwd& a, int64_t n0, int64_t n1) {
  const int64_t H = a.H, G = 4 * H;
  const D one = set(1);
  for (int64_t n = n0; n < n1; n++) {
    if (!lfBwdPrologue(a, n)) continue;
    const int64_t r = n * H;
    for (int64_t j = 0; j < H; j += 8) {
      const __mmask8 m = laneMask(H - j);
      const int64_t at = n * G + j;
      const D i = ld(m, a.act + at), f = ld(m, a.act + at + H), g = ld(m, a.act + at + 2 * H),
              o = ld(m, a.act + at + 3 * H);
      const D th = ld(m, a.tc + r + j), d = ld(m, a.dh + r + j);
      const D dcj = add(ld(m, a.dc + r + j), mul(mul(d, o), sub(one, mul(th, th))));
      st(m, a.dz + at, mul(mul(mul(dcj, g), i), sub(one, i)));
      st(m, a.dz + at + H, mul(mul(mul(dcj, ld(m, a.cPrev + r + j)), f), sub(one, f)));
      st(m, a.dz + at + 2 * H, mul(mul(dcj, i), sub(one, mul(g, g))));
      st(m, a.dz + at + 3 * H, mul(mul(mul(d, th), o), sub(one, o)));
      st(m, a.dc + r + j, mul(dcj, f));
    }
  }
}

void floatFn(int fn, const double* x, double* y, int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; i += 8) {
    const __mmask8 m = laneMask(i1 - i);
    const D v = _mm512_maskz_loadu_pd(m, x + i);
    const D w = fn == FN_EXP ? expv(v) : fn == FN_SIGMOID ? sigmoidv(v) : tanhv(v);
    _mm512_mask_storeu_pd(y + i, m, w);
  }
}

const LstmFloatKernels KERNELS{fwdRows, bwdRows, floatFn};
}  // namespace
#pragma GCC diagnostic pop

#include "isa-end.h"

const LstmFloatKernels* const LSTM_FLOAT_AVX512 = &KERNELS;
#else
const LstmFloatKernels* const LSTM_FLOAT_AVX512 = nullptr;
#endif
