// SPDX-License-Identifier: MIT
// The int8 x int16 convolutions of conv-i8-i16.h: split, one int8 conv over 2N images,
// combine; on AMX the two halves' sums side by side in one conv, combined into y directly.

#include "conv-i8-i16.h"

#include <cstring>
#include <vector>

#include "conv-i8.h"
#include "pool.h"
#include "scratch.h"

namespace {

/** The largest int16 whose hi = (v + 128) >> 8 fits int8. */
constexpr int16_t SPLIT_MAX = 127 * 256 + 127;

/**
 * src (N, n) int16 -> dst (2N, n) int8: images [0, N) the hi bytes, [N, 2N) the lo bytes.
 * Returns 0 if some v > SPLIT_MAX, else 1 + (whether some hi is nonzero).
 */
int split(const int16_t* src, int64_t N, int64_t n, int8_t* dst) {
  const int64_t total = N * n;
  // Chunks of pool::CHUNK elements (on the pool where there are several), each with its own
  // max and OR.
  const int64_t chunks = (total + pool::CHUNK - 1) / pool::CHUNK;
  std::vector<int16_t> mx(chunks > 0 ? chunks : 1, INT16_MIN), hiOr(mx.size(), 0);
  pool::chunked(total, pool::CHUNK, [&](int64_t i0, int64_t i1) {
    const int64_t c = i0 / pool::CHUNK;
    CONV_I8_I16_AVX512->split(src + i0, i1 - i0, dst + i0, dst + total + i0, &mx[c], &hiOr[c]);
  });
  int16_t m = INT16_MIN, o = 0;
  for (size_t c = 0; c < mx.size(); c++) {
    m = mx[c] > m ? mx[c] : m;
    o = static_cast<int16_t>(o | hiOr[c]);
  }
  if (total && m > SPLIT_MAX) return 0;
  return o ? 2 : 1;
}

/**
 * y[n][m][r] = 256 * p[n][m][r] + p[N + n][m][r] + bias[m] (wrapping int32) for p (2N, M, R),
 * planes in tasks of pool::perTask(R).
 */
void combine(const int32_t* p, int64_t N, int64_t M, int64_t R, const double* bias, int32_t* y) {
  const int64_t total = N * M * R;
  pool::chunked(N * M, pool::perTask(R), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const int64_t m = q % M;
      const uint32_t b = bias ? static_cast<uint32_t>(static_cast<int64_t>(bias[m])) : 0;
      CONV_I8_I16_AVX512->combine(p + q * R, p + total + q * R, R, b, y + q * R);
    }
  });
}

/**
 * The int8 conv `conv` (convI8Direct or convI8InputGrad with its geometry's batch set to the
 * given N) over v (N, inPer) split into 2N images, into y (N, M, R); or, on AMX, hiLo (the
 * HiLo form of that conv) over both halves straight into y. Scratch on the calling thread:
 * Slot::WinoV and Slot::WinoM (the Winograd kernels' slots; the int8 direct conv takes PackA,
 * PackB and ConvCols).
 */
template <class Conv, class HiLo>
bool splitConv(int64_t N, int64_t inPer, const int16_t* v, int64_t M, int64_t R,
               const double* bias, int32_t* y, Conv conv, HiLo hiLo) {
  auto* parts = static_cast<int8_t*>(scratch(Slot::WinoV, 2 * N * inPer + 64));
  const int s = split(v, N, inPer, parts);
  if (s == 0) return false;
  if (s == 1) {
    // Every hi is 0: v = lo, one conv of N images.
    if (!conv(N, parts + N * inPer, bias, y)) return false;
    return true;
  }
  if (hiLo(parts, parts + N * inPer, bias, y)) return true;
  auto* p = static_cast<int32_t*>(scratch(Slot::WinoM, 2 * N * M * R * sizeof(int32_t) + 64));
  if (!conv(2 * N, parts, nullptr, p)) return false;
  combine(p, N, M, R, bias, y);
  return true;
}

}  // namespace

bool convI8I16Direct(Isa isa, const int64_t* g, const int8_t* w, int64_t M, const int16_t* x,
                     const double* bias, int32_t* y) {
  int64_t probe[12];
  std::memcpy(probe, g, sizeof(probe));
  probe[0] = 0;  // the geometry and ISA checks alone
  if (!CONV_I8_I16_AVX512 || !convI8Direct(isa, probe, w, M, nullptr, nullptr, nullptr))
    return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3];
  if (N == 0 || M == 0 || H * W == 0) return true;
  return splitConv(N, C * H * W, x, M, g[10] * g[11], bias, y,
                   [&](int64_t n, const int8_t* xs, const double* b, int32_t* out) {
                     int64_t gn[12];
                     std::memcpy(gn, g, sizeof(gn));
                     gn[0] = n;
                     return convI8Direct(isa, gn, w, M, xs, b, out);
                   },
                   [&](const int8_t* hi, const int8_t* lo, const double* b, int32_t* out) {
                     return convI8DirectHiLo(isa, g, w, M, hi, lo, b, out);
                   });
}

bool convI8I16InputGrad(Isa isa, const int64_t* g, const int8_t* w, int64_t OC,
                        const int16_t* e, int32_t* dx) {
  int64_t probe[12];
  std::memcpy(probe, g, sizeof(probe));
  probe[0] = 0;
  if (!CONV_I8_I16_AVX512 || !convI8InputGrad(isa, probe, w, OC, nullptr, nullptr))
    return false;
  const int64_t N = g[0], C = g[1], H = g[2], W = g[3];
  if (N == 0 || C == 0 || H * W == 0) return true;
  return splitConv(N, OC * g[10] * g[11], e, C, H * W, nullptr, dx,
                   [&](int64_t n, const int8_t* es, const double*, int32_t* out) {
                     int64_t gn[12];
                     std::memcpy(gn, g, sizeof(gn));
                     gn[0] = n;
                     return convI8InputGrad(isa, gn, w, OC, es, out);
                   },
                   [&](const int8_t* hi, const int8_t* lo, const double*, int32_t* out) {
                     return convI8InputGradHiLo(isa, g, w, OC, hi, lo, out);
                   });
}
