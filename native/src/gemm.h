// SPDX-License-Identifier: MIT
// GEMM entry points and the per-instruction-set microkernel tables they dispatch to.
//   C (M,N) (+)= op(A) (M,K) x op(B) (K,N), row-major; A stored (M,K) or (K,M) when transA,
//   B stored (K,N) or (N,K) when transB (the layouts of src/kernels/spec.ts GemmShape).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.h"
#include "pack.h"

/** A narrow integer operand: int8 or int16 elements, stored transposed or not. */
struct IntOperand {
  const void* p;
  int bytes;  // 1: int8, 2: int16
  bool trans;
};

/**
 * Integer microkernel of one instruction set. Packed operands hold groups of G consecutive k
 * per row (A) or column (B), 4 bytes per group: G = 2 int16 pairs, or G = 4 bytes (A as
 * unsigned a + 128, B signed, for u8 x s8 dot products). A panel is MR rows, a B panel NR
 * columns: A panel [group][MR][4 bytes], B panel [group][NR][4 bytes].
 */
struct IntMicro {
  int MR, NR, G;
  /** A packed as a + 128: the tile starts from init = -128 * column sums of B. */
  bool offsetA;
  /**
   * C (MR, NR) tile at row stride ldc: (C if add else 0) + init (if given, per column) + the
   * int32 sum over `groups` groups, all with wrapping int32 arithmetic.
   */
  void (*tile)(int64_t groups, const uint8_t* A, const uint8_t* B, const int32_t* init,
               int32_t* C, int64_t ldc, bool add);
  /** Cache blocks: rows of A, k, and columns of B packed at once. */
  int MC, KC, NC;
  /** Packs an A panel (MR rows) and a B panel (NR columns, column sums if asked). */
  void (*packA)(const PanelSrc& s, int width, int G, PackMode mode, uint8_t* out);
  void (*packB)(const PanelSrc& s, int width, int G, uint8_t* out, int32_t* colsum);
  /**
   * Packs `panels` full B panels at once from a k-major B (not transposed), or null (then
   * panel by panel): see packBKMajorAvx2 in pack.h.
   */
  void (*packBK)(const PanelSrc& s, int width, int panels, int G, uint8_t* out,
                 int32_t* colsum);
  /**
   * Optional, int16 pairs only (G = 2, offsetA false): a float64 C (MR, NR) tile at row stride
   * ldc = (C if add else 0) + the sum over `groups` groups, where the int32 lanes are added into
   * C as float64 and restarted every `chunk` groups. Exact when the caller's bound keeps every
   * chunk's sum within int32 (then each float64 partial sum is an integer below 2^53). Spares
   * the float64 route its per-chunk scalar merge of int32 tiles (gemmIntF64).
   */
  void (*tileF64)(int64_t groups, int64_t chunk, const uint8_t* A, const uint8_t* B, double* C,
                  int64_t ldc, bool add);
  /**
   * Optional, int16 only: out[r * INT_DOT + c] += the exact sum over k < kc of a[r][k] b[c][k]
   * for INT_DOT rows of A and of B, both int16 and contiguous in k (A (M,K) and B (N,K) of a
   * weight gradient), unpacked. Each int32 lane takes 2 products per 32 k and is added into out
   * as float64 every `chunk` such steps (>= 1; the caller's bound keeps 2 * chunk products
   * within int32), so the float64 sums are integers below 2^53: exact in any order.
   */
  void (*dotF64)(int64_t kc, int64_t chunk, const int16_t* const* a, const int16_t* const* b,
                 double* out);
};

/** Rows and columns of an IntMicro::dotF64 block. */
constexpr int INT_DOT = 4;

/** The integer microkernels of an instruction set: int8 x int8, and any pair with int16. */
struct IntKernels {
  IntMicro i8;
  IntMicro i16;
};

/** Rows and columns of an F32Micro::dot block. */
constexpr int F32_DOT = 4;

/** float32 microkernel: C (MR, NR) (+)= A panel [k][MR] x B panel [k][NR]. */
struct F32Micro {
  int MR, NR;
  void (*tile)(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool add);
  int MC, KC, NC;
  /**
   * Dot products of 4 rows a[r][0..kc) with 4 rows b[c][0..kc) (both contiguous in k, as A
   * (M,K) and B (N,K) are in a weight gradient): out[r * 4 + c], summed in vector lanes in
   * a fixed order (k's lane is k mod the vector width) and the lanes then reduced. Unpacked:
   * for GEMMs whose depth dwarfs C, where packing both operands costs more than the FMAs.
   */
  void (*dot)(int64_t kc, const float* const* a, const float* const* b, float* out);
};

const IntKernels* intKernels(Isa isa);
const F32Micro* f32Kernel(Isa isa);

