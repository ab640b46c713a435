// SPDX-License-Identifier: MIT
// AVX2 packing of integer GEMM panels (layouts in pack.h). Two source layouts:
// - rows contiguous in k (A not transposed, B transposed): a group of G k is one dword after
//   widening, so 8 groups of 8 rows are an 8 x 8 dword transpose;
// - k-major (A transposed, B not): the G k-rows of a group are interleaved element by
//   element (16-bit or 8-bit unpacks).
// Full groups of full panels run here; tails and partial panels go to the portable packPanel,
// which writes the same bytes (test/backend/native-pack.test.ts compares the two).

#include "pack.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx2"
#include "isa-begin.h"

namespace {

/** 8 groups of a row (8 dwords) starting at src, widened and transformed. */
template <typename T, int G, PackMode MODE>
inline __m256i load8(const T* src) {
  if (G == 4) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
    return MODE == PackMode::U8 ? _mm256_xor_si256(x, _mm256_set1_epi8(-128)) : x;
  }
  __m256i x = sizeof(T) == 1
                  ? _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)))
                  : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
  if (MODE == PackMode::Hi) x = _mm256_srai_epi16(x, 8);
  if (MODE == PackMode::Lo) x = _mm256_and_si256(x, _mm256_set1_epi16(255));
  return x;
}

/** Rows r[0..n) (n = 4 or 8) of 8 dwords -> 8 groups of n dwords at out + g * stride. */
inline void transpose(const __m256i* r, int n, uint32_t* out, int64_t stride) {
  const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  // u0: groups 0 | 4 of rows 0-3; u1: 1 | 5; u2: 2 | 6; u3: 3 | 7
  const __m256i u[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                        _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
  if (n == 4) {
    for (int g = 0; g < 4; g++) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + g * stride), _mm256_castsi256_si128(u[g]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (g + 4) * stride),
                       _mm256_extracti128_si256(u[g], 1));
    }
    return;
  }
  const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  const __m256i v[4] = {_mm256_unpacklo_epi64(t4, t6), _mm256_unpackhi_epi64(t4, t6),
                        _mm256_unpacklo_epi64(t5, t7), _mm256_unpackhi_epi64(t5, t7)};
  for (int g = 0; g < 4; g++) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + g * stride),
                        _mm256_permute2x128_si256(u[g], v[g], 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (g + 4) * stride),
                        _mm256_permute2x128_si256(u[g], v[g], 0x31));
  }
}

/** Rows contiguous in k: blocks of 8 groups; returns the groups done. */
template <typename T, int G, PackMode MODE>
int64_t rowContig(const PanelSrc& s, int width, uint8_t* out) {
  const T* p = static_cast<const T*>(s.p);
  const int64_t blocks = s.kc / (8 * G);
  const int step = width % 8 == 0 ? 8 : 4;
  uint32_t* o = reinterpret_cast<uint32_t*>(out);
  const __m256i zero =
      G == 4 && MODE == PackMode::U8 ? _mm256_set1_epi8(-128) : _mm256_setzero_si256();
  __m256i r[8];
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t k = s.k0 + b * 8 * G;
    for (int r0 = 0; r0 < width; r0 += step) {
      // Rows past a partial panel's last (s.rows) pack as the value 0 (u8 mode: 128), as
      // packPanel writes them.
      for (int i = 0; i < step; i++)
        r[i] = r0 + i < s.rows ? load8<T, G, MODE>(p + (s.r0 + r0 + i) * s.ld + k) : zero;
      transpose(r, step, o + b * 8 * width + r0, width);
    }
  }
  return blocks * 8;
}

