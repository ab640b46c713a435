// SPDX-License-Identifier: MIT
// Winograd F(2x2,3x3) convolution, fused (the definition: src/kernels/ref/winograd.ts
// winograd_conv): y (N, OC, OH, OW) int32 = conv(x (N, C, H, W) int8, w) (+ bias[o]) from the
// transformed filters U (16, OC, C) int16. Included inside an anonymous namespace by
// elem-portable.cc and elem-avx2.cc (the transforms are plain loops the compiler vectorizes
// for each instruction set; the 16 GEMMs run on the integer microkernel `mk` of the chosen
// instruction set, int16 x int16 pairs).
// Work goes in blocks of whole tile rows (all images' rows in order, 48-96 columns a block),
// one task each. A tile row takes TW + 1 columns: the extra (junk) tile lets each transform
// loop run over the whole block at once (its results are never read). Per channel, the input
// transform V = B^T d B (int16, |V| <= 510), from zero-padded rows split into even and odd
// columns; per position p, V[p] (C, columns) packed as the microkernel's B panels and
// multiplied by U[p]'s packed A panels (packed once per call) into M[p] (OC, columns) int32;
// then Y = A^T M A / 4 (+ bias), written into y. V and M stay in the thread's cache-sized
// scratch. The sums are the reference's integers (the caller bounds them below 2^31, see
// ops/winograd.ts); every tile's operations are the same whatever the block or thread.

/**
 * Columns a block aims at: tile rows of TW + 1 columns each (the last of a row is a junk tile
 * that lets every transform loop run the whole block at once; its results are never read).
 */
inline int64_t winoBlockCols(int64_t C, int64_t OC) { return C * OC >= 2048 ? 48 : 96; }

struct WinoShape {
  int64_t N, C, H, W, ph, pw, OH, OW, TH, TW, OC;
  int64_t C2;   // channel pairs (GEMM groups)
  int64_t OCp;  // OC rounded up to MR
  int64_t R;    // tile rows per block
  int64_t Wh;   // columns per tile row: TW + 1 (even or odd padded image columns alike)
};

inline int64_t clampK(int64_t k, int64_t max) { return k < max ? k : max; }

// The transforms' loops, over whole blocks (n columns), with unaliased operands.
__attribute__((noinline)) void winoRowsBt(const int16_t* __restrict__ d0,
                                          const int16_t* __restrict__ d1,
                                          const int16_t* __restrict__ d2,
                                          const int16_t* __restrict__ d3, int16_t* __restrict__ t0,
                                          int16_t* __restrict__ t1, int16_t* __restrict__ t2,
                                          int16_t* __restrict__ t3, int64_t n) {
  // t = B^T d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3.
  for (int64_t k = 0; k < n; k++) {
    t0[k] = static_cast<int16_t>(d0[k] - d2[k]);
    t1[k] = static_cast<int16_t>(d1[k] + d2[k]);
    t2[k] = static_cast<int16_t>(d2[k] - d1[k]);
    t3[k] = static_cast<int16_t>(d1[k] - d3[k]);
  }
}

__attribute__((noinline)) void winoRowsB(const int16_t* __restrict__ ev,
                                         const int16_t* __restrict__ od,
                                         int16_t* __restrict__ v0, int16_t* __restrict__ v1,
                                         int16_t* __restrict__ v2, int16_t* __restrict__ v3,
                                         int64_t n) {
  // V row = (a - e, b + e, e - b, b - f) of a t row at padded columns 2k .. 2k + 3:
  // a = even[k], b = odd[k], e = even[k + 1], f = odd[k + 1].
  for (int64_t k = 0; k < n; k++) {
    v0[k] = static_cast<int16_t>(ev[k] - ev[k + 1]);
    v1[k] = static_cast<int16_t>(od[k] + ev[k + 1]);
    v2[k] = static_cast<int16_t>(ev[k + 1] - od[k]);
    v3[k] = static_cast<int16_t>(od[k] - od[k + 1]);
  }
}

