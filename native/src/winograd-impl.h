// SPDX-License-Identifier: MIT
// Winograd F(2x2,3x3) convolution, fused (the definition: src/kernels/ref/winograd.ts
// winograd_conv): y (N, OC, OH, OW) int32 = conv(x (N, C, H, W) int8, w) (+ bias[o]) from the
// transformed filters U (16, OC, C) int16. Included inside an anonymous namespace by
// elem-portable.cc and elem-avx2.cc (the transforms are plain loops the compiler vectorizes
// for each instruction set; the 16 GEMMs run on the integer microkernel `mk` of the chosen
// instruction set, int16 x int16 pairs).
// Work goes in blocks of whole tile rows (all images' rows in order, ~48 tiles a block), one
// task each: per channel, the input transform V = B^T d B of the block's tiles (int16, |V| <=
// 510), read from zero-padded rows split into even and odd columns so every loop is
// contiguous; per position p, V[p] (C, tiles) packed as the microkernel's B panels and
// multiplied by U[p]'s packed A panels (packed once per call) into M[p] (OC, tiles) int32;
// then Y = A^T M A / 4 (+ bias), written into y. V and M stay in the thread's cache-sized
// scratch. The sums are the reference's integers (the caller bounds them below 2^31, see
// ops/winograd.ts); every tile's operations are the same whatever the block or thread.

/** Tiles a block aims at (two AVX2 B panels of 24). */
constexpr int64_t WINO_BLOCK_TILES = 48;

struct WinoShape {
  int64_t N, C, H, W, ph, pw, OH, OW, TH, TW, OC;
  int64_t C2;         // channel pairs (GEMM groups)
  int64_t OCp;        // OC rounded up to MR
  int64_t R;          // tile rows per block
  int64_t Wh;         // even (or odd) columns of a padded row: TW + 1
};

/** The input transform of channel c of tile rows [gr0, gr0 + rows): V (16, C, ldv) int16. */
void winoInput(const WinoShape& s, const int8_t* x, int64_t c, int64_t gr0, int64_t rows,
               int16_t* V, int64_t ldv, int16_t* rowbuf) {
  const int64_t Wh = s.Wh;
  // rowbuf: 4 rows x (even, odd) halves x Wh, then t rows: 4 x (even, odd) x Wh.
  int16_t* d = rowbuf;
  int16_t* t = rowbuf + 8 * Wh;
  for (int64_t lr = 0; lr < rows; lr++) {
    const int64_t gr = gr0 + lr;
    const int64_t n = gr / s.TH, th = gr % s.TH;
    const int8_t* plane = x + (n * s.C + c) * s.H * s.W;
    for (int r = 0; r < 4; r++) {
      int16_t* ev = d + (2 * r) * Wh;
      int16_t* od = ev + Wh;
      const int64_t ih = 2 * th - s.ph + r;
      if (ih < 0 || ih >= s.H) {
        for (int64_t k = 0; k < Wh; k++) ev[k] = od[k] = 0;
        continue;
      }
      // Padded column q = iw + pw holds x[iw]: even q = 2k in ev[k], odd q = 2k + 1 in od[k].
      const int8_t* row = plane + ih * s.W;
      for (int64_t k = 0; k < Wh; k++) {
        const int64_t ie = 2 * k - s.pw, io = ie + 1;
        ev[k] = ie >= 0 && ie < s.W ? row[ie] : 0;
        od[k] = io >= 0 && io < s.W ? row[io] : 0;
      }
    }
    // t = B^T d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3 (each half alike).
    for (int h = 0; h < 2; h++) {
      const int16_t* d0 = d + (0 + h) * Wh;
      const int16_t* d1 = d + (2 + h) * Wh;
      const int16_t* d2 = d + (4 + h) * Wh;
      const int16_t* d3 = d + (6 + h) * Wh;
      int16_t* t0 = t + (0 + h) * Wh;
      int16_t* t1 = t + (2 + h) * Wh;
      int16_t* t2 = t + (4 + h) * Wh;
      int16_t* t3 = t + (6 + h) * Wh;
      for (int64_t k = 0; k < Wh; k++) {
        t0[k] = static_cast<int16_t>(d0[k] - d2[k]);
        t1[k] = static_cast<int16_t>(d1[k] + d2[k]);
        t2[k] = static_cast<int16_t>(d2[k] - d1[k]);
        t3[k] = static_cast<int16_t>(d1[k] - d3[k]);
      }
    }
    // V row i = (a - e, b + e, e - b, b - f) of t row i at columns (2tw .. 2tw + 3):
    // a = even[tw], b = odd[tw], e = even[tw + 1], f = odd[tw + 1].
    const int64_t t0 = lr * s.TW;
    for (int i = 0; i < 4; i++) {
      const int16_t* ev = t + (2 * i) * Wh;
      const int16_t* od = ev + Wh;
      int16_t* v0 = V + ((4 * i + 0) * s.C + c) * ldv + t0;
      int16_t* v1 = V + ((4 * i + 1) * s.C + c) * ldv + t0;
      int16_t* v2 = V + ((4 * i + 2) * s.C + c) * ldv + t0;
      int16_t* v3 = V + ((4 * i + 3) * s.C + c) * ldv + t0;
      for (int64_t tw = 0; tw < s.TW; tw++) {
        v0[tw] = static_cast<int16_t>(ev[tw] - ev[tw + 1]);
        v1[tw] = static_cast<int16_t>(od[tw] + ev[tw + 1]);
        v2[tw] = static_cast<int16_t>(ev[tw + 1] - od[tw]);
        v3[tw] = static_cast<int16_t>(od[tw] - od[tw + 1]);
      }
    }
  }
}