// Microkernel tables, defined by the files compiled for each instruction set (null where the
// compiler or architecture cannot build them).
extern const IntKernels* const INT_PORTABLE;
extern const IntKernels* const INT_AVX2;
extern const IntKernels* const INT_AVX512VNNI;
extern const IntKernels* const INT_VNNI_EMULATED;
extern const F32Micro* const F32_PORTABLE;
extern const F32Micro* const F32_AVX2;
extern const F32Micro* const F32_AVX512;

/**
 * Integer GEMM into int32 C: exact modulo 2^32 (the caller keeps the true sums in int32, so
 * they are exact). accumulate adds to C.
 */
void gemmIntI32(Isa isa, int64_t M, int64_t N, int64_t K, IntOperand A, IntOperand B,
                int32_t* C, bool accumulate);

/**
 * C (M, N*OH*OW) = W (M, C*KH*KW) x im2col(x) into int32 C, x (N, C, H, W) int8 or int16
 * (xBytes), without the im2col matrix (built a few images at a time into scratch, as in
 * convGemmF32); the caller keeps the sums within int32, as for gemmIntI32.
 */
void convGemmIntI32(Isa isa, const int64_t* g, IntOperand W, int64_t M, const void* x, int xBytes,
                    int32_t* C);

/**
 * convGemmIntI32 with C written as NCHW: C (N, M, OH*OW) (the GEMM's (M, N*OH*OW) with its
 * outer axes swapped), plus bias[m] (integers within int32, or null) on every element of
 * channel m: image by image into its own (M, OH*OW) block, the swap_outer pass saved. The same
 * int32 sums (exact: the caller keeps them and bias + sum within int32).
 */
void convGemmIntNchw(Isa isa, const int64_t* g, IntOperand W, int64_t M, const void* x,
                     int xBytes, const double* bias, int32_t* C);

/**
 * convGemmIntNchw into exact float64 C (N, M, OH*OW), for sums past int32 (int16 operands):
 * image by image, its im2col columns (C*KH*KW, OH*OW) in scratch and gemmIntF64 straight into
 * its (M, OH*OW) block, then bias[m] added (exact: integers, the caller keeps every sum below
 * 2^53). maxW, maxX: max |w| and max |x| (the chunk plan of gemmIntF64, no scans).
 */
void convGemmIntF64Nchw(Isa isa, const int64_t* g, IntOperand W, int64_t M, const void* x,
                        int xBytes, const double* bias, double* C, int64_t maxW, int64_t maxX);

/**
 * Integer GEMM into float64 C, exact: K is split into chunks whose int32 sums cannot overflow
 * (from max |a| and max |b|), and chunk sums are added to C as exact float64 integers: inside
 * the microkernel (IntMicro::tileF64, chunks of >= 8 groups) where it has one, else per tile
 * and KC block, with int16 x int16 operands of large values split into 8-bit limbs. maxA, maxB: upper bounds on
 * max |a|, max |b| the caller already knows (spares two scans), or -1 (scanned here).
 */
void gemmIntF64(Isa isa, int64_t M, int64_t N, int64_t K, IntOperand A, IntOperand B, double* C,
                bool accumulate, int64_t maxA = -1, int64_t maxB = -1);

/**
 * The reference's float64 loop, operation for operation (for int32-stored operands, whose
 * products leave int32 and even 2^53): A and B of 1, 2 or 4 bytes per element, C int32 (an
 * Int32Array store: modulo 2^32) or float64.
 */
void gemmIntRefAny(int64_t M, int64_t N, int64_t K, const void* A, int aBytes, bool transA,
                   const void* B, int bBytes, bool transB, void* C, bool cIsF64, bool accumulate);

/** float32 GEMM with float32 accumulation. */
void gemmF32(Isa isa, int64_t M, int64_t N, int64_t K, const float* A, bool transA,
             const float* B, bool transB, float* C, bool accumulate);

/**
 * C (M, N*OH*OW) (+)= W (M, C*KH*KW) x im2col(x), x (N, C, H, W) float32, without the im2col
 * matrix: its columns are built a few images at a time into scratch that stays in L2 while
 * the GEMM reads it. g: N, C, H, W, KH, KW, sh, sw, ph, pw, OH, OW. Bit-exact with im2col and
 * gemmF32 (each C element's sum runs over the same depth slices in the same order).
 */
void convGemmF32(Isa isa, const int64_t* g, const float* W, int64_t M, const float* x, float* C,
                 bool accumulate);

/**
 * dW (M, C*KH*KW) (+)= E (M, N*OH*OW) x im2col(x)^T, float32 (a conv's weight gradient from
 * its error rows), without the im2col matrix: its rows are built a few images at a time into
 * scratch and read there by the dot route (F32Micro::dot). Each dW element sums per image
 * slice, then per 512-deep piece of it, in order: the same bits for every thread count.
 * batchMajor: E is the error as it comes, (N, M, OH*OW), read in place of its rows (only where
 * convDirectDotSupported: the dot reads x directly): the same bits, no layout swap of E.
 */
void convWeightGradF32(Isa isa, const int64_t* g, const float* E, int64_t M, const float* x,
                       float* dW, bool accumulate,
                       bool batchMajor = false);