__attribute__((noinline)) void winoRowsA(
    const uint32_t* __restrict__ a0, const uint32_t* __restrict__ a1,
    const uint32_t* __restrict__ a2, const uint32_t* __restrict__ a3,
    const uint32_t* __restrict__ b0, const uint32_t* __restrict__ b1,
    const uint32_t* __restrict__ b2, const uint32_t* __restrict__ b3,
    const uint32_t* __restrict__ c0, const uint32_t* __restrict__ c1,
    const uint32_t* __restrict__ c2, const uint32_t* __restrict__ c3, uint32_t sg,
    int32_t* __restrict__ L, int32_t* __restrict__ R, int64_t n) {
  // s = a + sg (b + c) per column (sg = -1: a - b - c, mod 2^32), then L = (s0 + s1 + s2) / 4,
  // R = (s1 - s2 - s3) / 4 (exact divisions).
  for (int64_t k = 0; k < n; k++) {
    const uint32_t s0 = a0[k] + sg * (b0[k] + c0[k]);
    const uint32_t s1 = a1[k] + sg * (b1[k] + c1[k]);
    const uint32_t s2 = a2[k] + sg * (b2[k] + c2[k]);
    const uint32_t s3 = a3[k] + sg * (b3[k] + c3[k]);
    L[k] = static_cast<int32_t>(s0 + s1 + s2) >> 2;
    R[k] = static_cast<int32_t>(s1 - s2 - s3) >> 2;
  }
}

__attribute__((noinline)) void winoInterleave(const int32_t* __restrict__ L,
                                              const int32_t* __restrict__ R, uint32_t bi,
                                              int32_t* __restrict__ out, int64_t pairs) {
  for (int64_t k = 0; k < pairs; k++) {
    out[2 * k] = static_cast<int32_t>(static_cast<uint32_t>(L[k]) + bi);
    out[2 * k + 1] = static_cast<int32_t>(static_cast<uint32_t>(R[k]) + bi);
  }
}

/**
 * The input transform of channel c of tile rows [gr0, gr0 + rows): V (16, C, ldv) int16, tile
 * (lr, tw) in column lr * Wh + tw. rowbuf: 16 rows of rows * Wh + 1 int16.
 */
void winoInput(const WinoShape& s, const int8_t* x, int64_t c, int64_t gr0, int64_t rows,
               int16_t* V, int64_t ldv, int16_t* rowbuf) {
  const int64_t Wh = s.Wh, n = rows * Wh, ld = n + 1;
  // d: patch rows r = 0..3, halves h (even, odd padded columns) at rowbuf + (2r + h) ld;
  // t = B^T d likewise at rowbuf + (8 + 2i + h) ld.
  int16_t* d = rowbuf;
  int16_t* t = rowbuf + 8 * ld;
  for (int64_t lr = 0; lr < rows; lr++) {
    const int64_t gr = gr0 + lr;
    const int64_t img = gr / s.TH, th = gr % s.TH;
    const int8_t* plane = x + (img * s.C + c) * s.H * s.W;
    for (int r = 0; r < 4; r++) {
      int16_t* ev = d + (2 * r) * ld + lr * Wh;
      int16_t* od = ev + ld;
      for (int64_t k = 0; k < Wh; k++) ev[k] = od[k] = 0;
      const int64_t ih = 2 * th - s.ph + r;
      if (ih < 0 || ih >= s.H) continue;
      // Padded column q = iw + pw holds x[iw]: even q = 2k in ev[k], odd q = 2k + 1 in od[k].
      const int8_t* row = plane + ih * s.W;
      const int64_t lo = (s.pw + 1) / 2, hi = clampK((s.pw + s.W + 1) / 2, Wh);
      const int64_t lo1 = s.pw / 2, hi1 = clampK((s.pw + s.W) / 2, Wh);
      for (int64_t k = lo; k < hi; k++) ev[k] = row[2 * k - s.pw];
      for (int64_t k = lo1; k < hi1; k++) od[k] = row[2 * k + 1 - s.pw];
    }
  }
  for (int h = 0; h < 2; h++)
    winoRowsBt(d + h * ld, d + (2 + h) * ld, d + (4 + h) * ld, d + (6 + h) * ld, t + h * ld,
               t + (2 + h) * ld, t + (4 + h) * ld, t + (6 + h) * ld, n);
  for (int i = 0; i < 8; i++) t[i * ld + n] = 0;  // read by the last junk tile only
  for (int i = 0; i < 4; i++)
    winoRowsB(t + (2 * i) * ld, t + (2 * i + 1) * ld, V + ((4 * i + 0) * s.C + c) * ldv,
              V + ((4 * i + 1) * s.C + c) * ldv, V + ((4 * i + 2) * s.C + c) * ldv,
              V + ((4 * i + 3) * s.C + c) * ldv, n);
}

