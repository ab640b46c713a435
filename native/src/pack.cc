// SPDX-License-Identifier: MIT
// Portable packing of integer GEMM panels (see pack.h).

#include "pack.h"

namespace {

template <typename T, bool KMAJOR>
inline int elem(const T* p, int64_t ld, int64_t r, int64_t k) {
  return KMAJOR ? p[k * ld + r] : p[r * ld + k];
}

template <PackMode MODE>
inline int transform(int v) {
  switch (MODE) {
    case PackMode::Hi:
      return v >> 8;  // arithmetic shift: floor(v / 256)
    case PackMode::Lo:
      return v & 255;
    case PackMode::U8:
      return v + 128;
    case PackMode::Plain:
      return v;
  }
  return v;
}

template <typename T, bool KMAJOR, int G, PackMode MODE>
void pack(const PanelSrc& s, int width, uint8_t* out, int32_t* colsum) {
  const T* p = static_cast<const T*>(s.p);
  const int64_t groups = (s.kc + G - 1) / G;
  const int64_t full = s.kc / G;  // groups with every k inside
  if (colsum)
    for (int r = 0; r < width; r++) colsum[r] = 0;
  for (int r = 0; r < width; r++) {
    if (r >= s.rows) {
      // Rows past the edge: zero (u8 mode: the value of 0, so tiles stay well defined).
      for (int64_t g = 0; g < groups; g++)
        for (int t = 0; t < G; t++) {
          const int v = transform<MODE>(0);
          if (G == 2)
            reinterpret_cast<int16_t*>(out)[(g * width + r) * 2 + t] = static_cast<int16_t>(v);
          else
            out[(g * width + r) * 4 + t] = static_cast<uint8_t>(v);
        }
      continue;
    }
    const int64_t row = s.r0 + r;
    int32_t sum = 0;
    for (int64_t g = 0; g < groups; g++) {
      for (int t = 0; t < G; t++) {
        const int64_t k = g * G + t;
        const int raw = (g < full || k < s.kc) ? elem<T, KMAJOR>(p, s.ld, row, s.k0 + k) : 0;
        sum += raw;
        const int v = transform<MODE>(raw);
        if (G == 2)
          reinterpret_cast<int16_t*>(out)[(g * width + r) * 2 + t] = static_cast<int16_t>(v);
        else
          out[(g * width + r) * 4 + t] = static_cast<uint8_t>(v);
      }
    }
    if (colsum) colsum[r] = sum;
  }
}

template <typename T, bool KMAJOR>
void packT(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out, int32_t* colsum) {
  if (G == 4) {
    if (mode == PackMode::U8)
      pack<T, KMAJOR, 4, PackMode::U8>(s, width, out, colsum);
    else
      pack<T, KMAJOR, 4, PackMode::Plain>(s, width, out, colsum);
    return;
  }
  switch (mode) {
    case PackMode::Hi:
      pack<T, KMAJOR, 2, PackMode::Hi>(s, width, out, colsum);
      break;
    case PackMode::Lo:
      pack<T, KMAJOR, 2, PackMode::Lo>(s, width, out, colsum);
      break;
    default:
      pack<T, KMAJOR, 2, PackMode::Plain>(s, width, out, colsum);
  }
}

}  // namespace

void packPanel(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out,
               int32_t* colsum) {
  if (s.bytes == 1) {
    if (s.kMajor)
      packT<int8_t, true>(s, width, G, mode, out, colsum);
    else
      packT<int8_t, false>(s, width, G, mode, out, colsum);
  } else {
    if (s.kMajor)
      packT<int16_t, true>(s, width, G, mode, out, colsum);
    else
      packT<int16_t, false>(s, width, G, mode, out, colsum);
  }
}

void packAPortable(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out) {
  packPanel(s, width, G, mode, out, nullptr);
}

void packBPortable(const PanelSrc& s, int width, int G, uint8_t* out, int32_t* colsum) {
  packPanel(s, width, G, PackMode::Plain, out, colsum);
}
