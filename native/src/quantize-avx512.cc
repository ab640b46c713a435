// SPDX-License-Identifier: MIT
// AVX-512 quantize / requantize: 16 elements per block as two halves of eight float64 lanes
// doing the reference's operations (x = v * 2^-exp or the mantissa; floor(x + 1/2), floor(x +
// u) or floor(x); clamp; counts), so every lane gives the scalar result bit for bit; division
// by 2^s is the exact multiplication by 2^-s. float32 values scaled by a power of two in
// float32's normal range, into ranges within 2^24, take 16 float32 lanes instead (Block32: the
// product and sum rounded toward -infinity give the same floors). Masks handle the tails
// (masked loads and stores: no scalar tail loop), and compare masks feed the counts.
//
// Stochastic rounding: element i takes draw i of the caller's xoshiro128** stream. Sixteen
// vector lanes run the generator at once, lane j starting S j draws later (rng-jump.h; S =
// 4096, or 256 for calls below 12,288 draws, e.g. an LSTM step's 32 x 256 gate errors, which
// took the scalar generator at ~1.3 ns a draw), so after 16 steps a 16 x 16 transpose gives
// each lane the draws of its next 16 consecutive elements. Tasks of 16 S elements start at
// their own jumped states, so the work also splits over threads with the same bits; the
// caller's state ends after draw n - 1.
// Calls whose output type cannot hold [lo, hi] keep the scalar loop of quantize-impl.h.

#include <cstdint>
#include <type_traits>
#include <vector>

#include "codes.h"
#include "kernels.h"
#include "pool.h"
#include "rng-jump.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

// No fma: products and sums must round separately.
#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx2,popcnt"
#include "isa-begin.h"

// GCC 12 warns that the intrinsics' own _mm512_undefined_* placeholders are uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace {
#include "quantize-impl.h"

using rngjump::SHORT_STRIDE;
using rngjump::STRIDE;
constexpr int64_t CHUNK = pool::CHUNK;  // a multiple of 16 STRIDE (one task = 16 full lanes)
static_assert(CHUNK == 16 * STRIDE, "a stochastic task is 16 full lanes");

/** Draws below which stochastic calls take one scalar generator (see drive). */
constexpr int64_t SCALAR_DRAWS = 3 * SHORT_STRIDE;
/** Draws below which stochastic calls take lanes of SHORT_STRIDE. */
constexpr int64_t SHORT_DRAWS = 3 * STRIDE;

struct Counts {
  int64_t saturated = 0, underflow = 0;
};

/** One task's 16 lane states (4 words each). Types of this file only in its vectors: a
 * shared instantiation (std::vector<uint32_t>) compiled here could serve baseline code. */
struct LaneStates {
  uint32_t w[64];
};

/** Clamp of eight rounded lanes q (x: the value whose zero-ness makes an underflow). */
struct Clamp8 {
  __m512d lo, hi;
  Clamp8(double l, double h) : lo(_mm512_set1_pd(l)), hi(_mm512_set1_pd(h)) {}
  __m256i operator()(__m512d q, __m512d x, __mmask8 m, Counts& c) const {
    const __m512d z = _mm512_setzero_pd();
    const __mmask8 over = _mm512_mask_cmp_pd_mask(m, q, hi, _CMP_GT_OQ);
    const __mmask8 under = _mm512_mask_cmp_pd_mask(m, q, lo, _CMP_LT_OQ);
    const __mmask8 zero =
        _mm512_mask_cmp_pd_mask(_mm512_mask_cmp_pd_mask(m, q, z, _CMP_EQ_OQ), x, z, _CMP_NEQ_UQ);
    c.saturated += __builtin_popcount(static_cast<unsigned>(over | under));
    c.underflow += __builtin_popcount(static_cast<unsigned>(zero));
    q = _mm512_mask_mov_pd(q, over, hi);
    q = _mm512_mask_mov_pd(q, under, lo);
    // NaN stores as 0 (a typed-array store of NaN).
    return _mm512_maskz_cvttpd_epi32(_mm512_cmp_pd_mask(q, q, _CMP_ORD_Q), q);
  }
};

#include "load16-avx512.h"

