// SPDX-License-Identifier: MIT
// The jump-ahead matrices of rng-jump.h: T^256 and T^4096 for the state update T, built once
// by 8 and 12 squarings from T's columns (T applied to each unit state), each kept as 16 byte
// tables (entry [b][v] = the xor of the columns of bits 8b..8b+7 chosen by v), so one jump is
// 16 lookups.

#include "rng-jump.h"

#include <mutex>

namespace rngjump {
namespace {

/** One xoshiro128** state update (the output word is not needed). */
void step(uint32_t* s) {
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 11) | (s[3] >> 21);
}

/** A 128 x 128 bit matrix by columns: col[i] = M e_i (bit i = word i / 32, bit i % 32). */
struct Matrix {
  uint32_t col[128][4];
};

void apply(const Matrix& m, const uint32_t* x, uint32_t* y) {
  uint32_t r[4] = {0, 0, 0, 0};
  for (int i = 0; i < 128; i++)
    if ((x[i >> 5] >> (i & 31)) & 1)
      for (int w = 0; w < 4; w++) r[w] ^= m.col[i][w];
  for (int w = 0; w < 4; w++) y[w] = r[w];
}

struct Tables {
  uint32_t t[16][256][4];
};

Tables* longTables = nullptr;   // T^STRIDE
Tables* shortTables = nullptr;  // T^SHORT_STRIDE
std::once_flag built;

void tabulate(const Matrix& m, Tables& tb) {
  for (int b = 0; b < 16; b++)
    for (int v = 0; v < 256; v++) {
      uint32_t r[4] = {0, 0, 0, 0};
      for (int j = 0; j < 8; j++)
        if ((v >> j) & 1)
          for (int w = 0; w < 4; w++) r[w] ^= m.col[8 * b + j][w];
      for (int w = 0; w < 4; w++) tb.t[b][v][w] = r[w];
    }
}

void build() {
  static_assert(SHORT_STRIDE == 1 << 8 && STRIDE == 1 << 12, "the squarings below");
  static Matrix m, sq;
  for (int i = 0; i < 128; i++) {
    uint32_t s[4] = {0, 0, 0, 0};
    s[i >> 5] = uint32_t(1) << (i & 31);
    step(s);
    for (int w = 0; w < 4; w++) m.col[i][w] = s[w];
  }
  static Tables shortTb, longTb;
  for (int k = 1; k <= 12; k++) {  // after k squarings: T^(2^k)
    for (int i = 0; i < 128; i++) apply(m, m.col[i], sq.col[i]);
    m = sq;
    if (k == 8) tabulate(m, shortTb);
  }
  tabulate(m, longTb);
  shortTables = &shortTb;
  longTables = &longTb;
}

void jumpBy(const Tables* tb, const uint32_t* in, uint32_t* out) {
  uint32_t r[4] = {0, 0, 0, 0};
  for (int b = 0; b < 16; b++) {
    const uint32_t* e = tb->t[b][(in[b >> 2] >> (8 * (b & 3))) & 255];
    for (int w = 0; w < 4; w++) r[w] ^= e[w];
  }
  for (int w = 0; w < 4; w++) out[w] = r[w];
}

}  // namespace

void jump(const uint32_t* in, uint32_t* out) {
  std::call_once(built, build);
  jumpBy(longTables, in, out);
}

void jumpShort(const uint32_t* in, uint32_t* out) {
  std::call_once(built, build);
  jumpBy(shortTables, in, out);
}

}  // namespace rngjump