/** y = A^T M A / 4 (+ bias) for output channel o of the block; M (16, OCp, ldm). */
void winoOutput(const WinoShape& s, const int32_t* M, int64_t ldm, int64_t o, int64_t gr0,
                int64_t rows, const double* bias, int32_t* y, int32_t* LR) {
  // An integer bias adds exactly (wrapping as the Int32Array store would); any other value
  // goes through float64 and ToInt32, as the reference's store of out / 4 + b.
  const double b = bias ? bias[o] : 0.0;
  const bool intBias = b == __builtin_trunc(b) && __builtin_fabs(b) < 2147483648.0;
  const uint32_t bi = intBias ? static_cast<uint32_t>(static_cast<int64_t>(b)) : 0u;
  const int64_t Wh = s.Wh, n = rows * Wh;
  auto m = [&](int p) { return reinterpret_cast<const uint32_t*>(M + (p * s.OCp + o) * ldm); };
  const int64_t full = s.OW / 2;  // tiles with both output columns inside
  for (int i = 0; i < 2; i++) {
    // Output row i of every tile: s = A^T M row i (i = 0: positions j + 4 j' for j' = 0..2
    // added; i = 1: 4 + j - (8 + j) - (12 + j)), then s A.
    int32_t* L = LR + 2 * i * n;
    int32_t* R = L + n;
    const int q = 4 * i;
    winoRowsA(m(q), m(q + 1), m(q + 2), m(q + 3), m(q + 4), m(q + 5), m(q + 6), m(q + 7),
              m(q + 8), m(q + 9), m(q + 10), m(q + 11), i == 0 ? 1u : ~0u, L, R, n);
  }
  for (int64_t lr = 0; lr < rows; lr++) {
    const int64_t gr = gr0 + lr;
    const int64_t img = gr / s.TH, th = gr % s.TH;
    for (int i = 0; i < 2; i++) {
      if (2 * th + i >= s.OH) break;
      const int32_t* L = LR + 2 * i * n + lr * Wh;
      const int32_t* R = L + n;
      int32_t* out = y + ((img * s.OC + o) * s.OH + 2 * th + i) * s.OW;
      winoInterleave(L, R, bi, out, full);
      if (full < s.TW) out[2 * full] = static_cast<int32_t>(static_cast<uint32_t>(L[full]) + bi);
      if (!intBias)  // bi was 0: out holds the sums / 4
        for (int64_t q = 0; q < s.OW; q++)
          out[q] = toIntJS<int32_t>(static_cast<double>(out[q]) + b);
    }
  }
}

/** One block: tile rows [gr0, gr0 + rows) of every image, all output channels. */
void winoBlock(const WinoShape& s, const int8_t* x, const uint8_t* upk, int64_t upStride,
               const IntMicro& mk, const double* bias, int32_t* y, int64_t gr0, int64_t rows) {
  const int MR = mk.MR, NR = mk.NR;
  const int64_t Tb = rows * s.Wh;  // columns, a junk tile per row included
  const int64_t Tbp = (Tb + NR - 1) / NR * NR;
  const int64_t panels = Tbp / NR;
  int16_t* V = static_cast<int16_t*>(scratch(Slot::WinoV, 16 * s.C * Tbp * sizeof(int16_t)));
  int32_t* M = static_cast<int32_t*>(scratch(Slot::WinoM, 16 * s.OCp * Tbp * sizeof(int32_t)));
  uint8_t* vpk = static_cast<uint8_t*>(scratch(Slot::WinoB, panels * s.C2 * NR * 4));
  // The transforms' rows: 16 of Tb + 1 int16 (input), 4 of Tb int32 (output).
  int16_t* rowbuf = static_cast<int16_t*>(
      scratch(Slot::WinoRows, 16 * (Tb + 1) * sizeof(int16_t) + 4 * Tb * sizeof(int32_t) + 64));
  int32_t* LR = reinterpret_cast<int32_t*>(
      reinterpret_cast<uintptr_t>(rowbuf + 16 * (Tb + 1) + 31) & ~uintptr_t(63));
  for (int64_t c = 0; c < s.C; c++) winoInput(s, x, c, gr0, rows, V, Tbp, rowbuf);
  for (int p = 0; p < 16; p++) {
    for (int64_t j = 0; j < panels; j++) {
      const int cols = static_cast<int>(Tb - j * NR < NR ? Tb - j * NR : NR);
      const PanelSrc src{V + p * s.C * Tbp, 2, true, Tbp, j * NR, cols, 0, s.C};
      mk.packB(src, NR, 2, vpk + j * s.C2 * NR * 4, nullptr);
    }
    const uint8_t* up = upk + p * upStride;
    int32_t* Mp = M + p * s.OCp * Tbp;
    for (int64_t j = 0; j < panels; j++)
      for (int64_t q = 0; q < s.OCp / MR; q++)
        mk.tile(s.C2, up + q * s.C2 * MR * 4, vpk + j * s.C2 * NR * 4, nullptr,
                Mp + q * MR * Tbp + j * NR, Tbp, false);
  }
  for (int64_t o = 0; o < s.OC; o++) winoOutput(s, M, Tbp, o, gr0, rows, bias, y, LR);
}

