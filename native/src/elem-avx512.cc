// SPDX-License-Identifier: MIT
// The elementwise and layer kernels compiled for AVX-512 (F, BW, VL: 512-bit loops, 64-bit
// integer min/max), with the vector quantizers of quantize-avx512.cc and the 2x2 pooling rows
// of pool-rows-avx512.h. No FMA: products and
// sums round separately, as the reference's float64 operations do. The conv data movers
// (im2col, col2im, the outer-axes swap, the Winograd conv) stay null here: elemKernels takes
// them from the AVX2 table.

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

#include "layers-impl.h"
#include "optim-impl.h"
#include "quantize-impl.h"

const ElemKernels KERNELS{quantizeAvx512, requantizeAvx512, maxAbsK,  reluK,   reluBackwardK,
                          nullptr,        maxpoolK,         maxpoolBackwardK,  colSumsK,
                          nullptr,        nullptr,          nullptr,           sgdMomentumK,
                          sgdUpdateK,     addInplaceK,      wageubnMomentumK, kahanCarryK,
                          sumAbsK};
}  // namespace
#pragma GCC diagnostic pop

#include "isa-end.h"

const ElemKernels* const ELEM_AVX512 = &KERNELS;
#else
const ElemKernels* const ELEM_AVX512 = nullptr;
#endif