/**
 * Sixteen int32 lanes (already in TO's range) narrowed to TO (int8/16/32) at out under mask m: the
 * narrowing in a register, then a plain store for a full block (the masked narrowing store to
 * memory, vpmovsdb m128{k}, cost more than the rest of a block).
 */
template <typename TO>
inline void storeNarrow(TO* out, __mmask16 m, __m512i w) {
  if constexpr (sizeof(TO) == 4) {
    if (m == 0xffff) _mm512_storeu_si512(out, w);
    else _mm512_mask_storeu_epi32(out, m, w);
  } else if constexpr (sizeof(TO) == 2) {
    const __m256i h = _mm512_cvtsepi32_epi16(w);
    if (m == 0xffff) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), h);
    else _mm256_mask_storeu_epi16(out, m, h);
  } else {
    const __m128i b = _mm512_cvtsepi32_epi8(w);
    if (m == 0xffff) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
    else _mm_mask_storeu_epi8(out, m, b);
  }
}

/** Stores two halves of eight int32 (already in TO's range) to out under mask m. */
template <typename TO>
inline void store16(TO* out, __mmask16 m, __m256i a, __m256i b) {
  storeNarrow(out, m, _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1));
}

/** Two halves of float64 from the top 24 bits of sixteen draws (k = draw >> 8). */
inline void top24(__m512i k, __m512d& a, __m512d& b) {
  a = _mm512_cvtepi32_pd(_mm512_castsi512_si256(k));
  b = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(k, 1));
}

inline __m512d floorPd(__m512d x) {
  return _mm512_roundscale_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}

inline __mmask16 maskOf(int64_t count) {
  return count >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << count) - 1);
}