void winogradConvK(const int64_t* gw, const int8_t* x, const int16_t* U, int64_t OC,
                   const double* bias, int32_t* y, const IntMicro& mk) {
  const Geom g(gw);
  WinoShape s{};
  s.N = g.N, s.C = g.C, s.H = g.H, s.W = g.W, s.ph = g.ph, s.pw = g.pw, s.OH = g.OH;
  s.OW = g.OW, s.OC = OC;
  s.TH = (g.OH + 1) / 2, s.TW = (g.OW + 1) / 2;
  const int64_t ny = g.N * OC * g.OH * g.OW;
  if (ny == 0) return;
  if (g.C == 0) {
    // No channels: every sum is 0, y = bias.
    for (int64_t n = 0; n < g.N; n++)
      for (int64_t o = 0; o < OC; o++) {
        const double b = bias ? bias[o] : 0.0;
        int32_t* yo = y + (n * OC + o) * g.OH * g.OW;
        for (int64_t i = 0; i < g.OH * g.OW; i++) yo[i] = toIntJS<int32_t>(0.0 + b);
      }
    return;
  }
  const int MR = mk.MR;
  s.C2 = (g.C + 1) / 2;
  s.OCp = (OC + MR - 1) / MR * MR;
  s.Wh = s.TW + 1;
  s.R = s.Wh >= winoBlockCols(g.C, OC) ? 1 : winoBlockCols(g.C, OC) / s.Wh;
  const int64_t GR = g.N * s.TH;
  if (s.R > GR) s.R = GR;
  // U[p] (OC, C) packed once as A panels (MR rows, channel pairs), read by every task.
  const int64_t upStride = (s.OCp / MR) * s.C2 * MR * 4;
  uint8_t* upk = static_cast<uint8_t*>(scratch(Slot::WinoU, 16 * upStride));
  for (int p = 0; p < 16; p++)
    for (int64_t q = 0; q < s.OCp / MR; q++) {
      const int rows = static_cast<int>(OC - q * MR < MR ? OC - q * MR : MR);
      const PanelSrc src{U + p * OC * g.C, 2, false, g.C, q * MR, rows, 0, g.C};
      mk.packA(src, MR, 2, PackMode::Plain, upk + p * upStride + q * s.C2 * MR * 4);
    }
  const int64_t blocks = (GR + s.R - 1) / s.R;
  auto run = [&](int64_t b) {
    const int64_t gr0 = b * s.R;
    const int64_t rows = GR - gr0 < s.R ? GR - gr0 : s.R;
    winoBlock(s, x, upk, upStride, mk, bias, y, gr0, rows);
  };
  // Multiply-adds of the block GEMMs: 16 OC C per tile.
  const int64_t macs = 16 * OC * g.C * GR * s.TW;
  if (blocks == 1 || macs < (int64_t(1) << 20)) {
    for (int64_t b = 0; b < blocks; b++) run(b);
    return;
  }
  pool::run(static_cast<int>(blocks), [&](int t) { run(t); });
}
