// SPDX-License-Identifier: MIT
// Per-thread scratch memory for packed operands: grows on demand, 64-byte aligned, kept
// across calls so steady-state kernels allocate nothing.
#pragma once

#include <cstddef>
#include <cstdint>

/** Scratch slots of one thread (each grows independently). */
enum class Slot {
  PackA = 0,
  PackB = 1,
  Init = 2,
  Part = 3,
  // Winograd convolution (winograd-impl.h): packed filters, one block's V, packed V, M, rows.
  WinoU = 4,
  WinoV = 5,
  WinoB = 6,
  WinoM = 7,
  WinoRows = 8,
  // im2col / col2im (layers-impl.h): one zero-padded image plane.
  ConvPlane = 9,
  // Implicit-GEMM convolution (gemm-f32.cc convGemmF32): a slice of im2col columns.
  ConvCols = 10,
  // bn_sums' exact sums (norm-impl.h sumsExactPlanes): each task's channel sums.
  Sums = 11,
  Count = 12
};

/** At least `bytes` of this thread's scratch slot, 64-byte aligned (contents undefined). */
void* scratch(Slot slot, size_t bytes);