/** In place: r[c] (16 lanes, row c) becomes column c of the 16 x 16 block of words. */
inline void transpose16(__m512i* r) {
  __m512i t[16], u[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // u[4i + k], 128-bit lane L: rows 4i..4i+3 of column 4L + k.
  for (int i = 0; i < 4; i++) {
    u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int k = 0; k < 4; k++) {
    const __m512i vlo = _mm512_shuffle_i32x4(u[k], u[4 + k], 0x44);
    const __m512i vhi = _mm512_shuffle_i32x4(u[k], u[4 + k], 0xee);
    const __m512i wlo = _mm512_shuffle_i32x4(u[8 + k], u[12 + k], 0x44);
    const __m512i whi = _mm512_shuffle_i32x4(u[8 + k], u[12 + k], 0xee);
    r[k] = _mm512_shuffle_i32x4(vlo, wlo, 0x88);
    r[4 + k] = _mm512_shuffle_i32x4(vlo, wlo, 0xdd);
    r[8 + k] = _mm512_shuffle_i32x4(vhi, whi, 0x88);
    r[12 + k] = _mm512_shuffle_i32x4(vhi, whi, 0xdd);
  }
}

/** Sixteen xoshiro128** generators, one per lane. */
struct Lanes {
  __m512i s0, s1, s2, s3;
  explicit Lanes(const uint32_t* st) {  // st: 16 states of 4 words
    alignas(64) uint32_t w[4][16];
    for (int j = 0; j < 16; j++)
      for (int k = 0; k < 4; k++) w[k][j] = st[4 * j + k];
    s0 = _mm512_load_si512(w[0]);
    s1 = _mm512_load_si512(w[1]);
    s2 = _mm512_load_si512(w[2]);
    s3 = _mm512_load_si512(w[3]);
  }
  __m512i next() {
    const __m512i x5 = _mm512_add_epi32(s1, _mm512_slli_epi32(s1, 2));
    const __m512i r7 = _mm512_rol_epi32(x5, 7);
    const __m512i r = _mm512_add_epi32(r7, _mm512_slli_epi32(r7, 3));
    const __m512i t = _mm512_slli_epi32(s1, 9);
    s2 = _mm512_xor_si512(s2, s0);
    s3 = _mm512_xor_si512(s3, s1);
    s1 = _mm512_xor_si512(s1, s2);
    s0 = _mm512_xor_si512(s0, s3);
    s2 = _mm512_xor_si512(s2, t);
    s3 = _mm512_rol_epi32(s3, 11);
    return r;
  }
  void save(int lane, uint32_t* st) const {
    alignas(64) uint32_t w[4][16];
    _mm512_store_si512(w[0], s0);
    _mm512_store_si512(w[1], s1);
    _mm512_store_si512(w[2], s2);
    _mm512_store_si512(w[3], s3);
    for (int k = 0; k < 4; k++) st[k] = w[k][lane];
  }
};

template <bool STOCH, int64_t S, class Block>
QuantCounts driveLanes(int64_t n, uint32_t* st, Block&& block);

/**
 * Runs block(i, mask, k) over [0, n) in blocks of 16 (k: the draws' top 24 bits, stochastic
 * only), split into tasks over the pool (driveLanes); sums the tasks' counts. For stochastic
 * rounding `st` is the caller's state, left after draw n - 1.
 */
template <bool STOCH, class Block>
QuantCounts drive(int64_t n, uint32_t* st, Block&& block) {
  if (!STOCH || n >= SHORT_DRAWS) return driveLanes<STOCH, STRIDE>(n, st, block);
  if (n >= SCALAR_DRAWS) return driveLanes<STOCH, SHORT_STRIDE>(n, st, block);
  // Fewer than three short lanes' worth: one scalar generator beats 16 lanes mostly idle.
  Xoshiro rng(st);
  Counts c;
  auto blk = block;
  alignas(64) uint32_t u[256];
  for (int64_t i = 0; i < n; i += 256) {
    const int64_t len = n - i < 256 ? n - i : 256;
    for (int64_t j = 0; j < len; j++) u[j] = rng.next() >> 8;
    for (int64_t j = 0; j < len; j += 16) {
      const __mmask16 m = maskOf(len - j);
      blk(i + j, m, _mm512_maskz_loadu_epi32(m, u + j), c);
    }
  }
  rng.save(st);
  return {c.saturated, c.underflow};
}

/**
 * drive's vector route: tasks of 16 S elements (stochastic: 16 lanes of S draws, lane j at
 * draw j S of the stream; S = STRIDE: pool::CHUNK, the task size of the other kernels).
 */
template <bool STOCH, int64_t S, class Block>
QuantCounts driveLanes(int64_t n, uint32_t* st, Block&& block) {
  constexpr int64_t TASK = 16 * S;
  const int tasks = static_cast<int>((n + TASK - 1) / TASK);
  std::vector<Counts> counts(tasks > 0 ? tasks : 1);
  std::vector<LaneStates> starts(STOCH && tasks > 0 ? tasks : 0);
  if (STOCH && tasks > 0) {
    // Lane j (task j / 16) starts at draw j S.
    const int64_t lanes = (n + S - 1) / S;
    auto lane = [&](int64_t j) { return starts[j / 16].w + 4 * (j % 16); };
    for (int w = 0; w < 4; w++) lane(0)[w] = st[w];
    for (int64_t j = 1; j < lanes; j++) {
      if (S == STRIDE) rngjump::jump(lane(j - 1), lane(j));
      else rngjump::jumpShort(lane(j - 1), lane(j));
    }
  }
  uint32_t last[4];
  pool::run(tasks, [&](int t) {
    // Local copies: the int8 stores may alias anything, so state reached through references
    // would be reloaded after every store.
    auto blk = block;
    Counts c;
    const int64_t a = t * TASK, b = a + TASK < n ? a + TASK : n;
    if (!STOCH) {
      for (int64_t i = a; i < b; i += 16) blk(i, maskOf(b - i), _mm512_setzero_si512(), c);
      counts[t] = c;
      return;
    }
    Lanes g(starts[t].w);
    // Lane j covers [a + j S, min(a + (j + 1) S, b)); the last draw's lane and step.
    const int64_t steps = b - a < S ? b - a : S;
    const int lastLane = static_cast<int>((b - 1 - a) / S);
    const int64_t lastStep = b - 1 - a - lastLane * S;
    const bool saveLast = b == n;
    __m512i r[16];
    for (int64_t s = 0; s < steps; s += 16) {
      for (int q = 0; q < 16; q++) {
        r[q] = _mm512_srli_epi32(g.next(), 8);
        if (saveLast && s + q == lastStep) g.save(lastLane, last);
      }
      transpose16(r);
      for (int j = 0; j <= lastLane; j++) {
        const int64_t i = a + j * S + s;
        const int64_t end = a + (j + 1) * S < b ? a + (j + 1) * S : b;
        if (i < end) blk(i, maskOf(end - i), r[j], c);
      }
    }
    counts[t] = c;
  });
  if (STOCH && n > 0)
    for (int w = 0; w < 4; w++) st[w] = last[w];
  QuantCounts sum{0, 0};
  for (const Counts& c : counts) {
    sum.saturated += c.saturated;
    sum.underflow += c.underflow;
  }
  return sum;
}

/** quantizeV's block: 16 elements at i (mask m, draws' top bits k) in two float64 halves. */
template <typename TI, typename TO, int MODE>
struct Block64 {
  const TI* v;
  TO* out;
  Clamp8 clamp;
  __m512d sc, half, inv24;
  Block64(const TI* v_, TO* out_, double scale, double lo, double hi)
      : v(v_),
        out(out_),
        clamp(lo, hi),
        sc(_mm512_set1_pd(scale)),
        half(_mm512_set1_pd(0.5)),
        inv24(_mm512_set1_pd(1.0 / 16777216.0)) {}
  void operator()(int64_t i, __mmask16 m, __m512i k, Counts& c) const {
    __m512d x[2], u[2];
    load16(v + i, m, x[0], x[1]);
    if (MODE == ROUND_STOCHASTIC) top24(k, u[0], u[1]);
    __m256i q[2];
    for (int h = 0; h < 2; h++) {
      x[h] = _mm512_mul_pd(x[h], sc);
      __m512d f;
      if (MODE == ROUND_NEAREST) f = floorPd(_mm512_add_pd(x[h], half));
      else if (MODE == ROUND_STOCHASTIC)
        f = floorPd(_mm512_add_pd(x[h], _mm512_mul_pd(u[h], inv24)));
      else f = floorPd(x[h]);
      q[h] = clamp(f, x[h], static_cast<__mmask8>(m >> (8 * h)), c);
    }
    store16(out + i, m, q[0], q[1]);
  }
};

template <typename TI, typename TO, int MODE>
QuantCounts quantizeV(const TI* v, int64_t n, double scale, double lo, double hi, uint32_t* st,
                      TO* out) {
  return drive<MODE == ROUND_STOCHASTIC>(n, st, Block64<TI, TO, MODE>(v, out, scale, lo, hi));
}

/**
 * Whether float32 values times `scale` can be rounded in float32 lanes (Block32): scale is a
 * power of two in [2^-126, 2^127] (so it and every normal product are exact in float32, and
 * every product is exact and nonzero for nonzero v in float64), and lo, hi are integers of
 * magnitude below 2^24 (exact in float32, as are the int32 lanes stored).
 */
inline bool float32Lanes(double scale, double lo, double hi) {
  uint64_t bits;
  __builtin_memcpy(&bits, &scale, sizeof bits);
  const int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const bool pow2 = (bits & ((uint64_t(1) << 52) - 1)) == 0 && (bits >> 63) == 0;
  return pow2 && e >= -126 && e <= 127 && lo > -16777216.0 && hi < 16777216.0;
}

/**
 * Block64 for float32 values in 16 float32 lanes, the same integers and counts, the product and
 * the sum rounded toward -infinity (RD, AVX-512 embedded rounding). x: the reference's float64
 * product v * scale, exact (24 significant bits times a power of two in [2^-126, 2^127]).
 * - The reference computes floor(x + w) of the exact sum, w = 1/2 (nearest), u = k 2^-24 with
 *   k < 2^24 (stochastic) or 0 (floor): its float64 sum is exact for 2^-29 <= |x| < 2^28 (at
 *   most 53 bits apart); for |x| < 2^-29 the rounded sum keeps the exact sum's floor (it stays
 *   inside (-1/2, 1/2) or (0, 1), or is x itself when w = 0); for |x| >= 2^28 both results are
 *   beyond [lo, hi].
 * - Here x32 = RD(v * scale) <= x, equal to x when 2^-126 <= |x| < 2^128, and q =
 *   floor(RD(x32 + w)). With n = floor(x + w): x32 + w <= x + w < n + 1 gives q <= n. Where
 *   x32 = x and |n| <= 2^24, n is a float32 <= x + w, so RD(x + w) >= n and q = n. Where
 *   |x| < 2^-126: for w = 0, x32 has x's sign (RD never rounds a negative to 0), so floor(x32)
 *   = floor(x); for w >= 2^-24, x + w and x32 + w lie inside (0, 1), so q = n = 0. Where |x +
 *   w| >= 2^24 or |x| >= 2^128 (x32 = float32's largest, or -inf), q and n are both beyond
 *   [lo, hi] (|lo|, |hi| < 2^24): saturated alike.
 * Then q is clamped and counted as Clamp8 does, with "x != 0" read as v != 0 (the same: the
 * float64 product of a nonzero v is nonzero).
 */
template <typename TO, int MODE>
struct Block32 {
  const float* v;
  TO* out;
  __m512 sc, lo, hi;
  Block32(const float* v_, TO* out_, double scale, double l, double h)
      : v(v_),
        out(out_),
        sc(_mm512_set1_ps(static_cast<float>(scale))),
        lo(_mm512_set1_ps(static_cast<float>(l))),
        hi(_mm512_set1_ps(static_cast<float>(h))) {}
  void operator()(int64_t i, __mmask16 m, __m512i k, Counts& c) const {
    constexpr int RD = _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC;
    const __m512 z = _mm512_setzero_ps();
    const __m512 a = _mm512_maskz_loadu_ps(m, v + i);
    __m512 x = _mm512_mul_round_ps(a, sc, RD);
    if (MODE == ROUND_NEAREST) {
      x = _mm512_add_round_ps(x, _mm512_set1_ps(0.5f), RD);
    } else if (MODE == ROUND_STOCHASTIC) {
      const __m512 u = _mm512_mul_ps(_mm512_cvtepi32_ps(k), _mm512_set1_ps(0x1p-24f));  // exact
      x = _mm512_add_round_ps(x, u, RD);
    }
    __m512 q = _mm512_roundscale_ps(x, RD);
    const __mmask16 nz = _mm512_mask_cmp_ps_mask(m, a, z, _CMP_NEQ_UQ);  // NaN counts as nonzero
    const __mmask16 over = _mm512_mask_cmp_ps_mask(m, q, hi, _CMP_GT_OQ);
    const __mmask16 under = _mm512_mask_cmp_ps_mask(m, q, lo, _CMP_LT_OQ);
    const __mmask16 zero = _mm512_mask_cmp_ps_mask(nz, q, z, _CMP_EQ_OQ);
    c.saturated += __builtin_popcount(static_cast<unsigned>(over | under));
    c.underflow += __builtin_popcount(static_cast<unsigned>(zero));
    q = _mm512_mask_mov_ps(q, over, hi);
    q = _mm512_mask_mov_ps(q, under, lo);
    // NaN stores as 0 (a typed-array store of NaN).
    const __m512i w = _mm512_maskz_cvttps_epi32(_mm512_cmp_ps_mask(q, q, _CMP_ORD_Q), q);
    storeNarrow(out + i, m, w);
  }
};

template <typename TO, int MODE>
QuantCounts quantizeF32V(const float* v, int64_t n, double scale, double lo, double hi,
                         uint32_t* st, TO* out) {
  return drive<MODE == ROUND_STOCHASTIC>(n, st, Block32<TO, MODE>(v, out, scale, lo, hi));
}

template <typename TM, typename TO, int MODE>
QuantCounts requantV(const TM* mt, int64_t n, int s, double div, double half, double p24,
                     double lo, double hi, uint32_t* st, TO* out) {
  const Clamp8 clamp(lo, hi);
  // x / 2^s is exactly x * 2^-s (both are the exact quotient; no rounding is involved).
  const __m512d inv = _mm512_set1_pd(1.0 / div), hf = _mm512_set1_pd(half);
  const __m512d p = _mm512_set1_pd(p24);
  const __m128i shift = _mm_cvtsi32_si128(s > 0 && s <= 24 ? 24 - s : 0);
  return drive<MODE == ROUND_STOCHASTIC>(
      n, st, [=](int64_t i, __mmask16 m, __m512i k, Counts& c) {
        __m512d x[2], u[2];
        load16(mt + i, m, x[0], x[1]);
        if (MODE == ROUND_STOCHASTIC && s > 0)
          top24(s <= 24 ? _mm512_srl_epi32(k, shift) : k, u[0], u[1]);
        __m256i q[2];
        for (int h = 0; h < 2; h++) {
          __m512d f;
          if (s <= 0) f = _mm512_mul_pd(x[h], inv);
          else if (MODE == ROUND_NEAREST) f = floorPd(_mm512_mul_pd(_mm512_add_pd(x[h], hf), inv));
          else if (MODE == ROUND_STOCHASTIC) {
            const __m512d r = s <= 24 ? u[h] : _mm512_mul_pd(u[h], p);
            f = floorPd(_mm512_mul_pd(_mm512_add_pd(x[h], r), inv));
          } else f = floorPd(_mm512_mul_pd(x[h], inv));
          q[h] = clamp(f, x[h], static_cast<__mmask8>(m >> (8 * h)), c);
        }
        store16(out + i, m, q[0], q[1]);
      });
}

/** Sixteen int8/16/32 mantissas (mask m) as int32 lanes. */
template <typename T>
inline __m512i loadInt16(const T* p, __mmask16 m) {
  if constexpr (sizeof(T) == 4) return _mm512_maskz_loadu_epi32(m, p);
  else if constexpr (sizeof(T) == 2) return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(m, p));
  else return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p));
}

