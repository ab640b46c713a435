// SPDX-License-Identifier: MIT
// The instruction sets the kernels dispatch on, and what this CPU (and its OS) supports.
#pragma once

enum class Isa {
  Portable = 0,
  Avx2 = 1,
  Avx512Vnni = 2,
  /** The AVX-512 VNNI integer path with a scalar microkernel, for tests (runs on AVX2). */
  Avx512VnniEmulated = 3,
  /**
   * AVX-512 VNNI plus AMX int8 tiles: the direct int8 convolutions (conv-i8.h) on tiles, every
   * other kernel exactly as Avx512Vnni.
   */
  Avx512Amx = 4,
};

/** Whether `isa` runs the AVX-512 VNNI kernels (Avx512Vnni, or Avx512Amx outside its tiles). */
inline bool avx512(Isa isa) { return isa == Isa::Avx512Vnni || isa == Isa::Avx512Amx; }

/** "portable", "avx2", "avx512vnni", "avx512amx" or "avx512vnni-emulated". */
const char* isaName(Isa isa);
/** Whether this CPU and OS can run kernels of `isa` (AVX state enabled by the OS included). */
bool isaSupported(Isa isa);
/** The CPU's features that matter here, e.g. "avx2 fma" (for messages). */
const char* cpuFeatures();