/** y = A^T M A / 4 (+ bias) for output channel o of the block's tiles; M (16, OCp, ldm). */
void winoOutput(const WinoShape& s, const int32_t* M, int64_t ldm, int64_t o, int64_t gr0,
                int64_t rows, const double* bias, int32_t* y) {
  // An integer bias adds exactly (wrapping as the Int32Array store would); any other value
  // goes through float64 and ToInt32, as the reference's store of out / 4 + b.
  const double b = bias ? bias[o] : 0.0;
  const bool intBias = b == __builtin_trunc(b) && __builtin_fabs(b) < 2147483648.0;
  const uint32_t bi = intBias ? static_cast<uint32_t>(static_cast<int64_t>(b)) : 0u;
  // m[p]: position p of output channel o, one int32 per tile of the block.
  const int32_t* m[16];
  for (int p = 0; p < 16; p++) m[p] = M + (p * s.OCp + o) * ldm;
  // Tiles with both output columns inside, then (odd OW) the last tile's left column.
  const int64_t full = s.OW / 2;
  for (int64_t lr = 0; lr < rows; lr++) {
    const int64_t gr = gr0 + lr;
    const int64_t n = gr / s.TH, th = gr % s.TH;
    const int64_t t0 = lr * s.TW;
    for (int i = 0; i < 2; i++) {
      if (2 * th + i >= s.OH) break;
      int32_t* yr = y + ((n * s.OC + o) * s.OH + 2 * th + i) * s.OW;
      // Row i of s = A^T M: i = 0 sums positions j, 4 + j, 8 + j; i = 1 is (4 + j) - (8 + j)
      // - (12 + j); then s A = (s0 + s1 + s2, s1 - s2 - s3). Unsigned arithmetic wraps as
      // int32 would; the division by 4 is exact.
      const uint32_t* q0[4];
      const uint32_t* q1[4];
      const uint32_t* q2[4];
      for (int j = 0; j < 4; j++) {
        q0[j] = reinterpret_cast<const uint32_t*>(m[4 * i + j]) + t0;
        q1[j] = reinterpret_cast<const uint32_t*>(m[4 * i + 4 + j]) + t0;
        q2[j] = reinterpret_cast<const uint32_t*>(m[4 * i + 8 + j]) + t0;
      }
      const uint32_t sg = i == 0 ? 1u : ~0u;  // i = 1: s = q0 - q1 - q2 (negation mod 2^32)
      auto col = [&](int64_t tw, int j) -> uint32_t {
        return q0[j][tw] + sg * (q1[j][tw] + q2[j][tw]);
      };
      auto left = [&](int64_t tw) {
        return static_cast<int32_t>(col(tw, 0) + col(tw, 1) + col(tw, 2)) >> 2;
      };
      auto right = [&](int64_t tw) {
        return static_cast<int32_t>(col(tw, 1) - col(tw, 2) - col(tw, 3)) >> 2;
      };
      if (intBias) {
        for (int64_t tw = 0; tw < full; tw++) {
          yr[2 * tw] = static_cast<int32_t>(static_cast<uint32_t>(left(tw)) + bi);
          yr[2 * tw + 1] = static_cast<int32_t>(static_cast<uint32_t>(right(tw)) + bi);
        }
        if (full < s.TW)
          yr[2 * full] = static_cast<int32_t>(static_cast<uint32_t>(left(full)) + bi);
      } else {
        for (int64_t tw = 0; tw < full; tw++) {
          yr[2 * tw] = toIntJS<int32_t>(static_cast<double>(left(tw)) + b);
          yr[2 * tw + 1] = toIntJS<int32_t>(static_cast<double>(right(tw)) + b);
        }
        if (full < s.TW) yr[2 * full] = toIntJS<int32_t>(static_cast<double>(left(full)) + b);
      }
    }
  }
}

/** One block: tile rows [gr0, gr0 + rows) of every image, all output channels. */
void winoBlock(const WinoShape& s, const int8_t* x, const uint8_t* upk, int64_t upStride,
               const IntMicro& mk, const double* bias, int32_t* y, int64_t gr0, int64_t rows) {
  const int MR = mk.MR, NR = mk.NR;
  const int64_t Tb = rows * s.TW;
  const int64_t Tbp = (Tb + NR - 1) / NR * NR;
  const int64_t panels = Tbp / NR;
  int16_t* V = static_cast<int16_t*>(scratch(Slot::WinoV, 16 * s.C * Tbp * sizeof(int16_t)));
  int32_t* M = static_cast<int32_t*>(scratch(Slot::WinoM, 16 * s.OCp * Tbp * sizeof(int32_t)));
  uint8_t* vpk = static_cast<uint8_t*>(scratch(Slot::WinoB, panels * s.C2 * NR * 4));
  int16_t* rowbuf = static_cast<int16_t*>(scratch(Slot::WinoRows, 16 * s.Wh * sizeof(int16_t)));
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
  for (int64_t o = 0; o < s.OC; o++) winoOutput(s, M, Tbp, o, gr0, rows, bias, y);
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
  s.R = s.TW >= WINO_BLOCK_TILES ? 1 : WINO_BLOCK_TILES / s.TW;
  s.Wh = s.TW + 1;
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
