// SPDX-License-Identifier: MIT
// A block of the im2col matrix (rows x the columns of a few images) built into scratch for the
// implicit-GEMM convolutions (gemm-f32.cc, gemm-int.cc), which multiply it while it is in L2.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace {

/**
 * One im2col row block of one image for a stride-1 conv whose output rows are as wide as its
 * input's (OW = W, e.g. 3x3 pad 1): dst (OH, OW) = the plane xp (H, W) shifted by dh = kh - ph
 * rows and d = kw - pw columns, 0 outside it. Row-major with equal widths, the overlapping rows
 * are one run: one copy of (rows * W - |d|) elements, then the |d| elements each row takes from
 * its neighbour row (or never receives) zeroed. The values the per-row copies write, without
 * 8-32 byte copies one by one.
 */
template <typename T>
void shiftedPlane(const T* xp, int64_t H, int64_t W, int64_t OH, int64_t dh, int64_t d, T* dst) {
  const int64_t o0 = std::min<int64_t>(OH, std::max<int64_t>(0, -dh));
  const int64_t o1 = std::max<int64_t>(o0, std::min<int64_t>(OH, H - dh));
  // Rows outside the plane (0-2 rows of a 3x3 conv): inline stores, no library call.
  for (int64_t i = 0; i < o0 * W; i++) dst[i] = T(0);
  for (int64_t i = o1 * W; i < OH * W; i++) dst[i] = T(0);
  if (o1 == o0) return;
  T* o = dst + o0 * W;
  const T* s = xp + (o0 + dh) * W;
  const int64_t rows = o1 - o0, L = rows * W;
  if (d >= W || -d >= W) {
    std::memset(o, 0, sizeof(T) * L);
  } else if (d >= 0) {
    // o[i] = s[i + d]: each row's last d elements come from the next row: zeroed after.
    std::memcpy(o, s + d, sizeof(T) * (L - d));
    for (int64_t r = 0; r < rows; r++)
      for (int64_t q = W - d; q < W; q++) o[r * W + q] = T(0);
  } else {
    // o[i] = s[i + d] for i >= -d: each row's first -d elements are zeroed after.
    std::memcpy(o - d, s, sizeof(T) * (L + d));
    for (int64_t r = 0; r < rows; r++)
      for (int64_t q = 0; q < -d; q++) o[r * W + q] = T(0);
  }
}

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
    if (sh == 1 && sw == 1 && OW == W) {
      for (int64_t n = n0; n < n1; n++)
        shiftedPlane(x + (n * C + c) * H * W, H, W, OH, kh - ph, kw - pw,
                     row + (n - n0) * OH * OW);
      continue;
    }
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
