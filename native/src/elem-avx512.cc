// SPDX-License-Identifier: MIT
// The elementwise and layer kernels compiled for AVX-512 (F, BW, VL: 512-bit loops, 64-bit
// integer min/max), with the vector quantizers of quantize-avx512.cc and the 2x2 pooling rows
// of pool-rows-avx512.h. No FMA: products and
// sums round separately, as the reference's float64 operations do. Of the conv data movers
// im2col and col2im are here for narrow windows (masked 16-lane loads and stores:
// im2colWindow8, col2imWindow32), the AVX2 table's otherwise; the outer-axes swap and the
// Winograd conv stay null: elemKernels takes them from the AVX2 table.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "codes.h"
#include "kernels.h"
#include "pool.h"
#include "scratch.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define LOWBIT_TARGET "avx512f,avx512bw,avx512vl,avx2,popcnt,prefer-vector-width=512"
#include "isa-begin.h"

#include "im2col-part.h"  // shiftedPlane (layers-impl.h), compiled for AVX-512 here

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
// GCC 12 warns that the intrinsics' own _mm512_undefined_* placeholders are uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace {
#include "pool-rows-avx512.h"

/**
 * ReLU's backward with max |dx| for an int8 mask and int32 errors (the integer schemes' E1
 * chain), sixteen lanes at a time: lanes whose mask is <= 0 load nothing and store 0. The
 * generic loop's integers and max; layers-impl.h calls it for these types (RELU_BACK_MAX_VEC).
 */
inline int64_t reluBackMaxI8I32(const int8_t* m, const int32_t* dy, int32_t* dx, int64_t a,
                                int64_t b) {
  const __m512i z = _mm512_setzero_si512();
  __m512i lo = z, hi = z;
  for (int64_t i = a; i < b; i += 16) {
    const __mmask16 t =
        b - i >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (b - i)) - 1);
    const __mmask16 pos =
        _mm_mask_cmpgt_epi8_mask(t, _mm_maskz_loadu_epi8(t, m + i), _mm_setzero_si128());
    const __m512i v = _mm512_maskz_loadu_epi32(pos, dy + i);
    lo = _mm512_min_epi32(lo, v);
    hi = _mm512_max_epi32(hi, v);
    if (t == 0xffff) _mm512_storeu_si512(dx + i, v);
    else _mm512_mask_storeu_epi32(dx + i, t, v);
  }
  alignas(64) int32_t l[16], h[16];
  _mm512_store_si512(l, lo);
  _mm512_store_si512(h, hi);
  int64_t mx = 0;
  for (int j = 0; j < 16; j++) {
    mx = -int64_t(l[j]) > mx ? -int64_t(l[j]) : mx;
    mx = int64_t(h[j]) > mx ? int64_t(h[j]) : mx;
  }
  return mx;
}
#define RELU_BACK_MAX_VEC reluBackMaxI8I32

/**
 * im2col's rows from one (c, n) plane of bytes whose windows fit one 16-byte load
 * (OW + KW - 1 <= 16, column stride 1): per kernel row kh and output row oh the source row's
 * bytes are loaded once (masked: nothing past them is read) and each kw's OW bytes stored
 * shifted by kw (a byte shuffle, a masked store). At LeNet-5's second conv (6 channels of
 * 14 x 14, 5 x 5, 10 x 10 outputs) each window row is 10 bytes: a copy per row cost ~4.5 ns,
 * 0.43 ms of a 4.5 ms step. src: the plane (row stride Wp, row oh * sh + kh starts window
 * row oh); o: column block (c, 0, 0) at image n; Q: col's row length.
 */
inline void im2colWindow8(const uint8_t* src, int64_t Wp, int64_t sh, int64_t KH, int64_t KW,
                          int64_t OH, int64_t OW, uint8_t* o, int64_t Q) {
  const __mmask16 in = static_cast<__mmask16>((1u << (OW + KW - 1)) - 1);
  const __mmask16 out = static_cast<__mmask16>((1u << OW) - 1);
  const __m128i lanes = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int64_t kh = 0; kh < KH; kh++)
    for (int64_t oh = 0; oh < OH; oh++) {
      const __m128i r = _mm_maskz_loadu_epi8(in, src + (oh * sh + kh) * Wp);
      uint8_t* d = o + kh * KW * Q + oh * OW;
      // Lane i of shift kw takes byte i + kw (lanes past OW - 1 are not stored).
      for (int64_t kw = 0; kw < KW; kw++, d += Q)
        _mm_mask_storeu_epi8(
            d, out,
            _mm_shuffle_epi8(r, _mm_add_epi8(lanes, _mm_set1_epi8(static_cast<char>(kw)))));
    }
}
#define LOWBIT_IM2COL_WINDOW8 im2colWindow8

