// SPDX-License-Identifier: MIT
// A block of the im2col matrix (rows x the columns of a few images) built into scratch for the
// implicit-GEMM convolutions (gemm-f32.cc, gemm-int.cc), which multiply it while it is in L2.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace {

/**
 * Rows [r0, r1) and the columns of images [n0, n1) of im2col(x) (C*KH*KW, N*OH*OW) into buf
 * (r1 - r0 rows of (n1 - n0)*OH*OW): g = N, C, H, W, KH, KW, sh, sw, ph, pw, OH, OW. The
 * values im2col writes.
 */
template <typename T>
void im2colPart(const int64_t* g, const T* x, int64_t n0, int64_t n1, int64_t r0, int64_t r1,
                T* buf) {
  const int64_t C = g[1], H = g[2], W = g[3], KH = g[4], KW = g[5], sh = g[6], sw = g[7];
  const int64_t ph = g[8], pw = g[9], OH = g[10], OW = g[11];
  const int64_t S = (n1 - n0) * OH * OW;
  for (int64_t rr = r0; rr < r1; rr++) {
    const int64_t c = rr / (KH * KW), kh = rr / KW % KH, kw = rr % KW;
    T* row = buf + (rr - r0) * S;
    // Output columns whose input column iw = ow*sw - pw + kw lies inside [0, W).
    const int64_t lo = std::min<int64_t>(OW, kw >= pw ? 0 : (pw - kw + sw - 1) / sw);
    const int64_t hiN = W - 1 + pw - kw;  // ow*sw <= hiN
    const int64_t hi = std::max<int64_t>(lo, hiN < 0 ? 0 : std::min<int64_t>(OW, hiN / sw + 1));
    for (int64_t n = n0; n < n1; n++)
      for (int64_t oh = 0; oh < OH; oh++) {
        T* o = row + ((n - n0) * OH + oh) * OW;
        const int64_t ih = oh * sh - ph + kh;
        if (ih < 0 || ih >= H) {
          std::memset(o, 0, sizeof(T) * OW);
          continue;
        }
        const T* src = x + ((n * C + c) * H + ih) * W;
        for (int64_t ow = 0; ow < lo; ow++) o[ow] = T(0);
        if (sw == 1) std::memcpy(o + lo, src + lo - pw + kw, sizeof(T) * (hi - lo));
        else
          for (int64_t ow = lo; ow < hi; ow++) o[ow] = src[ow * sw - pw + kw];
        for (int64_t ow = hi; ow < OW; ow++) o[ow] = T(0);
      }
  }
}

}  // namespace