/**
 * requantV on integer mantissas with 0 <= s <= 30 in int32 lanes (s = 0: a mantissa already at
 * the target exponent, such as an int8 activation after ReLU, only clamped), 16 at a time. With x = a 2^s
 * + b (0 <= b < 2^s, a = x >> s arithmetic), floor((x + r) / 2^s) = a + ((b + r) >> s) for any
 * 0 <= r < 2^s, with no overflow: r = 2^(s-1) (nearest), the draw's scaled top bits
 * (stochastic, as requantInt), 0 (floor). The same integers as the float64 path.
 */
template <typename TM, typename TO, int MODE>
QuantCounts requantIntV(const TM* mt, int64_t n, int s, int64_t lo, int64_t hi, uint32_t* st,
                        TO* out) {
  const __m512i vlo = _mm512_set1_epi32(static_cast<int32_t>(lo));
  const __m512i vhi = _mm512_set1_epi32(static_cast<int32_t>(hi));
  const __m512i low = _mm512_set1_epi32(static_cast<int32_t>((int64_t(1) << s) - 1));
  const __m512i hf = _mm512_set1_epi32(static_cast<int32_t>(s > 0 ? int64_t(1) << (s - 1) : 0));
  const __m128i sh = _mm_cvtsi32_si128(s);
  const __m128i down = _mm_cvtsi32_si128(s <= 24 ? 24 - s : 0);
  const __m128i up = _mm_cvtsi32_si128(s > 24 ? s - 24 : 0);
  return drive<MODE == ROUND_STOCHASTIC>(
      n, st, [=](int64_t i, __mmask16 m, __m512i k, Counts& c) {
        const __m512i x = loadInt16(mt + i, m);
        __m512i q = _mm512_sra_epi32(x, sh);
        // s = 0: q = x whatever the mode (a stochastic call still takes its draws).
        if (MODE != ROUND_FLOOR && s > 0) {
          __m512i r;
          if (MODE == ROUND_NEAREST) r = hf;
          else r = s <= 24 ? _mm512_srl_epi32(k, down) : _mm512_sll_epi32(k, up);
          const __m512i b = _mm512_and_si512(x, low);
          q = _mm512_add_epi32(q, _mm512_sra_epi32(_mm512_add_epi32(b, r), sh));
        }
        const __mmask16 over = _mm512_mask_cmpgt_epi32_mask(m, q, vhi);
        const __mmask16 under = _mm512_mask_cmplt_epi32_mask(m, q, vlo);
        const __mmask16 zero = _mm512_mask_test_epi32_mask(
            _mm512_mask_cmpeq_epi32_mask(m, q, _mm512_setzero_si512()), x, x);
        c.saturated += __builtin_popcount(static_cast<unsigned>(over | under));
        c.underflow += __builtin_popcount(static_cast<unsigned>(zero));
        q = _mm512_min_epi32(_mm512_max_epi32(q, vlo), vhi);
        storeNarrow(out + i, m, q);
      });
}