/** k-major, int16 pairs: rows k, k+1 interleaved; returns the groups done. */
template <typename T, PackMode MODE>
int64_t kMajorPairs(const PanelSrc& s, int width, uint8_t* out) {
  const T* p = static_cast<const T*>(s.p);
  const int64_t groups = s.kc / 2;
  auto load = [&](const T* q, int n) -> __m128i {
    __m128i x;
    if (sizeof(T) == 2)
      x = n == 8 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(q))
                 : _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q));
    else
      x = _mm_cvtepi8_epi16(n == 8 ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q))
                                   : _mm_cvtsi32_si128(*reinterpret_cast<const int32_t*>(q)));
    if (MODE == PackMode::Hi) x = _mm_srai_epi16(x, 8);
    if (MODE == PackMode::Lo) x = _mm_and_si128(x, _mm_set1_epi16(255));
    return x;
  };
  for (int64_t g = 0; g < groups; g++) {
    const T* k0 = p + (s.k0 + 2 * g) * s.ld + s.r0;
    const T* k1 = k0 + s.ld;
    __m128i* o = reinterpret_cast<__m128i*>(out + g * width * 4);
    for (int c = 0; c < width; c += 8) {
      const int n = width - c >= 8 ? 8 : 4;
      const __m128i x0 = load(k0 + c, n), x1 = load(k1 + c, n);
      _mm_storeu_si128(o++, _mm_unpacklo_epi16(x0, x1));
      if (n == 8) _mm_storeu_si128(o++, _mm_unpackhi_epi16(x0, x1));
    }
  }
  return groups;
}

/** k-major, bytes: rows 4g..4g+3 interleaved byte by byte; returns the groups done. */
template <PackMode MODE>
int64_t kMajorQuads(const PanelSrc& s, int width, uint8_t* out) {
  const int8_t* p = static_cast<const int8_t*>(s.p);
  const int64_t groups = s.kc / 4;
  const __m128i flip = _mm_set1_epi8(-128);
  for (int64_t g = 0; g < groups; g++) {
    const int8_t* k0 = p + (s.k0 + 4 * g) * s.ld + s.r0;
    __m128i* o = reinterpret_cast<__m128i*>(out + g * width * 4);
    for (int c = 0; c < width; c += 16) {
      const bool full = width - c >= 16;
      __m128i x[4];
      for (int i = 0; i < 4; i++) {
        const int8_t* q = k0 + i * s.ld + c;
        x[i] = full ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(q))
                    : _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q));
        if (MODE == PackMode::U8) x[i] = _mm_xor_si128(x[i], flip);
      }
      const __m128i a = _mm_unpacklo_epi8(x[0], x[1]), c2 = _mm_unpacklo_epi8(x[2], x[3]);
      _mm_storeu_si128(o++, _mm_unpacklo_epi16(a, c2));
      _mm_storeu_si128(o++, _mm_unpackhi_epi16(a, c2));
      if (full) {
        const __m128i b = _mm_unpackhi_epi8(x[0], x[1]), d = _mm_unpackhi_epi8(x[2], x[3]);
        _mm_storeu_si128(o++, _mm_unpacklo_epi16(b, d));
        _mm_storeu_si128(o++, _mm_unpackhi_epi16(b, d));
      }
    }
  }
  return groups;
}

template <typename T, PackMode MODE>
int64_t dispatchG(const PanelSrc& s, int width, int G, uint8_t* out) {
  if (G == 4) {
    if (sizeof(T) != 1) return 0;
    return s.kMajor ? kMajorQuads<MODE == PackMode::U8 ? PackMode::U8 : PackMode::Plain>(
                          s, width, out)
                    : rowContig<int8_t, 4, MODE == PackMode::U8 ? PackMode::U8 : PackMode::Plain>(
                          s, width, out);
  }
  return s.kMajor ? kMajorPairs<T, MODE>(s, width, out) : rowContig<T, 2, MODE>(s, width, out);
}

/** Packs the full groups in vector code; returns how many were done. */
int64_t vectorPart(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out) {
  // Partial panels (fewer valid rows than width, e.g. dW's N = 144 = 4.5 panels of 32) only
  // where rows are contiguous in k: the k-major loops read whole panel widths.
  if (s.rows > width || (s.rows < width && s.kMajor) || (width != 4 && width % 8 != 0)) return 0;
  if (G == 4 && s.kMajor && width % 8 != 0) return 0;
  if (s.bytes == 1) {
    switch (mode) {
      case PackMode::U8:
        return dispatchG<int8_t, PackMode::U8>(s, width, G, out);
      case PackMode::Plain:
        return dispatchG<int8_t, PackMode::Plain>(s, width, G, out);
      default:
        return 0;  // limbs are for int16 operands only
    }
  }
  if (G != 2) return 0;
  switch (mode) {
    case PackMode::Hi:
      return dispatchG<int16_t, PackMode::Hi>(s, width, G, out);
    case PackMode::Lo:
      return dispatchG<int16_t, PackMode::Lo>(s, width, G, out);
    case PackMode::Plain:
      return dispatchG<int16_t, PackMode::Plain>(s, width, G, out);
    default:
      return 0;
  }
}