/**
 * col2im's sums into one zeroed (c, n) plane of int32 whose windows fit one 16-lane register
 * (OW + KW - 1 <= 16, column stride 1): per kernel row kh and output row oh the plane row is
 * loaded once, the KW rows of col added in, each loaded into lanes kw.. (masked: nothing
 * outside them is read), and stored once. Wrapping int32 adds, as addTo's; integer sums in any
 * order are the reference's. LeNet-5's second conv: 0.41 ms a step the other way. q0: col's
 * block (c, 0, 0) at image n (row length Q); plane: row stride Wp, row oh * sh + kh.
 */
inline void col2imWindow32(const int32_t* q0, int64_t Q, int64_t KH, int64_t KW, int64_t OH,
                           int64_t OW, int64_t sh, int32_t* plane, int64_t Wp) {
  const __mmask16 span = static_cast<__mmask16>((1u << (OW + KW - 1)) - 1);
  const __mmask16 row = static_cast<__mmask16>((1u << OW) - 1);
  for (int64_t kh = 0; kh < KH; kh++)
    for (int64_t oh = 0; oh < OH; oh++) {
      int32_t* d = plane + (oh * sh + kh) * Wp;
      __m512i acc = _mm512_maskz_loadu_epi32(span, d);
      const int32_t* q = q0 + kh * KW * Q + oh * OW;
      // Lanes kw .. kw + OW - 1 from q's row kw: the load starts kw elements before it.
      for (int64_t kw = 0; kw < KW; kw++, q += Q)
        acc = _mm512_add_epi32(
            acc, _mm512_maskz_loadu_epi32(static_cast<__mmask16>(row << kw),
                                          reinterpret_cast<const char*>(q) - 4 * kw));
      _mm512_mask_storeu_epi32(d, span, acc);
    }
}
#define LOWBIT_COL2IM_WINDOW32 col2imWindow32

#include "layers-impl.h"
#include "optim-impl.h"
#include "quantize-impl.h"

/**
 * im2col and col2im: the narrow windows above (int8 / int32, column stride 1, OW + KW - 1 <=
 * 16, outside the stride-1 shifted-plane route) compiled here, every other geometry by the
 * AVX2 table's (elemKernels uses this table only beside it): compiled for 512-bit vectors
 * their strided loops ran 1.4x slower at ResNet-20's stride-2 3x3 conv on 16 x 16 planes.
 */
bool narrowWindows(const Geom& g) {
  return g.sw == 1 && g.OW + g.KW - 1 <= 16 && !(g.sh == 1 && g.OW == g.W);
}

void im2colAvx512(const int64_t* gw, const View& x, const View& col) {
  if (x.kind == Kind::I8 && narrowWindows(Geom(gw))) return im2colK(gw, x, col);
  ELEM_AVX2->im2col(gw, x, col);
}

void col2imAvx512(const int64_t* gw, const View& col, const View& dx) {
  if (col.kind == Kind::I32 && narrowWindows(Geom(gw))) return col2imK(gw, col, dx);
  ELEM_AVX2->col2im(gw, col, dx);
}

const ElemKernels KERNELS{quantizeAvx512, requantizeAvx512, maxAbsK,  reluK,   reluBackwardK,
                          nullptr,        maxpoolK,         maxpoolBackwardK,  colSumsK,
                          im2colAvx512,   col2imAvx512,     nullptr,           sgdMomentumK,
                          sgdUpdateK,     addInplaceK,      wageubnMomentumK, kahanCarryK,
                          sumAbsK};
}  // namespace
#pragma GCC diagnostic pop

#include "isa-end.h"

const ElemKernels* const ELEM_AVX512 = &KERNELS;
#else
const ElemKernels* const ELEM_AVX512 = nullptr;
#endif