/** Whether [lo, hi] fits the output type (else stores must wrap: the scalar loop). */
template <typename TO>
bool fits(double lo, double hi) {
  return lo >= -static_cast<double>(uint64_t(1) << (8 * sizeof(TO) - 1)) &&
         hi <= static_cast<double>((uint64_t(1) << (8 * sizeof(TO) - 1)) - 1);
}

template <typename TI, typename TO>
QuantCounts quantizeTo(const TI* v, int64_t n, double scale, double lo, double hi, int mode,
                       uint32_t* st, TO* out) {
  if (!fits<TO>(lo, hi)) return quantizeMode(v, n, scale, lo, hi, mode, st, out);
  if constexpr (std::is_same<TI, float>::value) {
    if (float32Lanes(scale, lo, hi)) {
      switch (mode) {
        case ROUND_STOCHASTIC:
          return quantizeF32V<TO, ROUND_STOCHASTIC>(v, n, scale, lo, hi, st, out);
        case ROUND_FLOOR:
          return quantizeF32V<TO, ROUND_FLOOR>(v, n, scale, lo, hi, st, out);
        default:
          return quantizeF32V<TO, ROUND_NEAREST>(v, n, scale, lo, hi, st, out);
      }
    }
  }
  switch (mode) {
    case ROUND_STOCHASTIC:
      return quantizeV<TI, TO, ROUND_STOCHASTIC>(v, n, scale, lo, hi, st, out);
    case ROUND_FLOOR:
      return quantizeV<TI, TO, ROUND_FLOOR>(v, n, scale, lo, hi, st, out);
    default:
      return quantizeV<TI, TO, ROUND_NEAREST>(v, n, scale, lo, hi, st, out);
  }
}