/** Sums over k of each packed column: groups x width dwords of int16 pairs or bytes. */
void columnSums(const uint8_t* out, int64_t groups, int width, int G, int32_t* colsum) {
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (int c = 0; c < width; c += 8) {
    __m256i acc = _mm256_setzero_si256();
    for (int64_t g = 0; g < groups; g++) {
      const __m256i x =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(out + (g * width + c) * 4));
      const __m256i pairs = G == 4 ? _mm256_maddubs_epi16(ones8, x) : x;
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones16));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(colsum + c), acc);
  }
}

/** packBKMajorAvx2's full groups: per group, rows across all panels; returns groups done. */
template <typename T>
int64_t blockPairs(const PanelSrc& s, int width, int panels, uint8_t* out) {
  const T* p = static_cast<const T*>(s.p);
  const int64_t groups = s.kc / 2;
  const int64_t pstride = ((s.kc + 1) / 2) * width * 4;
  const int n = panels * width;
  for (int64_t g = 0; g < groups; g++) {
    const T* k0 = p + (s.k0 + 2 * g) * s.ld + s.r0;
    const T* k1 = k0 + s.ld;
    for (int c = 0; c < n; c += 8) {
      __m128i x0, x1;
      if (sizeof(T) == 2) {
        x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k0 + c));
        x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k1 + c));
      } else {
        x0 = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(k0 + c)));
        x1 = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(k1 + c)));
      }
      __m128i* o = reinterpret_cast<__m128i*>(out + (c / width) * pstride +
                                              (g * width + c % width) * 4);
      _mm_storeu_si128(o, _mm_unpacklo_epi16(x0, x1));
      _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(x0, x1));
    }
  }
  return groups;
}

int64_t blockQuads(const PanelSrc& s, int width, int panels, uint8_t* out) {
  const int8_t* p = static_cast<const int8_t*>(s.p);
  const int64_t groups = s.kc / 4;
  const int64_t pstride = ((s.kc + 3) / 4) * width * 4;
  const int n = panels * width;
  for (int64_t g = 0; g < groups; g++) {
    const int8_t* k0 = p + (s.k0 + 4 * g) * s.ld + s.r0;
    for (int c = 0; c < n; c += 16) {
      __m128i x[4];
      for (int i = 0; i < 4; i++)
        x[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k0 + i * s.ld + c));
      const __m128i a = _mm_unpacklo_epi8(x[0], x[1]), c2 = _mm_unpacklo_epi8(x[2], x[3]);
      const __m128i b = _mm_unpackhi_epi8(x[0], x[1]), d = _mm_unpackhi_epi8(x[2], x[3]);
      __m128i* o = reinterpret_cast<__m128i*>(out + (c / width) * pstride +
                                              (g * width + c % width) * 4);
      _mm_storeu_si128(o, _mm_unpacklo_epi16(a, c2));
      _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(a, c2));
      _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(b, d));
      _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(b, d));
    }
  }
  return groups;
}

/**
 * blockQuads for panels of 32k columns: 32 columns per step in 256-bit registers (half the
 * instructions per byte of the 16-column loop). The byte and word interleaves work within each
 * 128-bit half (columns 0-15 and 16-31); the quads of columns 0-7, 8-15, 16-23, 24-31 are then
 * joined from the halves of q0..q3.
 */
int64_t blockQuads32(const PanelSrc& s, int width, int panels, uint8_t* out) {
  const int8_t* p = static_cast<const int8_t*>(s.p);
  const int64_t groups = s.kc / 4;
  const int64_t pstride = ((s.kc + 3) / 4) * width * 4;
  const int n = panels * width;
  for (int64_t g = 0; g < groups; g++) {
    const int8_t* k0 = p + (s.k0 + 4 * g) * s.ld + s.r0;
    for (int c = 0; c < n; c += 32) {
      __m256i x[4];
      for (int i = 0; i < 4; i++)
        x[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k0 + i * s.ld + c));
      const __m256i a = _mm256_unpacklo_epi8(x[0], x[1]), c2 = _mm256_unpacklo_epi8(x[2], x[3]);
      const __m256i b = _mm256_unpackhi_epi8(x[0], x[1]), d = _mm256_unpackhi_epi8(x[2], x[3]);
      const __m256i q0 = _mm256_unpacklo_epi16(a, c2), q1 = _mm256_unpackhi_epi16(a, c2);
      const __m256i q2 = _mm256_unpacklo_epi16(b, d), q3 = _mm256_unpackhi_epi16(b, d);
      __m256i* o = reinterpret_cast<__m256i*>(out + (c / width) * pstride +
                                              (g * width + c % width) * 4);
      _mm256_storeu_si256(o, _mm256_permute2x128_si256(q0, q1, 0x20));
      _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(q2, q3, 0x20));
      _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(q0, q1, 0x31));
      _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(q2, q3, 0x31));
    }
  }
  return groups;
}

}  // namespace

void packBKMajorAvx2(const PanelSrc& s, int width, int panels, int G, uint8_t* out,
                     int32_t* colsum) {
  const int64_t groups = (s.kc + G - 1) / G;
  const int64_t pstride = groups * width * 4;
  int64_t done = 0;
  // Vector loops need 8 (pairs) or 16 (quads) columns per step within a panel.
  if (width % 32 == 0 && G == 4 && s.bytes == 1) done = blockQuads32(s, width, panels, out);
  else if (width % 16 == 0 && G == 4 && s.bytes == 1) done = blockQuads(s, width, panels, out);
  else if (width % 8 == 0 && G == 2 && s.bytes == 2)
    done = blockPairs<int16_t>(s, width, panels, out);
  else if (width % 8 == 0 && G == 2 && s.bytes == 1)
    done = blockPairs<int8_t>(s, width, panels, out);
  for (int q = 0; q < panels; q++) {
    uint8_t* o = out + q * pstride;
    PanelSrc one = s;
    one.r0 = s.r0 + q * width;
    one.rows = width;
    if (done * G < s.kc) {
      PanelSrc rest = one;
      rest.k0 += done * G;
      rest.kc -= done * G;
      packPanel(rest, width, G, PackMode::Plain, o + done * width * 4, nullptr);
    }
    if (colsum) {
      if (width % 8 == 0) columnSums(o, groups, width, G, colsum + q * width);
      else packPanel(one, width, G, PackMode::Plain, o, colsum + q * width);
    }
  }
}

void packAAvx2(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out) {
  const int64_t done = vectorPart(s, width, G, mode, out);
  if (done * G >= s.kc) return;
  PanelSrc rest = s;
  rest.k0 += done * G;
  rest.kc -= done * G;
  packPanel(rest, width, G, mode, out + done * width * 4, nullptr);
}

void packBAvx2(const PanelSrc& s, int width, int G, uint8_t* out, int32_t* colsum) {
  const int64_t done = vectorPart(s, width, G, PackMode::Plain, out);
  if (done * G < s.kc) {
    PanelSrc rest = s;
    rest.k0 += done * G;
    rest.kc -= done * G;
    packPanel(rest, width, G, PackMode::Plain, out + done * width * 4, nullptr);
  }
  if (colsum) {
    if (width % 8 == 0)
      columnSums(out, (s.kc + G - 1) / G, width, G, colsum);
    else
      packPanel(s, width, G, PackMode::Plain, out, colsum);
  }
}

#include "isa-end.h"

#else
void packBKMajorAvx2(const PanelSrc& s, int width, int panels, int G, uint8_t* out,
                     int32_t* colsum) {
  const int64_t pstride = ((s.kc + G - 1) / G) * width * 4;
  for (int q = 0; q < panels; q++) {
    PanelSrc one = s;
    one.r0 = s.r0 + q * width;
    one.rows = width;
    packPanel(one, width, G, PackMode::Plain, out + q * pstride, colsum ? colsum + q * width : nullptr);
  }
}
void packAAvx2(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out) {
  packPanel(s, width, G, mode, out, nullptr);
}
void packBAvx2(const PanelSrc& s, int width, int G, uint8_t* out, int32_t* colsum) {
  packPanel(s, width, G, PackMode::Plain, out, colsum);
}
#endif