template <typename TM, typename TO>
QuantCounts requantTo(const TM* m, int64_t n, int s, double div, double half, double p24,
                      double lo, double hi, int mode, uint32_t* st, TO* out) {
  // Shifts whose powers of two leave the normal float64 range keep the scalar loop.
  if (!fits<TO>(lo, hi) || s < -1000 || s > 1000)
    return requantMode(m, n, s, div, half, p24, lo, hi, mode, st, out);
  if constexpr (static_cast<TM>(0.5) == 0) {
    if (s >= 0 && s <= 30) {
      const int64_t l = static_cast<int64_t>(lo), h = static_cast<int64_t>(hi);
      switch (mode) {
        case ROUND_STOCHASTIC:
          return requantIntV<TM, TO, ROUND_STOCHASTIC>(m, n, s, l, h, st, out);
        case ROUND_FLOOR:
          return requantIntV<TM, TO, ROUND_FLOOR>(m, n, s, l, h, st, out);
        default:
          return requantIntV<TM, TO, ROUND_NEAREST>(m, n, s, l, h, st, out);
      }
    }
  }
  switch (mode) {
    case ROUND_STOCHASTIC:
      return requantV<TM, TO, ROUND_STOCHASTIC>(m, n, s, div, half, p24, lo, hi, st, out);
    case ROUND_FLOOR:
      return requantV<TM, TO, ROUND_FLOOR>(m, n, s, div, half, p24, lo, hi, st, out);
    default:
      return requantV<TM, TO, ROUND_NEAREST>(m, n, s, div, half, p24, lo, hi, st, out);
  }
}

}  // namespace

QuantCounts quantizeAvx512(const View& values, double scale, double lo, double hi, int mode,
                           uint32_t* st, const View& out) {
  return withIntKind(out, [&](auto* o) {
    if (values.kind == Kind::F32)
      return quantizeTo(static_cast<const float*>(values.p), values.n, scale, lo, hi, mode, st, o);
    return quantizeTo(static_cast<const double*>(values.p), values.n, scale, lo, hi, mode, st, o);
  });
}

QuantCounts requantizeAvx512(const View& mant, int s, double div, double half, double p24,
                             double lo, double hi, int mode, uint32_t* st, const View& out) {
  return withIntKind(out, [&](auto* o) {
    return withMantKind(mant, [&](auto* m) {
      return requantTo(m, mant.n, s, div, half, p24, lo, hi, mode, st, o);
    });
  });
}

#pragma GCC diagnostic pop
#include "isa-end.h"
#endif
